"""CI gates such as `rmse<=2.3`: parse them, and check them against a run's metrics."""

import math
import operator
import re
from dataclasses import dataclass

from .errors import EvaluationError

OPERATORS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt, "==": operator.eq}
PATTERN = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*(<=|>=|==|<|>)\s*(\S+)\s*$")
# the metrics only one task measures
TASK_METRICS = {"regression": ("rmse", "mae", "r2", "mape"), "classification": ("accuracy", "f1_macro")}
# every numeric figure a run may write to metrics.json (which appear depends on the task and options)
KNOWN = {
    *TASK_METRICS["regression"],
    *TASK_METRICS["classification"],
    "parity_max_abs",
    "parity_mean_abs",
    "parity_differing",
    "parity_mismatches",
    "parity_rows",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_p99_ms",
    "rows_per_s",
    "rows",
    "scored_rows",
    "failed_rows",
    "failed_batches",
    "duration_s",
}


@dataclass(frozen=True)
class Threshold:
    """One gate: metric, operator and bound."""

    metric: str
    op: str
    bound: float

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.bound:g}"


@dataclass(frozen=True)
class Verdict:
    """A threshold checked against a run: the value measured and whether it passed."""

    threshold: Threshold
    value: float | None
    passed: bool

    def line(self) -> str:
        """Return the one summary line of this check."""
        t = self.threshold
        shown = "not measured" if self.value is None else f"{self.value:.6g}"
        return f"{'PASS' if self.passed else 'FAIL'}  {t.metric} = {shown}  (wanted {t.op} {t.bound:g})"


def parse(text: str) -> Threshold:
    """Parse 'metric<=bound'; raise EvaluationError on a bad operator, number or metric name."""
    match = PATTERN.match(text)
    if not match:
        raise EvaluationError(
            f"--threshold {text!r} is not METRIC OP NUMBER",
            f"write e.g. 'rmse<=2.3'; operators: {', '.join(OPERATORS)}",
        )
    metric, op, bound = match.groups()
    if metric not in KNOWN:
        raise EvaluationError(
            f"--threshold {text!r} names no metric {metric!r}", f"use one of: {', '.join(sorted(KNOWN))}"
        )
    if bound[0] in "<>=!":
        spelled = op + bound[: len(bound) - len(bound.lstrip("<>=!"))]
        raise EvaluationError(
            f"--threshold {text!r}: {spelled!r} is not an operator",
            f"use one of {', '.join(OPERATORS)}, e.g. 'rmse<=2.3'",
        )
    try:
        number = float(bound)
    except ValueError:
        raise EvaluationError(f"--threshold {text!r}: {bound!r} is not a number", "write e.g. 'rmse<=2.3'") from None
    if not math.isfinite(number):
        raise EvaluationError(
            f"--threshold {text!r}: the bound must be a finite number, not {bound!r}", "write e.g. 'rmse<=2.3'"
        )
    return Threshold(metric, op, number)


def check_measurable(thresholds: list[Threshold], task: str | None, reference: bool) -> None:
    """Raise EvaluationError, before anything is sent, for a threshold the run cannot measure."""
    for threshold in thresholds:
        option, why = None, ""
        if threshold.metric.startswith("parity_") and not reference:
            option, why = "--reference", " (the offline predictions)"
        elif threshold.metric in TASK_METRICS["regression"] and task == "classification":
            option = "--task regression"
        elif threshold.metric in TASK_METRICS["classification"] and task == "regression":
            option = "--task classification"
        if option:
            raise EvaluationError(
                f"--threshold {threshold}: this run would not measure {threshold.metric!r}; it needs {option}{why}",
                f"pass {option}, or drop the threshold",
            )


def check(thresholds: list[Threshold], metrics: dict) -> list[Verdict]:
    """Check every threshold; raise EvaluationError when one names a metric this run did not measure."""
    verdicts = []
    for threshold in thresholds:
        value = metrics.get(threshold.metric)
        if not isinstance(value, (int, float)):
            raise EvaluationError(
                f"--threshold {threshold}: this run did not measure {threshold.metric!r}",
                "parity figures need --reference; rmse/mae/r2/mape need --task regression; "
                "accuracy/f1_macro need --task classification",
            )
        value = float(value)
        passed = not math.isnan(value) and OPERATORS[threshold.op](value, threshold.bound)
        verdicts.append(Verdict(threshold, value, passed))
    return verdicts
