"""Task inference and the scikit-learn figures."""

import math

import pytest

from emulator.evaluation import metrics
from emulator.evaluation.errors import EvaluationError


def test_many_distinct_numbers_are_regression():
    labels = [str(i) for i in range(30)]
    assert metrics.infer_task(labels, [i + 0.3 for i in range(30)]) == "regression"


def test_strings_are_classification():
    assert metrics.infer_task(["medical", "investments"], ["medical", "properties"]) == "classification"


def test_few_integer_classes_equal_to_label_values_are_classification():
    assert metrics.infer_task(["0", "1", "2", "1"], [0.0, 1.0, 2.0, 2.0]) == "classification"


def test_integer_predictions_outside_the_labels_are_ambiguous():
    with pytest.raises(EvaluationError) as err:
        metrics.infer_task(["0", "1", "2"], [5.0, 6.0, 7.0])
    assert "--task" in err.value.hint


def test_regression_figures_match_hand_computation():
    figures = metrics.regression(["1", "2", "4"], [2.0, 2.0, 2.0])
    assert figures["rmse"] == pytest.approx(math.sqrt((1 + 0 + 4) / 3))
    assert figures["mae"] == pytest.approx(1.0)
    assert figures["mape"] == pytest.approx((1 + 0 + 0.5) / 3)
    assert figures["r2"] == pytest.approx(1 - 5 / (((1 - 7 / 3) ** 2) + ((2 - 7 / 3) ** 2) + ((4 - 7 / 3) ** 2)))


def test_regression_names_a_label_that_is_not_a_number():
    with pytest.raises(EvaluationError, match="'medical'"):
        metrics.regression(["medical"], [1.0])


def test_classification_confusion_matrix_and_per_class():
    figures = metrics.classification(["a", "a", "b", "c"], ["a", "b", "b", "c"])
    assert figures["accuracy"] == 0.75
    assert figures["confusion_matrix"] == {"labels": ["a", "b", "c"], "matrix": [[1, 1, 0], [0, 1, 0], [0, 0, 1]]}
    assert figures["per_class"]["b"] == {"precision": 0.5, "recall": 1.0, "support": 1}
    assert figures["f1_macro"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)


def test_whole_numbers_read_the_same_as_class_labels():
    assert metrics.classification(["2", "1"], [2.0, "1"])["accuracy"] == 1.0


def test_latency_percentiles_and_rate():
    figures = metrics.latency([0.01 * i for i in range(1, 101)], rows=500, wall_s=2.0)
    assert figures["latency_p50_ms"] == pytest.approx(505.0)
    assert figures["latency_p99_ms"] == pytest.approx(990.1)
    assert figures["rows_per_s"] == 250.0


def test_classification_of_number_predictions_warns_once_not_per_sklearn_call(caplog):
    import warnings

    labels, predictions = ["9", "8", "10", "7"], [9.3, 8.1, 10.2, 7.4]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scikit-learn's UserWarning would raise here
        figures = metrics.classification(labels, predictions)
    assert figures["accuracy"] == 0.0
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and "pass --task regression" in said[0]
