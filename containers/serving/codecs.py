"""Decoders and encoders in dispatch tables (media type -> function), as sagemaker-inference-toolkit does.

Handlers pass their own tables to `decode` and `encode`; a miss becomes a 415 or 406 that names
what is accepted, a malformed body a 400 that says what was wrong.

JSON is read by orjson where it can be (json's reading and messages otherwise); matrices of numbers
have their own C-speed codecs in numbers.py (numpy is not in every image).
"""

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import orjson

from .content_types import CSV, JSON, JSONLINES, media_type, negotiate
from .errors import BadRequest, NotAcceptable, UnsupportedMediaType

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
    return records  # body_text refused a body of blank lines


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


def format_number(value: Any) -> str:
    """Return a number as CSV text, the shortest form that reads back the same."""
    return repr(float(value))


def encode_csv(rows: Iterable[Any]) -> bytes:
    """Return one CSV line per row; a row is a number or a sequence of numbers."""
    lines = []
    for row in rows:
        cells = row if isinstance(row, Iterable) and not isinstance(row, str) else [row]
        lines.append(",".join(format_number(cell) for cell in cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def encode_json(document: Any) -> bytes:
    """Return the document as compact JSON."""
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


def encode_jsonlines(records: Iterable[Any]) -> bytes:
    """Return one compact JSON value per line."""
    return b"".join(json.dumps(record, separators=(",", ":")).encode("utf-8") + b"\n" for record in records)


DEFAULT_DECODERS = {CSV: decode_csv, JSON: decode_json, JSONLINES: decode_jsonlines}
