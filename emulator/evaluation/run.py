"""`evaluate(...)`: send labelled data through an endpoint, score it, check parity and thresholds, keep history."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import metrics as scoring
from .answers import check_path
from .data import Dataset, load_dataset, load_reference, request_body
from .errors import EvaluationError
from .history import History, change_lines
from .parity import DEFAULT_TOLERANCE, Parity, compare
from .sending import Failure, Request, send
from .targets import open_target
from .thresholds import Verdict, check, check_measurable, parse

log = logging.getLogger(__name__)


@dataclass
class EvaluationResult:
    """What a run measured: metrics (as in metrics.json), per-row predictions, parity, failures, verdicts."""

    target: str
    kind: str
    task: str
    data: Path
    data_digest: str
    metrics: dict
    labels: list[str]
    predictions: list  # one per data row; None where its batch failed
    reference: list[str] | None = None
    parity: Parity | None = None
    failures: list[Failure] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    compare_lines: list[str] = field(default_factory=list)
    history_id: int | None = None

    @property
    def passed(self) -> bool:
        """Tell whether every threshold held."""
        return all(v.passed for v in self.verdicts)

    def differences(self) -> list[float | None]:
        """Return the parity difference per data row (None where not compared)."""
        per_row: list[float | None] = [None] * len(self.labels)
        if self.parity is not None:
            for row, gap in zip(self.scored_rows(), self.parity.differences, strict=False):
                per_row[row] = gap
        return per_row

    def scored_rows(self) -> list[int]:
        """Return the 0-based indices of rows that got a prediction."""
        return [i for i, p in enumerate(self.predictions) if p is not None]


def evaluate(
    target: str | Path,
    data: str | Path,
    label: str,
    *,
    drop: Sequence[str] = (),
    header: bool = True,
    task: str | None = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    content_type: str = "text/csv",
    accept: str | None = None,
    prediction_path: str | None = None,
    batch_rows: int = 100,
    concurrency: int = 4,
    max_errors: int = 10,
    reference: str | Path | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    thresholds: Sequence[str] = (),
    history: str | None = None,
    out: str | Path | None = None,
    via: str = "invoke",
    progress: bool | None = False,
    startup_timeout_s: float | None = None,
) -> EvaluationResult:
    """Run one evaluation; raise EvaluationError (or another ByocError) when it cannot happen."""
    _check_options(task, batch_rows, concurrency, max_errors, tolerance)
    gates = [parse(text) for text in thresholds]
    check_measurable(gates, task, reference is not None)
    check_path(prediction_path)
    dataset = load_dataset(Path(data), label, list(drop), header)
    offline = load_reference(Path(reference), len(dataset.rows)) if reference else None
    request_body(dataset.rows[:1], dataset.columns, content_type)  # a bad --content-type fails here
    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise EvaluationError(f"--out {out} is a file", "pass a folder for the reports (created when missing)")
    store = History(history) if history else None
    with open_target(target, endpoint_url, region, via, startup_timeout_s) as opened:
        request = Request(opened.endpoint_name, content_type, accept, prediction_path, dataset.columns)
        outcome = send(opened.client, request, dataset.rows, batch_rows, concurrency, max_errors, progress)
    result = _score(dataset, outcome, task, offline, tolerance, opened.endpoint_name, opened.kind)
    unmeasured = _judge(result, gates)
    kept = _keep(result, store, out)
    if unmeasured is not None:  # a gate on a metric the inferred task lacks: the run is kept, then this is said
        unmeasured.message += f" (the run's figures are kept in: {', '.join(kept)})" if kept else ""
        raise unmeasured
    return result


def _judge(result: EvaluationResult, gates: list) -> EvaluationError | None:
    """Set the result's verdicts; return (not raise) the error of a gate on a metric this run did not measure."""
    try:
        result.verdicts = check(gates, result.metrics)
    except EvaluationError as err:
        return err
    return None


def _keep(result: EvaluationResult, store: History | None, out: str | Path | None) -> list[str]:
    """Record the run in the history and write the reports under `out`; return where it was kept."""
    if store is not None:
        _remember(store, result)
    if out is not None:
        from .report import write_reports

        try:
            write_reports(result, Path(out))
        except OSError as err:
            raise EvaluationError(
                f"cannot write the reports to --out {out}: {err.strerror or err} (the run itself is recorded"
                f"{' in the history' if store is not None else ' nowhere: --no-history'})",
                "pass a folder you can write to",
            ) from None
    return [where for where, done in (("the history", store is not None), (f"--out {out}", out is not None)) if done]


def _score(dataset: Dataset, outcome, task, offline, tolerance, name: str, kind: str) -> EvaluationResult:
    """Turn the answers into an EvaluationResult with its metrics."""
    rows = [i for i, p in enumerate(outcome.predictions) if p is not None]
    labels = [dataset.labels[i] for i in rows]
    served = [outcome.predictions[i] for i in rows]
    if not rows:
        raise EvaluationError(
            f"no batch got an answer ({len(outcome.failures)} failed); first: {outcome.failures[0].line()}",
            "fix what the failure says (the endpoint, the data, or --prediction-path), then run again",
        )
    task = task or scoring.infer_task(labels, served)
    figures = {
        "task": task,
        "rows": len(dataset.rows),
        "scored_rows": len(rows),
        "failed_rows": len(dataset.rows) - len(rows),
        "failed_batches": len(outcome.failures),
        "errors": outcome.error_counts(),
    }
    figures |= scoring.score(task, labels, served)
    figures |= scoring.latency(outcome.latencies_s, len(rows), outcome.wall_s)
    figures["duration_s"] = outcome.wall_s
    parity = compare([i + 1 for i in rows], served, [offline[i] for i in rows], tolerance) if offline else None
    if parity is not None:
        figures |= parity.figures() | {"parity_tolerance": tolerance}
    return EvaluationResult(
        name,
        kind,
        task,
        dataset.path,
        dataset.digest,
        figures,
        dataset.labels,
        outcome.predictions,
        offline,
        parity,
        outcome.failures,
    )


def _remember(store: History, result: EvaluationResult) -> None:
    """Record the run and note the change against the previous run of the same target and data."""
    try:
        previous, run = store.record(result.target, result.data_digest, str(result.data), result.task, result.metrics)
    finally:
        store.close()
    result.history_id = run.id
    result.compare_lines = change_lines(previous, result.metrics)


def _check_options(task, batch_rows: int, concurrency: int, max_errors: int, tolerance: float) -> None:
    """Raise EvaluationError on an option out of range."""
    if task is not None and task not in scoring.TASKS:
        raise EvaluationError(f"--task {task!r} is unknown", f"use one of: {', '.join(scoring.TASKS)}")
    for option, value, least in (
        ("--batch-rows", batch_rows, 1),
        ("--concurrency", concurrency, 1),
        ("--max-errors", max_errors, 0),
        ("--tolerance", tolerance, 0),
    ):
        if value < least:
            raise EvaluationError(f"{option} {value} is below {least}", f"pass {option} {least} or more")
