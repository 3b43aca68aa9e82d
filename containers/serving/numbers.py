"""Matrices of numbers at C speed (orjson, numpy), answering byte for byte as the Python codecs do.

The fast paths accept only what the plain Python path (csv, float, repr, json) reads or writes the
same way; anything else, including every malformed body, takes the plain path, so answers and 400
messages are the same as codecs.float_rows / codecs.encode_csv / codecs.encode_json give.
"""

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import orjson

from .codecs import decode_csv, float_rows

FIELD_BYTES = b"0123456789.eE+- \t"  # all a field of a plain number holds (JSON's spaces around it)
NUMBER_BYTES = FIELD_BYTES + b",\r\n"  # all a CSV of plain numbers holds
BARE_MINUS_ZERO = re.compile(rb"-0(?![0-9.eE])")  # JSON reads `-0` as the integer 0; float() as -0.0
SMALLEST_PLAIN = 1e-4  # repr writes smaller numbers as 1e-05, orjson as 0.00001: those rows are written by repr


def csv_floats(body: bytes, width: int) -> np.ndarray:
    """Return a CSV body of numbers as a float matrix of `width` columns; what float_rows would say of a bad one."""
    matrix = plain_number_csv(body, width)  # plain ASCII numbers: UTF-8 and not empty, as body_text wants
    return matrix if matrix is not None else np.asarray(float_rows(decode_csv(body), width), dtype=float)


def plain_number_csv(body: bytes, width: int) -> np.ndarray | None:
    """Read a CSV of plain numbers as JSON arrays, or return None where the csv module might read it otherwise.

    The shape is checked on the separators alone (the body with every character a number may hold deleted):
    rows of `width - 1` commas each, a newline (or CRLF) after every row, the last one's optional: a pass or
    two in C, where a list of lines and a comma count per line took about as long as the JSON reading itself.
    """
    if width < 1:
        return None
    deleted = FIELD_BYTES
    if b"\r" in body:  # CRLF line ends only: a lone CR ends a row for the csv module
        if body.count(b"\r") != body.count(b"\r\n"):
            return None
        deleted += b"\r"
    separators = body.translate(None, deleted)
    rows, rest = divmod(len(separators), width)
    if rest not in (0, width - 1):
        return None
    if separators != (b"," * (width - 1) + b"\n") * rows + b"," * rest:  # rest: a last row with no newline
        return None
    if BARE_MINUS_ZERO.search(body):
        return None
    text = body.removesuffix(b"\n").removesuffix(b"\r")
    try:  # one flat array: no list per row for the garbage collector to chase
        values = np.array(orjson.loads(b"[" + text.replace(b"\n", b",") + b"]"), dtype=np.float64)
    except (orjson.JSONDecodeError, ValueError, TypeError, OverflowError):
        return None  # blank lines, empty fields, numbers JSON does not write
    if values.ndim != 1 or not values.size or values.size % width:
        return None
    return values.reshape(values.size // width, width)


def plain_number_list(fields: Sequence[str]) -> np.ndarray | None:
    """Read text fields of plain numbers as one flat JSON array (no list per row for the garbage collector to
    chase), or None.
    """
    text = ",".join(fields).encode("utf-8")
    if text.translate(None, NUMBER_BYTES) or b"\n" in text or b"\r" in text:
        return None
    if BARE_MINUS_ZERO.search(text):
        return None
    try:
        values = np.array(orjson.loads(b"[" + text + b"]"), dtype=np.float64)
    except (orjson.JSONDecodeError, ValueError, TypeError, OverflowError):
        return None
    return values if values.shape == (len(fields),) else None


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


def encode_csv(matrix: np.ndarray) -> bytes:
    """Return one CSV line per row (a vector: one number per line), as codecs.encode_csv writes it."""
    return b"\n".join(number_rows(matrix, _repr_row)) + b"\n"


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
