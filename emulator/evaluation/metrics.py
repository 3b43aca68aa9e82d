"""Score predictions against labels with scikit-learn: regression or classification, and latency figures."""

import logging
import math
import warnings

import numpy as np
from sklearn import metrics as skm

from .errors import EvaluationError

TASKS = ("regression", "classification")
MAX_CLASSES = 20  # integer predictions with at most this many label values read as class labels
log = logging.getLogger(__name__)


def as_number(value) -> float | None:
    """Return value as a finite float, or None when it is not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def as_label(value) -> str:
    """Return a class label as text; a whole number reads the same whether sent as 2, 2.0 or "2"."""
    number = as_number(value)
    if number is not None and number == int(number):
        return str(int(number))
    return str(value).strip()


def infer_task(labels: list[str], predictions: list) -> str:
    """Return 'regression' or 'classification' when the values make it plain, else raise EvaluationError."""
    maybe = [as_number(p) for p in predictions]
    label_numbers = [as_number(v) for v in labels]
    numbers = [n for n in maybe if n is not None]
    if len(numbers) < len(maybe):
        return "classification"
    whole = all(n == int(n) for n in numbers)
    label_values = {as_label(v) for v in labels}
    if whole and len(label_values) <= MAX_CLASSES and {as_label(n) for n in numbers} <= label_values:
        return "classification"
    if all(n is not None for n in label_numbers) and (not whole or len(set(numbers)) > MAX_CLASSES):
        return "regression"
    raise EvaluationError(
        "cannot tell whether this is regression or classification from the predictions "
        f"({len(set(numbers))} distinct values, {len(label_values)} label values)",
        "pass --task regression or --task classification",
    )


def regression(labels: list[str], predictions: list) -> dict:
    """Return RMSE, MAE, R2 and MAPE."""
    truth, guess = _numbers(labels, "label"), _numbers(predictions, "prediction")
    return {
        "rmse": float(np.sqrt(skm.mean_squared_error(truth, guess))),
        "mae": float(skm.mean_absolute_error(truth, guess)),
        "r2": float(skm.r2_score(truth, guess)) if len(truth) > 1 else float("nan"),
        "mape": float(skm.mean_absolute_percentage_error(truth, guess)),
    }


def classification(labels: list[str], predictions: list) -> dict:
    """Return accuracy, macro F1, per-class precision/recall/support and the confusion matrix."""
    truth, guess = [as_label(v) for v in labels], [as_label(v) for v in predictions]
    classes = sorted(set(truth) | set(guess))
    if len(classes) > len(truth) / 2:  # said once here, instead of scikit-learn's UserWarning on every call
        log.warning(
            "scored as classification, but %d rows give %d distinct classes (labels and predictions together): "
            "if the model predicts numbers, pass --task regression",
            len(truth),
            len(classes),
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _classification(truth, guess, classes)


def _classification(truth: list[str], guess: list[str], classes: list[str]) -> dict:
    precision, recall, _, support = skm.precision_recall_fscore_support(truth, guess, labels=classes, zero_division=0)
    per_class = {
        c: {"precision": float(p), "recall": float(r), "support": int(s)}
        for c, p, r, s in zip(classes, precision, recall, support, strict=True)
    }
    return {
        "accuracy": float(skm.accuracy_score(truth, guess)),
        "f1_macro": float(skm.f1_score(truth, guess, labels=classes, average="macro", zero_division=0)),
        "per_class": per_class,
        "confusion_matrix": {"labels": classes, "matrix": skm.confusion_matrix(truth, guess, labels=classes).tolist()},
    }


def score(task: str, labels: list[str], predictions: list) -> dict:
    """Return the metrics of a task."""
    if not labels:
        raise EvaluationError("no row got a prediction, so there is nothing to score", "see the failed batches above")
    return regression(labels, predictions) if task == "regression" else classification(labels, predictions)


def latency(latencies_s: list[float], rows: int, wall_s: float) -> dict:
    """Return invocation latency p50/p90/p99 in milliseconds and rows per second."""
    ms = np.asarray(latencies_s, dtype=float) * 1000.0
    figures = {f"latency_p{q}_ms": float(np.percentile(ms, q)) if len(ms) else float("nan") for q in (50, 90, 99)}
    figures["rows_per_s"] = rows / wall_s if wall_s > 0 else float("nan")
    return figures


def _numbers(values: list, what: str) -> np.ndarray:
    """Return values as a float array, or raise naming the first that is not a number."""
    numbers = [as_number(v) for v in values]
    if None in numbers:
        bad = values[numbers.index(None)]
        raise EvaluationError(
            f"regression needs numbers, but a {what} is {bad!r}",
            "pass --task classification, or check --label / --prediction-path",
        )
    return np.asarray(numbers, dtype=float)
