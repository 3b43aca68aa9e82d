"""Run history in SQLite, and the comparison with the previous run of the same target and data."""

import pytest

from emulator.evaluation.errors import EvaluationError
from emulator.evaluation.history import History, change_lines


def test_runs_are_keyed_by_target_and_data_digest(tmp_path):
    history = History(f"sqlite:///{tmp_path / 'h.db'}")
    first, _ = history.record("abalone", "d1", "test.csv", "regression", {"rmse": 2.2, "per_class": {}})
    assert first is None
    history.record("support", "d1", "test.csv", "classification", {"accuracy": 0.9})
    history.record("abalone", "other-data", "x.csv", "regression", {"rmse": 9.0})
    previous, run = history.record("abalone", "d1", "test.csv", "regression", {"rmse": 2.5, "rows": 418})
    assert previous.metrics == {"rmse": 2.2, "per_class": {}}
    assert [r.id for r in history.runs("abalone", "d1")] == [1, run.id]
    lines = change_lines(previous, {"rmse": 2.5, "rows": 418})
    assert lines[0].startswith("compare: against run 1 of ")
    assert lines[1].split() == ["rmse", "2.2", "->", "2.5", "(+0.3)"]
    assert len(lines) == 2  # rows was not in the earlier run
    history.close()


def test_history_survives_reopening(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    History(url).record("abalone", "d", "t.csv", "regression", {"rmse": 1.0})
    previous, _ = History(url).record("abalone", "d", "t.csv", "regression", {"rmse": 1.5})
    assert previous.metrics["rmse"] == 1.0


def test_no_earlier_run_is_said():
    assert change_lines(None, {"rmse": 1.0}) == ["compare: no earlier run of this target on this data"]


def test_a_bad_url_is_a_clear_error():
    with pytest.raises(EvaluationError, match="cannot open the history database"):
        History("nosuchdialect://x")
