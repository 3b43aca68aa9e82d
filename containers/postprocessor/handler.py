"""Decode predicted class indices to categories and look up one available agent per row in DynamoDB.

Model folder: labels.json (a list: class index -> category, or an object {"0": "..."}) and
postprocessor.json ({"table": "..."}). AGENT_TABLE overrides the table; the region comes from
AWS_REGION / AWS_DEFAULT_REGION; boto3 itself honours AWS_ENDPOINT_URL_DYNAMODB (e.g. a moto server).
Input: CSV, one predicted label per line (`2.0`), JSON {"predictions": [...]} or a bare list, or JSON
Lines (one prediction per line). Output: JSON {"response": [{"category": ..., "agent": {"ID",
"FirstName", "LastName"} or null}]}, or JSON Lines, one {"category", "agent"} per line.
"""

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError
from serving import codecs
from serving.content_types import CSV, JSON, JSONLINES
from serving.errors import BadRequest, DependencyError, ModelLoadError

DECODERS = {CSV: codecs.decode_csv, JSON: codecs.decode_json, JSONLINES: codecs.decode_jsonlines}
ENCODERS = {JSON: codecs.encode_json, JSONLINES: lambda document: codecs.encode_jsonlines(document["response"])}
DEFAULT_TABLE = "PipelineLookupTable"
CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})


@dataclass(frozen=True)
class Lookup:
    """Category names by class index and the DynamoDB table of agents."""

    labels: list[str]
    table: str
    dynamodb: Any


def load(model_dir: Path) -> Lookup:
    """Read labels.json and postprocessor.json and make the DynamoDB client (no call is made yet)."""
    labels = _read_labels(model_dir / "labels.json")
    spec_path = model_dir / "postprocessor.json"
    spec = json.loads(spec_path.read_text()) if spec_path.exists() else {}
    table = os.environ.get("AGENT_TABLE", "").strip() or spec.get("table") or DEFAULT_TABLE
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise ModelLoadError("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION) for the DynamoDB lookups")
    return Lookup(labels, table, boto3.client("dynamodb", region_name=region, config=CLIENT_CONFIG))


def invoke(model: Lookup, body: bytes, content_type: str | None, accept: str | None) -> tuple[bytes, str]:
    """Return each row's category and one available agent of it (null when none is available)."""
    media, document = codecs.decode(body, content_type, DECODERS)
    predictions = (
        [_single(row, n) for n, row in enumerate(document, start=1)]
        if media == CSV
        else codecs.records_of(media, document, key="predictions")
    )
    categories = [_category(model, value, n) for n, value in enumerate(predictions, start=1)]
    agents = {category: find_agent(model, category) for category in dict.fromkeys(categories)}
    response = {"response": [{"category": c, "agent": agents[c]} for c in categories]}
    return codecs.encode(response, accept, ENCODERS)


def find_agent(model: Lookup, category: str) -> dict | None:
    """Return the first available agent of a category, or None; a DynamoDB failure is a 502/503."""
    query = {
        "TableName": model.table,
        "KeyConditionExpression": "Specialty = :category",
        "FilterExpression": "Available = :yes",
        "ExpressionAttributeValues": {":category": {"S": category}, ":yes": {"BOOL": True}},
    }
    try:
        for page in model.dynamodb.get_paginator("query").paginate(**query):
            for item in page.get("Items", []):
                return {key: item[key]["S"] for key in ("ID", "FirstName", "LastName") if key in item}
    except (ClientError, BotoCoreError) as err:
        raise _dependency_error(model, err) from None
    return None


def _dependency_error(model: Lookup, err: Exception) -> DependencyError:
    """Return the 5xx error that explains a DynamoDB failure."""
    where = model.dynamodb.meta.endpoint_url
    if isinstance(err, ClientError):
        code = err.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            return DependencyError(
                f"DynamoDB table {model.table!r} does not exist at {where}; create and seed it, or set AGENT_TABLE", 502
            )
        return DependencyError(f"DynamoDB at {where} refused the query on {model.table!r}: {code}: {err}", 502)
    if isinstance(err, NoCredentialsError):
        return DependencyError(
            f"no AWS credentials to query DynamoDB at {where}; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a role",
            502,
        )
    if isinstance(err, EndpointConnectionError) or "timeout" in type(err).__name__.lower():
        return DependencyError(f"DynamoDB is unreachable at {where}: {err}", 503)
    return DependencyError(f"querying DynamoDB at {where} failed: {type(err).__name__}: {err}", 502)


def _read_labels(path: Path) -> list[str]:
    """Return the category names in class-index order."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ModelLoadError(f"cannot read {path.name}: {err}") from None
    if isinstance(raw, dict):
        raw = [raw[key] for key in sorted(raw, key=int)]
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw):
        raise ModelLoadError(f"{path.name} must be a non-empty list of category names")
    return raw


def _single(row: list[str], number: int) -> str:
    """Return the one field of a CSV row of predictions."""
    if len(row) != 1:
        raise BadRequest(f"line {number} has {len(row)} fields; expected one predicted label per line")
    return row[0]


def _category(model: Lookup, value: Any, number: int) -> str:
    """Return the category of a predicted class index such as `2.0`; a bad index is a 400."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    index = codecs.to_float(value, f"prediction {number}")
    if not math.isfinite(index) or index != int(index):
        raise BadRequest(f"prediction {number}: {value!r} is not a class index (a whole number)")
    if not 0 <= index < len(model.labels):
        raise BadRequest(f"prediction {number}: class index {int(index)} is out of range 0..{len(model.labels) - 1}")
    return model.labels[int(index)]
