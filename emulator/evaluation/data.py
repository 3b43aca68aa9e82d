"""Read the evaluation data: rows to send, the labels kept back, a reference per row, and request bodies."""

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import EvaluationError

CSV = "text/csv"
JSON = "application/json"


@dataclass(frozen=True)
class Dataset:
    """The rows to send (label and dropped columns removed), their labels, and the file's digest."""

    path: Path
    columns: list[str] | None
    rows: list[list[str]]
    labels: list[str]
    digest: str


def load_dataset(path: Path, label: str, drop: Sequence[str] = (), header: bool = True) -> Dataset:
    """Read a CSV file; with header=False the label and dropped columns are 0-based positions."""
    raw = _read(path, "--data")
    records = [row for row in csv.reader(io.StringIO(_text(raw, path, "--data"))) if row]
    names = records.pop(0) if header and records else None
    if not records:
        raise EvaluationError(f"{path} holds no data rows", "pass a CSV file with one row per example")
    keep_out = [_position(label, names, path, "--label")] + [_position(d, names, path, "--drop") for d in drop]
    label_at = keep_out[0]
    rows, labels = [], []
    for number, record in enumerate(records, start=2 if names else 1):
        if label_at >= len(record):
            raise EvaluationError(
                f"{path} line {number} has {len(record)} fields and no label column (position {label_at})",
                "check --label and that every row has its label",
            )
        labels.append(record[label_at].strip())
        rows.append([value for i, value in enumerate(record) if i not in keep_out])
    columns = [n for i, n in enumerate(names) if i not in keep_out] if names else None
    return Dataset(path, columns, rows, labels, hashlib.sha256(raw).hexdigest())


def load_reference(path: Path, expected_rows: int) -> list[str]:
    """Read one offline prediction per line (first column); a header line is skipped when there is one more line."""
    text = _text(_read(path, "--reference"), path, "--reference")
    lines = [row[0].strip() for row in csv.reader(io.StringIO(text)) if row]
    if len(lines) == expected_rows + 1:
        lines = lines[1:]
    if len(lines) != expected_rows:
        raise EvaluationError(
            f"{path} holds {len(lines)} predictions but the data has {expected_rows} rows",
            "pass the offline model's predictions for the same rows, one per line, same order",
        )
    return lines


def request_body(rows: list[list[str]], columns: list[str] | None, content_type: str) -> bytes:
    """Encode rows as a CSV body, or as JSON {"instances": [...]} (objects keyed by column when named)."""
    media = content_type.split(";")[0].strip().lower()
    if media == CSV:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(rows)
        return text.getvalue().encode("utf-8")
    if media == JSON:
        values = [[_json_value(v) for v in row] for row in rows]
        instances = [dict(zip(columns, row, strict=False)) for row in values] if columns else values
        return json.dumps({"instances": instances}, separators=(",", ":")).encode("utf-8")
    raise EvaluationError(f"cannot encode rows as {content_type!r}", f"pass --content-type {CSV} or {JSON}")


def _read(path: Path, option: str) -> bytes:
    """Return a file's bytes, or raise a clear error naming the option."""
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise EvaluationError(
            f"cannot read {option} {path}: {err.strerror or err}", f"check the {option} path"
        ) from None


def _text(raw: bytes, path: Path, option: str) -> str:
    """Return a file's bytes as text, or raise a clear error when it is not UTF-8 (e.g. a binary file)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise EvaluationError(
            f"{option} {path} is not UTF-8 text (byte {err.start}); is it a CSV file?",
            f"pass a CSV file (UTF-8) to {option}",
        ) from None


def _position(column: str, names: list[str] | None, path: Path, option: str) -> int:
    """Return the index of a column named in the header, or given as a position when there is none."""
    if names is not None:
        if column in names:
            return names.index(column)
        raise EvaluationError(
            f"{option} {column!r} is not a column of {path}; its columns are: {', '.join(names)}",
            "name one of those columns, or pass --no-header when the file has no header row",
        )
    if column.isdigit():
        return int(column)
    raise EvaluationError(
        f"{option} {column!r} must be a 0-based column position: {path} has no header row (--no-header)",
        f"e.g. {option} 0 for the first column",
    )


def _json_value(value: str):
    """Return a CSV field as a JSON number when it reads as one, else as text."""
    try:
        return float(value) if value.strip() else None
    except ValueError:
        return value
