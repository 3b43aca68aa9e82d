"""Read the predictions out of an endpoint's answer: JSON (optionally at a JMESPath) or CSV (first column)."""

import csv
import io
import json

import jmespath
from jmespath.exceptions import JMESPathError

from .errors import EvaluationError

DEFAULT_KEYS = ("predictions", "prediction", "instances", "outputs")


class AnswerError(Exception):
    """An answer holds no readable predictions; the batch counts as failed with this code."""

    code = "UnreadableAnswer"


def check_path(path: str | None) -> None:
    """Raise EvaluationError when --prediction-path is not a JMESPath expression."""
    if path is None:
        return
    try:
        jmespath.compile(path)
    except JMESPathError as err:
        raise EvaluationError(
            f"--prediction-path {path!r} is not a path expression: {err}",
            "write it like response[*].category or [*].score",
        ) from None


def extract(body: bytes, content_type: str | None, path: str | None = None) -> list:
    """Return one prediction per row from an answer body."""
    text = body.decode("utf-8-sig", errors="replace")
    media = (content_type or "").split(";")[0].strip().lower()
    if media == "text/csv" and path is None:
        return [_scalar(row[0]) for row in csv.reader(io.StringIO(text)) if row]
    try:
        document = json.loads(text)
    except ValueError:
        if path is not None:
            raise AnswerError(
                f"--prediction-path was given but the answer ({media or 'no content type'}) is not JSON"
            ) from None
        return [_scalar(row[0]) for row in csv.reader(io.StringIO(text)) if row]
    return _from_json(document, path)


def suggest_path(document) -> str | None:
    """Return a path to the first scalar field under the first list in a JSON document, e.g. response[*].category."""
    if isinstance(document, dict):
        for key, value in document.items():
            if isinstance(value, list):
                inner = suggest_path(value)
                return f"{key}{inner}" if inner else None
        return None
    if isinstance(document, list) and document and isinstance(document[0], dict):
        field = next((k for k, v in document[0].items() if not isinstance(v, (dict, list))), None)
        return f"[*].{field}" if field else None
    return "[*]" if isinstance(document, list) else None


def _from_json(document, path: str | None) -> list:
    """Return the predictions of a parsed JSON answer."""
    found = jmespath.search(path, document) if path else _default(document)
    if not isinstance(found, list):
        hint = suggest_path(document)
        where = (
            f"--prediction-path {path!r} gives {type(found).__name__}, not a list"
            if path
            else "the JSON answer is not a list and has no 'predictions' key"
        )
        raise AnswerError(where + (f"; try --prediction-path '{hint}'" if hint else ""))
    return [_scalar(v[0] if isinstance(v, list) and len(v) == 1 else v) for v in found]


def _default(document):
    """Return a bare list, or the list under a usual key such as 'predictions'."""
    if isinstance(document, dict):
        for key in DEFAULT_KEYS:
            if isinstance(document.get(key), list):
                return document[key]
    return document


def _scalar(value):
    """Return a number as float, text stripped; anything else as its JSON text."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            return text
    return json.dumps(value, sort_keys=True)
