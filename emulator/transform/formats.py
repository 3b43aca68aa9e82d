"""The three formats DataProcessing works on (CSV, JSON, JSON Lines): media types, parsing and writing records.

Developer guide, "Associate Prediction Results with Input Records": ContentType and Accept "to one of
the following values: text/csv, application/json, or application/jsonlines"; "For CSV data, each row is
taken as a JSON array"; CSV "should also follow RFC format" and "cannot use embedded newline characters".

A record's *units* are what filters and joins act on: the rows of a CSV record, the lines of a JSON
Lines record (one each with SplitType Line), the one document of a JSON record.
"""

import csv
import io
import json
from typing import Any

from .errors import FilterError, JoinError

CSV, JSON, JSONLINES = "text/csv", "application/json", "application/jsonlines"
DATA_FORMATS = (CSV, JSON, JSONLINES)
ALIASES = {"application/x-jsonlines": JSONLINES, "application/jsonl": JSONLINES, "application/x-ndjson": JSONLINES}


def media_type(content_type: str | None) -> str | None:
    """Return the bare, lower-case media type (`text/csv; charset=utf-8` -> `text/csv`), aliases folded."""
    if not content_type:
        return None
    bare = content_type.split(";", 1)[0].strip().lower()
    return ALIASES.get(bare, bare)


def parse_units(data: bytes, fmt: str) -> list[Any]:
    """Return the units of one record: CSV rows (lists of strings), JSON Lines values, or [the JSON document]."""
    text = _text(data)
    try:
        if fmt == CSV:
            return [row for row in csv.reader(io.StringIO(text)) if row]
        if fmt == JSONLINES:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        return [json.loads(text)]
    except (csv.Error, ValueError) as err:
        raise FilterError(f"the record is not valid {_name(fmt)} ({err})") from None


def write_unit(value: Any, fmt: str) -> bytes:
    """Return one unit as bytes without a line terminator: a CSV row, or compact JSON."""
    if fmt != CSV:
        return json.dumps(value, separators=(",", ":")).encode()
    if isinstance(value, dict):
        raise FilterError("a CSV row cannot hold a JSON object; select array elements with [i] or [s:e]")
    cells = value if isinstance(value, list) else [value]
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(["" if c is None else c for c in cells])
    return out.getvalue().encode()


def write_units(values: list[Any], fmt: str) -> bytes:
    """Return several units as one record's bytes: lines joined by "\n" (JSON holds exactly one)."""
    return b"\n".join(write_unit(v, fmt) for v in values)


def split_answer(body: bytes, fmt: str | None, count: int) -> list[bytes]:
    """Return the model's answer to `count` units as one piece per unit, in order; a count mismatch is a JoinError."""
    if count == 1 and fmt == JSON:
        return [body.strip()]
    if fmt == JSON:
        doc = _json_or_none(body)
        if isinstance(doc, list):
            pieces = [write_unit(v, JSON) for v in doc]
            return _exactly(pieces, count, "elements in its JSON array")
    lines = [line.rstrip(b"\r") for line in body.split(b"\n") if line.strip()]
    return _exactly(lines, count, "lines")


def parse_answer(piece: bytes, fmt: str | None) -> Any:
    """Return one unit of the model's answer as a value: a CSV row (one field as a scalar), JSON, or text."""
    if fmt == CSV:
        rows = parse_units(piece, CSV)
        row = rows[0] if rows else []
        return row[0] if len(row) == 1 else row
    if fmt in (JSON, JSONLINES):
        value = _json_or_none(piece)
        if value is not None or piece.strip() == b"null":
            return value
    return _text(piece)


def _exactly(pieces: list[bytes], count: int, what: str) -> list[bytes]:
    if len(pieces) != count:
        raise JoinError(
            f"the model answered {len(pieces)} {what} for {count} input record(s); to join or filter "
            "its output, the model must answer one per record, in order"
        )
    return pieces


def _json_or_none(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FilterError(f"the record is not UTF-8 text ({err})") from None


def _name(fmt: str) -> str:
    return {CSV: "CSV", JSON: "JSON", JSONLINES: "JSON Lines"}.get(fmt, fmt)
