"""Write a run's metrics.json, predictions.csv and report.html (one self-contained page, plots inlined)."""

import base64
import csv
import html
import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from . import plots
from .metrics import as_number

STYLE = """body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}
.pass{color:#fff;background:#2a7d2a}.fail{color:#fff;background:#b22222}img{max-width:100%;margin:0.5em 0}
.figures{display:flex;flex-wrap:wrap;gap:1em}"""
SCALARS_SKIPPED = ("per_class", "confusion_matrix", "errors", "parity_first_differing_rows")


def write_reports(result, out: Path) -> dict[str, Path]:
    """Write the three files under out and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"metrics": out / "metrics.json", "predictions": out / "predictions.csv", "report": out / "report.html"}
    paths["metrics"].write_text(json.dumps(_jsonable(result.metrics), indent=2) + "\n")
    write_predictions(result, paths["predictions"])
    paths["report"].write_text(render_html(result), encoding="utf-8")
    return paths


def write_predictions(result, path: Path) -> None:
    """Write row, label, prediction, reference, difference for every data row (1-based rows)."""
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["row", "label", "prediction", "reference", "difference"])
        reference = result.reference or [""] * len(result.labels)
        for i, (label, served, offline, gap) in enumerate(
            zip(result.labels, result.predictions, reference, result.differences(), strict=False), start=1
        ):
            writer.writerow([i, label, _exact(served), offline, _exact(gap)])


def render_html(result) -> str:
    """Return the report page: header, thresholds, metrics, parity, failures, per-class table and plots."""
    title = f"Evaluation of {result.target}"
    written = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S}"
    parts = [
        f"<h1>{_e(title)}</h1>",
        (
            f"<p>data <code>{_e(result.data)}</code> (sha256 {result.data_digest[:12]}), task <b>{result.task}</b>, "
            f"target kind {result.kind}, written {written} UTC</p>"
        ),
        _thresholds(result),
        "<h2>Metrics</h2>",
        _table(["metric", "value"], _scalars(result.metrics)),
        _failures(result),
        _per_class(result.metrics),
        "<h2>Plots</h2>",
        _figures(result),
    ]
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{_e(title)}</title><style>{STYLE}</style>"
        f"</head><body>{''.join(parts)}</body></html>\n"
    )


def figures(result) -> dict[str, bytes]:
    """Return the PNG plots of a run by caption."""
    if result.task == "classification":
        matrix = result.metrics["confusion_matrix"]
        return {"Confusion matrix": plots.confusion(matrix["labels"], matrix["matrix"])}
    rows = result.scored_rows()
    actual = np.array([as_number(result.labels[i]) for i in rows], dtype=float)
    predicted = np.array([as_number(result.predictions[i]) for i in rows], dtype=float)
    return {
        "Predicted vs actual": plots.predicted_vs_actual(actual, predicted),
        "Residuals": plots.residuals(actual, predicted),
    }


def _figures(result) -> str:
    """Return the plots as <img> tags with base64 PNG data."""
    tags = [
        f"<figure><img alt='{_e(caption)}' src='data:image/png;base64,{base64.b64encode(data).decode()}'>"
        f"<figcaption>{_e(caption)}</figcaption></figure>"
        for caption, data in figures(result).items()
    ]
    return f"<div class='figures'>{''.join(tags)}</div>"


def _thresholds(result) -> str:
    """Return the thresholds table with pass/fail cells."""
    if not result.verdicts:
        return "<h2>Thresholds</h2><p>none given</p>"
    rows = [
        (
            f"{v.threshold.metric} {v.threshold.op} {v.threshold.bound:g}",
            _cell(v.value),
            ("PASS", "pass") if v.passed else ("FAIL", "fail"),
        )
        for v in result.verdicts
    ]
    body = "".join(f"<tr><td>{_e(a)}</td><td>{_e(b)}</td><td class='{c[1]}'>{c[0]}</td></tr>" for a, b, c in rows)
    return f"<h2>Thresholds</h2><table><tr><th>threshold</th><th>value</th><th>result</th></tr>{body}</table>"


def _failures(result) -> str:
    """Return the failed batches by error code and by rows."""
    if not result.failures:
        return "<h2>Failures</h2><p>none: every batch was answered</p>"
    counts = _table(["error code", "batches"], list(result.metrics["errors"].items()))
    lines = "".join(f"<li>{_e(f.line())}</li>" for f in result.failures)
    return f"<h2>Failures</h2>{counts}<ul>{lines}</ul>"


def _per_class(metrics: dict) -> str:
    """Return the per-class precision/recall/support table (classification only)."""
    if "per_class" not in metrics:
        return ""
    rows = [(name, _cell(c["precision"]), _cell(c["recall"]), c["support"]) for name, c in metrics["per_class"].items()]
    return "<h2>Per class</h2>" + _table(["class", "precision", "recall", "support"], rows)


def _table(head: list[str], rows) -> str:
    """Return an HTML table of escaped cells."""
    header = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_e(_cell(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{header}</tr>{body}</table>"


def _scalars(metrics: dict) -> list[tuple[str, object]]:
    """Return the metrics shown in the main table (nested tables and lists apart)."""
    return [(name, value) for name, value in metrics.items() if name not in SCALARS_SKIPPED]


def _cell(value) -> str:
    """Format a value for a table or CSV cell."""
    if value is None:
        return ""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"
    return str(value)


def _exact(value) -> str:
    """Format a value for predictions.csv without losing digits."""
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)


def _jsonable(value):
    """Return value with NaN/inf turned into None so metrics.json is strict JSON."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _e(value) -> str:
    """Escape text for HTML."""
    return html.escape(str(value), quote=True)
