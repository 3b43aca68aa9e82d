"""Pipeline definitions: the data model, and loading/validation of a TOML or JSON definition.

A definition maps one to one onto SageMaker's CreateModel request, plus the side services the
pipeline needs locally. Everything downstream (runtime, forwarder, contract tests) consumes these
dataclasses, never the raw TOML/JSON.

The dataclasses live in specs.py and one container's checks in containers.py; their names are
importable from here as before.
"""

import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

from emulator.definitions.containers import (
    CONTAINER_KEYS,
    ENV_KEY_RE,
    HOSTNAME_RE,
    MAX_ENV_CHARS,
    MAX_ENV_KEYS,
    MAX_ENV_TOTAL_BYTES,
    NOT_ONE_OBJECT,
    ONE_OBJECT_HINT,
    UNSUPPORTED_CONTAINER_KEYS,
    assign_hostnames,
    check_environment_total,
    parse_container,
    s3_model_object,
)
from emulator.definitions.fields import Invalid, check_keys, expect
from emulator.definitions.local import LOCAL_KEY, TableSpec, parse_images, parse_local
from emulator.definitions.specs import ContainerSpec, PipelineSpec
from emulator.errors import SpecError
from emulator.sagemaker import BIND_TO_PORT_LABEL, MODES

__all__ = [
    "CONTAINER_KEYS",
    "CREATE_MODEL_KEYS",
    "ENV_KEY_RE",
    "FIX_THE_FIELD",
    "HOSTNAME_RE",
    "MAX_CONTAINERS",
    "MAX_ENV_CHARS",
    "MAX_ENV_KEYS",
    "MAX_ENV_TOTAL_BYTES",
    "NAME_RE",
    "NOT_ONE_OBJECT",
    "ONE_OBJECT_HINT",
    "UNSUPPORTED_CONTAINER_KEYS",
    "ContainerSpec",
    "PipelineSpec",
    "TableSpec",
    "check_images",
    "load_pipeline",
    "parse_pipeline",
    "s3_model_object",
]


# ---- loading and validation ------------------------------------------------------------------
# The accepted keys mirror botocore's sagemaker 2017-07-24 model (CreateModelInput and
# ContainerDefinition); tests/unit/emulator/definitions/test_pipeline.py checks they still agree.
CREATE_MODEL_KEYS = (
    "ModelName",
    "PrimaryContainer",
    "Containers",
    "InferenceExecutionConfig",
    "ExecutionRoleArn",
    "Tags",
    "VpcConfig",
    "EnableNetworkIsolation",
)
MAX_CONTAINERS = 15
NAME_RE = re.compile(r"[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?")
FIX_THE_FIELD = "fix the field named above (a definition holds CreateModel's fields, plus [Local])"


def load_pipeline(path: str | Path) -> PipelineSpec:
    """Read and validate a pipeline definition from a .toml or .json file."""
    path = Path(path)
    if path.is_dir():
        raise SpecError(f"{path}: is a folder, not a pipeline definition", "give the .toml or .json file itself")
    if not path.is_file():
        raise SpecError(
            f"{path}: no such pipeline definition", "give a .toml or .json file, e.g. fixtures/pipelines/abalone.toml"
        )
    return parse_pipeline(_read_document(path), path.parent, source=path)


def parse_pipeline(data: dict, base_dir: Path, source: Path | None = None) -> PipelineSpec:
    """Validate a CreateModel-shaped document (plus `Local`) and return its PipelineSpec."""
    try:
        return _pipeline(data, Path(base_dir), source)
    except Invalid as err:
        raise SpecError(f"{source}: {err}" if source else str(err), err.hint or FIX_THE_FIELD) from None


def _read_document(path: Path) -> dict:
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise SpecError(f"{path}: unknown format {suffix or '(no suffix)'}", "name the file *.toml or *.json")
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except UnicodeDecodeError as err:
        raise SpecError(f"{path}: not UTF-8 text ({err})", "save the definition as UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{path}: not valid TOML: {err}", "fix the TOML syntax at that line and column") from None
    except json.JSONDecodeError as err:
        raise SpecError(
            f"{path}: not valid JSON: {err.msg} (at line {err.lineno}, column {err.colno})",
            "fix the JSON syntax at that line and column",
        ) from None
    if not isinstance(data, dict):
        raise SpecError(
            f"{path}: the top level must be an object (a CreateModel request), got {type(data).__name__}",
            "write the request as one object: ModelName, Containers, ...",
        )
    return data


def _pipeline(data: dict, base_dir: Path, source: Path | None) -> PipelineSpec:
    check_keys(data, (*CREATE_MODEL_KEYS, LOCAL_KEY), "", "top-level key")
    name = _model_name(data.get("ModelName"))
    entries, where = _container_entries(data)
    mode = _mode(data.get("InferenceExecutionConfig"))
    containers = tuple(
        parse_container(entry, f"{where}[{i}]" if where == "Containers" else where, base_dir)
        for i, entry in enumerate(entries)
    )
    containers = assign_hostnames(containers, where, mode)
    check_environment_total(containers)
    region, tables = parse_local(data.get(LOCAL_KEY, {}), base_dir)
    isolated = data.get("EnableNetworkIsolation", False)
    if not isinstance(isolated, bool):
        raise Invalid("EnableNetworkIsolation", f"must be true or false, got {isolated!r}")
    images = parse_images(data.get(LOCAL_KEY, {}))
    return PipelineSpec(name, containers, mode, tables, region, source, images, network_isolation=isolated)


def _model_name(value) -> str:
    if value is None:
        raise Invalid("ModelName", "is required", 'add ModelName = "my-pipeline"; it is also the endpoint name')
    expect(value, str, "ModelName", "a string")
    if len(value) > 63 or not NAME_RE.fullmatch(value):
        raise Invalid("ModelName", f"{value!r} must be 1 to 63 characters matching {NAME_RE.pattern}")
    return value


def _container_entries(data: dict) -> tuple[list, str]:
    if "PrimaryContainer" in data and "Containers" in data:
        raise Invalid("PrimaryContainer", "give either PrimaryContainer or Containers, not both")
    if "PrimaryContainer" in data:
        return [expect(data["PrimaryContainer"], dict, "PrimaryContainer", "a table/object")], "PrimaryContainer"
    if "Containers" not in data:
        raise Invalid(
            "Containers",
            "is required (or PrimaryContainer for a single container)",
            "add a [[Containers]] section per container",
        )
    entries = expect(data["Containers"], list, "Containers", "a list of tables/objects")
    if not 1 <= len(entries) <= MAX_CONTAINERS:
        raise Invalid(
            "Containers", f"a pipeline has 2 to {MAX_CONTAINERS} containers (or a single one), got {len(entries)}"
        )
    for i, entry in enumerate(entries):
        expect(entry, dict, f"Containers[{i}]", "a table/object")
    return entries, "Containers"


def _mode(config) -> str:
    if config is None:
        return "Serial"
    expect(config, dict, "InferenceExecutionConfig", "a table/object")
    check_keys(config, ("Mode",), "InferenceExecutionConfig", "key")
    mode = config.get("Mode")
    if mode not in MODES:
        raise Invalid("InferenceExecutionConfig.Mode", f"must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


def check_images(spec: PipelineSpec, inspect_labels: Callable[[str], dict | None]) -> None:
    """Raise SpecError naming every image that is missing or, in a pipeline, lacks the bind-to-port label.

    `inspect_labels(image)` returns the image's labels, or None when the engine does not have it.
    """
    problems, seen = [], set()
    for i, container in enumerate(spec.containers):
        if container.image in seen:
            continue
        seen.add(container.image)
        labels = inspect_labels(container.image)
        where = f"Containers[{i}].Image ({container.hostname})"
        if labels is None:
            problems.append(f"{where}: image {container.image} is not on the Docker engine; run `byoc build`")
        elif len(spec.containers) > 1 and str(labels.get(BIND_TO_PORT_LABEL, "")).lower() != "true":
            problems.append(
                f"{where}: image {container.image} lacks LABEL {BIND_TO_PORT_LABEL}=true, which "
                "SageMaker requires on every image of a pipeline (CreateModel refuses it)"
            )
    if problems:
        missing = any("is not on the Docker engine" in p for p in problems)
        raise SpecError(
            "\n".join(problems),
            "build or load the missing images (ours: `byoc build`); images are never pulled"
            if missing
            else "add the LABEL to the Dockerfile and rebuild the image",
        )
