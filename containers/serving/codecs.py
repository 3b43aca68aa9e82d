"""Decoders and encoders in dispatch tables (media type -> function), as sagemaker-inference-toolkit does.

Handlers pass their own tables to `decode` and `encode`; a miss becomes a 415 or 406 that names
what is accepted, a malformed body a 400 that says what was wrong.

Numbers go through C (orjson, numpy) on a fast path that accepts only what the plain Python path
(csv, float, repr, json) reads the same way; anything else, including every malformed body, takes the
plain path, so answers and 400 messages are the Python path's, byte for byte.
"""

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import orjson

from .content_types import CSV, JSON, JSONLINES, media_type, negotiate
from .errors import BadRequest, NotAcceptable, UnsupportedMediaType

NUMBER_BYTES = b"0123456789.eE+-, \t\r\n"  # all a CSV of plain numbers holds
BARE_MINUS_ZERO = (b"-0,", b"-0\n", b"-0 ", b"-0\r", b"-0\t")  # JSON reads `-0` as the integer 0; float() as -0.0
SMALLEST_PLAIN = 1e-4  # repr writes smaller numbers as 1e-05, orjson as 0.00001: those rows are written by repr

Decoder = Callable[[bytes], Any]
Encoder = Callable[[Any], bytes]


def decode(body: bytes, content_type: str | None, decoders: Mapping[str, Decoder]) -> tuple[str, Any]:
    """Return (media type, decoded body) using the decoder registered for the Content-Type."""
    media = media_type(content_type)
    decoder = decoders.get(media)
    if decoder is None:
        given = f"Content-Type {content_type!r}" if content_type else "no Content-Type"
        raise UnsupportedMediaType(f"{given} is not supported; send one of: {', '.join(decoders)}")
    return media, decoder(body)


def encode(payload: Any, accept: str | None, encoders: Mapping[str, Encoder]) -> tuple[bytes, str]:
    """Return (body, content type) in the media type Accept prefers among the encoders' keys."""
    media = negotiate(accept, list(encoders))
    if media is None:
        raise NotAcceptable(f"Accept {accept!r} names nothing this model returns; accept one of: {', '.join(encoders)}")
    return encoders[media](payload), media


def body_text(body: bytes) -> str:
    """Return the body as text; an empty or non-UTF-8 body is a 400."""
    if not body or not body.strip():
        raise BadRequest("the request body is empty; send at least one record")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise BadRequest(f"the request body is not UTF-8 text ({err})") from None


def decode_csv(body: bytes) -> list[list[str]]:
    """Return the CSV body's non-blank rows as lists of stripped fields."""
    try:
        rows = [[field.strip() for field in row] for row in csv.reader(io.StringIO(body_text(body), newline=""))]
    except csv.Error as err:
        raise BadRequest(f"the body is not valid CSV ({err})") from None
    rows = [row for row in rows if any(row)]
    if not rows:
        raise BadRequest("the CSV body has no rows; send one record per line")
    return rows


def decode_json(body: bytes) -> Any:
    """Return the parsed JSON document (orjson where it can, json's reading and messages otherwise)."""
    text = body_text(body)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise BadRequest(f"the body is not valid JSON ({err})") from None


def decode_jsonlines(body: bytes) -> list:
    """Return one record per non-blank line of a JSON Lines body."""
    records = []
    for number, line in enumerate(body_text(body).split("\n"), start=1):
        if line.strip():
            try:
                records.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as err:
                    raise BadRequest(f"line {number} of the JSON Lines body is not valid JSON ({err})") from None
    if not records:
        raise BadRequest("the JSON Lines body has no records; send one JSON value per line")
    return records


def records_of(media: str, document: Any, key: str = "instances") -> list:
    """Return the records of a decoded body: CSV rows and JSON Lines values as they are, JSON's `instances`."""
    return instances(document, key) if media == JSON else document


def instances(document: Any, key: str = "instances") -> list:
    """Return the records of `{"instances": [...]}` or of a bare JSON list."""
    records = document.get(key) if isinstance(document, dict) else document
    if not isinstance(records, list):
        raise BadRequest(f'the JSON body must be {{"{key}": [...]}} or a list of records')
    if not records:
        raise BadRequest(f'the JSON body holds no records; put at least one in "{key}"')
    return records


def to_float(value: Any, where: str) -> float:
    """Return value as a float (empty or null is NaN, a missing value); anything else non-numeric is a 400."""
    if value is None or value == "":
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadRequest(f"{where}: {value!r} is not a number")
    try:
        return float(value)
    except ValueError:
        raise BadRequest(f"{where}: {value!r} is not a number") from None


def float_rows(rows: Sequence[Any], width: int) -> list[list[float]]:
    """Return rows of exactly `width` numbers; a wrong length or a non-number is a 400."""
    result = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, (list, tuple)):
            raise BadRequest(f"record {number} is {type(row).__name__}, not a list of {width} numbers")
        if len(row) != width:
            raise BadRequest(f"record {number} has {len(row)} values; expected {width}")
        result.append([to_float(value, f"record {number}, column {col}") for col, value in enumerate(row, start=1)])
    return result


def csv_floats(body: bytes, width: int) -> np.ndarray:
    """Return a CSV body of numbers as a float matrix of `width` columns; what float_rows would say of a bad one."""
    body_text(body)
    matrix = plain_number_csv(body, width)
    return matrix if matrix is not None else np.asarray(float_rows(decode_csv(body), width), dtype=float)


def plain_number_csv(body: bytes, width: int) -> np.ndarray | None:
    """Read a CSV of plain numbers as JSON arrays, or return None where the csv module might read it otherwise."""
    if body.translate(None, NUMBER_BYTES) or body.count(b"\r") != body.count(b"\r\n"):
        return None
    text = body.strip()
    if any(zero in body for zero in BARE_MINUS_ZERO) or text.endswith(b"-0"):
        return None
    try:
        matrix = np.array(orjson.loads(b"[[" + text.replace(b"\n", b"],[") + b"]]"), dtype=np.float64)
    except (orjson.JSONDecodeError, ValueError, TypeError, OverflowError):
        return None  # blank lines, empty fields, ragged rows, numbers JSON does not write
    return matrix if matrix.ndim == 2 and matrix.shape[1] == width else None


def float_matrix(records: Sequence[Any], width: int, no_booleans: bool) -> np.ndarray:
    """Return JSON records as a float matrix (numpy reads plain numbers; float_rows everything else)."""
    if no_booleans:  # numpy would read true as 1.0 where float_rows says "not a number"
        try:
            matrix = np.array(records)
            if matrix.dtype.kind in "fiu" and matrix.ndim == 2 and matrix.shape[1] == width:
                return matrix.astype(np.float64)
        except (ValueError, TypeError, OverflowError):
            pass
    return np.asarray(float_rows(records, width), dtype=float)


def number_rows(matrix: np.ndarray, plain: Callable[[list], str]) -> list[bytes]:
    """Return each row of a numeric matrix (a vector is a column) as comma-separated shortest reprs.

    orjson writes what repr writes except below 1e-4 and for nan/inf: such rows are written by `plain`.
    """
    matrix = np.ascontiguousarray(matrix, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix.reshape(-1, 1)
    rows = orjson.dumps(matrix, option=orjson.OPT_SERIALIZE_NUMPY)[2:-2].split(b"],[")
    odd = ~np.isfinite(matrix) | ((matrix != 0) & (np.abs(matrix) < SMALLEST_PLAIN))
    for index in np.flatnonzero(odd.any(axis=1)):
        rows[index] = plain(matrix[index].tolist()).encode("utf-8")
    return rows


def _repr_row(values: list) -> str:
    return ",".join(map(repr, values))


def _json_row(values: list) -> str:
    return json.dumps(values, separators=(",", ":"))[1:-1]


def format_number(value: Any) -> str:
    """Return a number as CSV text, the shortest form that reads back the same."""
    return repr(float(value))


def encode_csv(rows: Iterable[Any]) -> bytes:
    """Return one CSV line per row; a row is a number or a sequence of numbers."""
    if isinstance(rows, np.ndarray) and rows.dtype.kind in "fiu" and rows.ndim in (1, 2) and len(rows):
        return b"\n".join(number_rows(rows, _repr_row)) + b"\n"
    lines = []
    for row in rows:
        cells = row if isinstance(row, Iterable) and not isinstance(row, str) else [row]
        lines.append(",".join(format_number(cell) for cell in cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def encode_json(document: Any) -> bytes:
    """Return the document as compact JSON."""
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


def encode_json_numbers(key: str, matrix: np.ndarray) -> bytes:
    """Return {key: matrix} as compact JSON, as encode_json({key: matrix.tolist()}) writes it."""
    rows = number_rows(matrix, _json_row)
    if matrix.ndim == 1:
        return b'{"' + key.encode() + b'":[' + b",".join(rows) + b"]}"
    return b'{"' + key.encode() + b'":[[' + b"],[".join(rows) + b"]]}"


def encode_jsonlines_numbers(matrix: np.ndarray) -> bytes:
    """Return one JSON value per line: a number per element of a vector, an array per row of a matrix."""
    rows = number_rows(matrix, _json_row)
    if matrix.ndim == 2:
        rows = [b"[" + row + b"]" for row in rows]
    return b"\n".join(rows) + b"\n"


def encode_jsonlines(records: Iterable[Any]) -> bytes:
    """Return one compact JSON value per line."""
    return b"".join(json.dumps(record, separators=(",", ":")).encode("utf-8") + b"\n" for record in records)


DEFAULT_DECODERS = {CSV: decode_csv, JSON: decode_json, JSONLINES: decode_jsonlines}
