"""Serve an XGBoost model (xgboost-model.json, XGBoost's own format) described by predictor.json.

predictor.json: {"task": "regression" | "classification", "num_features": N[, "num_class": K]}.
Input: CSV rows of N numbers (an empty field is a missing value), JSON {"instances": [[...]]} or a
bare list of lists, or JSON Lines (one list of N numbers per line). Output: CSV, one prediction per
line, JSON {"predictions": [...]}, or JSON Lines, one prediction per line.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xgboost as xgb
from serving import codecs, numbers
from serving.config import threads_per_worker
from serving.content_types import CSV, JSON, JSONLINES
from serving.errors import BadRequest, ModelLoadError

FLOAT32_MAX = float(np.finfo(np.float32).max)
DECODERS = {CSV: lambda body: body, JSON: codecs.decode_json, JSONLINES: codecs.decode_jsonlines}
ENCODERS = {
    CSV: numbers.encode_csv,
    JSON: lambda predictions: numbers.encode_json_numbers("predictions", predictions),
    JSONLINES: numbers.encode_jsonlines_numbers,
}


@dataclass(frozen=True)
class Predictor:
    """A loaded booster and the shape of its input."""

    booster: xgb.Booster
    task: str
    num_features: int


def load(model_dir: Path) -> Predictor:
    """Read predictor.json and xgboost-model.json from the model folder."""
    spec_path = model_dir / "predictor.json"
    try:
        spec = json.loads(spec_path.read_text())
        num_features = int(spec["num_features"])
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise ModelLoadError(f"cannot read num_features from {spec_path.name}: {type(err).__name__}: {err}") from None
    booster = xgb.Booster()
    try:
        booster.load_model(str(model_dir / "xgboost-model.json"))
    except xgb.core.XGBoostError as err:
        raise ModelLoadError(f"cannot load xgboost-model.json: {str(err).splitlines()[0]}") from None
    booster.set_param({"nthread": threads_per_worker()})
    if booster.num_features() != num_features:
        raise ModelLoadError(f"predictor.json says {num_features} features but the model has {booster.num_features()}")
    return Predictor(booster, str(spec.get("task", "regression")), num_features)


def invoke(model: Predictor, body: bytes, content_type: str | None, accept: str | None) -> tuple[bytes, str]:
    """Predict one value per record and return the predictions as CSV or JSON."""
    media, document = codecs.decode(body, content_type, DECODERS)
    if media == CSV:
        matrix = numbers.csv_floats(document, model.num_features)
    else:
        no_booleans = b"true" not in body and b"false" not in body
        matrix = numbers.float_matrix(codecs.records_of(media, document), model.num_features, no_booleans)
    return codecs.encode(predict(model, matrix), accept, ENCODERS)


def predict(model: Predictor, rows) -> np.ndarray:
    """Return one prediction per row (a class index for a classifier)."""
    matrix = np.asarray(rows, dtype=float)
    if (np.abs(matrix) > FLOAT32_MAX).any():  # nan compares False: a missing value, not an error
        raise BadRequest("the records hold infinite numbers or numbers beyond float32's range")
    predictions = model.booster.inplace_predict(matrix.astype(np.float32), missing=np.nan)
    if predictions.ndim == 2:  # multi:softprob gives one probability per class
        predictions = predictions.argmax(axis=1).astype(np.float32)
    return predictions.astype(float)
