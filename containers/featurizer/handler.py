"""Serve a fitted scikit-learn transformer: tabular rows or keyword lines in, feature rows out.

`featurizer.json` beside `model.joblib` says the input kind (FEATURIZER_INPUT overrides it):
  {"input": "tabular", "columns": [...], "dtypes": {...}, "label": "rings"}
      CSV rows of the columns, optionally with the label last (dropped) and a header row (skipped);
      or JSON {"instances": [...]} of such rows or of objects keyed by column name.
  {"input": "keywords", "labels": [...], "num_features": N}
      one variable-length list of keywords per line; a first field naming a label is dropped;
      keywords the transformer does not know are ignored.
CSV, JSON and JSON Lines (one record per line) in; CSV, JSON {"instances": [...]} or JSON Lines out.
A tabular transformer of a common shape runs as numpy (fastpath.py), checked equal at load time.
"""

import json
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from scipy import sparse
from serving import codecs, numbers
from serving.content_types import CSV, JSON, JSONLINES
from serving.errors import BadRequest, ModelLoadError

from .fastpath import compile_transformer

KINDS = ("tabular", "keywords")
MAX_CSV_FIELD = 131072  # the csv module's field_size_limit: a longer line goes its way (and its error)
DECODERS = {CSV: lambda body: body, JSON: codecs.decode_json, JSONLINES: codecs.decode_jsonlines}
ENCODERS = {
    CSV: numbers.encode_csv,
    JSON: lambda matrix: numbers.encode_json_numbers("instances", matrix),
    JSONLINES: numbers.encode_jsonlines_numbers,
}


@dataclass(frozen=True)
class Featurizer:
    """A fitted transformer and what its input looks like."""

    transformer: Any
    kind: str
    columns: list[str] = field(default_factory=list)
    dtypes: dict[str, str] = field(default_factory=dict)
    label: str | None = None
    labels: list[str] = field(default_factory=list)
    fast: Callable[[dict], np.ndarray] | None = None


def load(model_dir: Path) -> Featurizer:
    """Read featurizer.json and model.joblib from the model folder."""
    spec = _read_spec(model_dir / "featurizer.json")
    kind = os.environ.get("FEATURIZER_INPUT", "").strip() or spec.get("input")
    if kind not in KINDS:
        raise ModelLoadError(
            f'input kind {kind!r} is unknown; set featurizer.json\'s "input" or FEATURIZER_INPUT to one of {KINDS}'
        )
    if kind == "tabular" and not spec.get("columns"):
        raise ModelLoadError('featurizer.json lists no "columns"; a tabular featurizer needs them')
    transformer = joblib.load(model_dir / "model.joblib")
    model = Featurizer(
        transformer,
        kind,
        list(spec.get("columns", [])),
        dict(spec.get("dtypes", {})),
        spec.get("label"),
        list(spec.get("labels", [])),
    )
    if kind != "tabular":
        return model
    numeric = {c for c in model.columns if _is_numeric(model, c)}
    return Featurizer(**{**model.__dict__, "fast": compile_transformer(transformer, model.columns, numeric)})


def invoke(model: Featurizer, body: bytes, content_type: str | None, accept: str | None) -> tuple[bytes, str]:
    """Transform the records in the body and return the feature rows as CSV or JSON."""
    media, document = codecs.decode(body, content_type, DECODERS)
    data = _csv_columns(model, document) if media == CSV and model.kind == "tabular" else None
    if data is None:
        records = codecs.decode_csv(document) if media == CSV else codecs.records_of(media, document)
        if model.kind == "keywords":
            keywords = [_keywords(model, record, n) for n, record in enumerate(records, start=1)]
            return codecs.encode(_transform(model, keywords), accept, ENCODERS)
        data = _frame(model, records)
    return codecs.encode(_transform_columns(model, data), accept, ENCODERS)


def _read_spec(path: Path) -> dict:
    """Return featurizer.json as a dict."""
    try:
        spec = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ModelLoadError(f"cannot read {path.name}: {err}") from None
    if not isinstance(spec, dict):
        raise ModelLoadError(f"{path.name} must hold a JSON object")
    return spec


def _frame(model: Featurizer, records: list) -> dict[str, np.ndarray]:
    """Return the tabular records as typed columns (numbers as floats, text as objects); the label is dropped."""
    if records and _is_header(model, records[0]):
        records = records[1:]
    if not records:
        raise BadRequest("the body holds only a header row; send at least one record")
    rows = [_tabular_row(model, record, n) for n, record in enumerate(records, start=1)]
    return {
        c: np.array(values, dtype=float if _is_numeric(model, c) else object)
        for c, values in zip(model.columns, zip(*rows, strict=False), strict=False)
    }


def _csv_columns(model: Featurizer, body: bytes) -> dict[str, np.ndarray] | None:
    """Read a plain CSV body (no quotes, lone CRs or NULs) straight into typed columns; None sends it the csv
    module's way.
    """
    text = codecs.body_text(body)
    if '"' in text or "\x00" in text or text.count("\r") != text.count("\r\n"):
        return None
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.replace(",", "").strip()]
    if not lines or max(map(len, lines)) > MAX_CSV_FIELD:
        return None
    if _is_header(model, lines[0].split(",")):
        lines = lines[1:]
    commas = {line.count(",") for line in lines}  # one flat list of fields below, not a list per row
    if len(commas) != 1 or commas.pop() + 1 not in (len(model.columns), len(model.columns) + 1):
        return None  # the csv module's way says what is wrong
    fields = ",".join(lines).split(",")
    width = len(fields) // len(lines)
    data = {}
    for index, column in enumerate(model.columns):
        values = fields[index::width]
        data[column] = (
            _numbers(values)
            if _is_numeric(model, column)
            else np.array([v.strip() or np.nan for v in values], dtype=object)
        )
        if data[column] is None:
            return None
    return data


def _numbers(values: tuple[str, ...]) -> np.ndarray | None:
    """Return text fields as floats as float() reads them (blank is NaN), or None when one is not a number."""
    plain = numbers.plain_number_list(values)
    if plain is not None:
        return plain
    text = np.strings.strip(np.array(values, dtype=str))
    try:
        return np.where(text == "", "nan", text).astype(np.float64)
    except ValueError:
        return None


def _is_header(model: Featurizer, record: Any) -> bool:
    """Return True when a CSV row holds the column names (with or without the label)."""
    return isinstance(record, list) and [str(v).strip().lower() for v in record[: len(model.columns)]] == model.columns


def _tabular_row(model: Featurizer, record: Any, number: int) -> list:
    """Return one record's values in column order, converted to each column's type."""
    columns = model.columns
    if isinstance(record, dict):
        unknown = sorted(set(record) - set(columns) - {model.label})
        missing = [c for c in columns if c not in record]
        if unknown or missing:
            raise BadRequest(
                f"record {number}: "
                + "; ".join(
                    filter(
                        None, [missing and f"missing column(s) {missing}", unknown and f"unknown column(s) {unknown}"]
                    )
                )
            )
        values = [record[c] for c in columns]
    elif isinstance(record, list):
        if len(record) not in (len(columns), len(columns) + 1):
            with_label = f" or {len(columns) + 1} with the label {model.label!r} last" if model.label else ""
            raise BadRequest(
                f"record {number} has {len(record)} fields; expected {len(columns)} ({', '.join(columns)}){with_label}"
            )
        values = record[: len(columns)]
    else:
        raise BadRequest(
            f"record {number} is {type(record).__name__}; send a list of values or an object keyed by column"
        )
    return [_typed(model, c, v, number) for c, v in zip(columns, values, strict=False)]


def _typed(model: Featurizer, column: str, value: Any, number: int) -> Any:
    """Return a value as the column's type; empty or null is a missing value the transformer imputes."""
    if _is_numeric(model, column):
        return codecs.to_float(value, f"record {number}, column {column!r}")
    if value is None or value == "":
        return np.nan
    return str(value)


def _is_numeric(model: Featurizer, column: str) -> bool:
    """Return True when the column holds numbers."""
    return model.dtypes.get(column, "float") in ("float", "int", "float64", "int64", "number")


def _keywords(model: Featurizer, record: Any, number: int) -> list[str]:
    """Return one record's keywords, the leading label (if any) dropped."""
    if not isinstance(record, list) or not all(isinstance(v, str) for v in record):
        raise BadRequest(f"record {number} must be a list of keyword strings")
    words = [v.strip() for v in record if v.strip()]
    if words and words[0] in model.labels:
        words = words[1:]
    return words


def _transform_columns(model: Featurizer, data: dict[str, np.ndarray]) -> np.ndarray:
    """Return the features of typed columns: by the checked fast path where it applies, else by the transformer."""
    numeric = [data[c] for c in model.columns if _is_numeric(model, c)]
    text = [data[c] for c in model.columns if not _is_numeric(model, c)]
    if (
        model.fast is not None
        and not any(np.isinf(v).any() for v in numeric)
        and not any(pd.isna(v).all() for v in text)
    ):
        return _checked(model.fast(data))
    return _transform(model, pd.DataFrame(data).infer_objects())  # a text column all missing is float, as before


def _transform(model: Featurizer, data: Any) -> np.ndarray:
    """Return the transformer's output as a dense float matrix; a rejection of the data is a 400."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # MultiLabelBinarizer: "unknown class(es) will be ignored"
            result = model.transformer.transform(data)
    except (ValueError, TypeError) as err:
        raise BadRequest(f"the transformer rejected the records: {err}") from None
    return _checked(np.asarray(result.toarray() if sparse.issparse(result) else result, dtype=float))


def _checked(matrix: np.ndarray) -> np.ndarray:
    """Return the feature matrix; non-finite features are a 400."""
    if not np.isfinite(matrix).all():
        raise BadRequest("the records give non-finite features (inf or NaN); check for infinite numbers")
    return matrix
