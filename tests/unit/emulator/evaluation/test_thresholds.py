"""Parsing and checking CI thresholds."""

import pytest

from emulator.evaluation.errors import EvaluationError
from emulator.evaluation.thresholds import Threshold, check, check_measurable, parse


@pytest.mark.parametrize(
    "text, op, bound",
    [
        ("rmse<=2.3", "<=", 2.3),
        (" accuracy >= 0.97 ", ">=", 0.97),
        ("parity_max_abs<1e-6", "<", 1e-6),
        ("failed_batches==0", "==", 0.0),
        ("r2>0.5", ">", 0.5),
    ],
)
def test_parse(text, op, bound):
    assert parse(text) == Threshold(text.strip().split(op)[0].strip(), op, bound)


@pytest.mark.parametrize(
    "text, words",
    [
        ("rmse=<2", "METRIC OP NUMBER"),
        ("rmsee<=2", "names no metric"),
        ("rmse<=two", "not a number"),
        ("rmse<<2", "'<<' is not an operator"),
        ("rmse>=<2", "'>=<' is not an operator"),
        ("rmse<=nan", "finite number"),
        ("accuracy>=-inf", "finite number"),
    ],
)
def test_bad_thresholds_say_what_is_wrong(text, words):
    with pytest.raises(EvaluationError, match=words):
        parse(text)


def test_check_passes_and_fails_with_one_line_each():
    verdicts = check([parse("rmse<=2.3"), parse("accuracy>0.9")], {"rmse": 2.4, "accuracy": 0.95})
    assert [v.passed for v in verdicts] == [False, True]
    assert verdicts[0].line() == "FAIL  rmse = 2.4  (wanted <= 2.3)"


def test_nan_never_passes():
    assert not check([parse("r2>=0")], {"r2": float("nan")})[0].passed


def test_a_metric_this_run_did_not_measure_is_an_error():
    with pytest.raises(EvaluationError, match="did not measure 'parity_max_abs'"):
        check([parse("parity_max_abs<=1e-6")], {"rmse": 1.0})


@pytest.mark.parametrize(
    "text, task, reference, needs",
    [
        ("parity_max_abs<=1e-6", None, False, "--reference"),
        ("rmse<=2", "classification", True, "--task regression"),
        ("accuracy>=0.9", "regression", True, "--task classification"),
    ],
)
def test_a_threshold_the_run_cannot_measure_is_refused_before_sending(text, task, reference, needs):
    with pytest.raises(EvaluationError, match=f"would not measure .* it needs {needs}"):
        check_measurable([parse(text)], task, reference)


def test_thresholds_the_run_can_measure_pass_the_early_check():
    check_measurable([parse("parity_max_abs<=1e-6"), parse("rmse<=2"), parse("accuracy>0.9")], None, True)
