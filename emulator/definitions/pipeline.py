"""Pipeline definitions: the data model, and loading/validation of a TOML or JSON definition.

A definition maps one to one onto SageMaker's CreateModel request, plus the side services the
pipeline needs locally. Everything downstream (runtime, forwarder, contract tests) consumes these
dataclasses, never the raw TOML/JSON.
"""

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

from emulator.definitions.fields import Invalid, check_keys, expect
from emulator.definitions.local import LOCAL_KEY, TableSpec, parse_images, parse_local
from emulator.errors import SpecError
from emulator.sagemaker import BIND_TO_PORT_LABEL, MODES


@dataclass(frozen=True)
class ContainerSpec:
    """One entry of CreateModel's Containers (or its PrimaryContainer)."""

    image: str
    hostname: str  # ContainerHostname, or `container-N` assigned by position (1-based)
    model_data: Path | str | None = None  # ModelDataUrl: a local .tar.gz or folder, an s3:// URL (str), or None
    environment: dict[str, str] = field(default_factory=dict)
    hostname_given: bool = False  # True when the definition set ContainerHostname itself


@dataclass(frozen=True)
class PipelineSpec:
    """A whole serial (or direct) inference pipeline and its side services."""

    name: str  # ModelName; also the default endpoint name
    containers: tuple[ContainerSpec, ...]
    mode: str = "Serial"  # InferenceExecutionConfig.Mode: "Serial" | "Direct"
    tables: tuple[TableSpec, ...] = ()
    region: str = "us-east-1"
    source: Path | None = None  # the file it was loaded from
    images: dict[str, str] = field(default_factory=dict, compare=False)  # [Local.Images]: image URI -> local image
    network_isolation: bool = False  # EnableNetworkIsolation: an internal Docker network, no route out

    @property
    def needs_dynamodb(self) -> bool:
        return bool(self.tables)


# ---- loading and validation ------------------------------------------------------------------
# The accepted keys mirror botocore's sagemaker 2017-07-24 model (CreateModelInput and
# ContainerDefinition); tests/unit/emulator/test_spec.py checks they still agree.
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
CONTAINER_KEYS = (
    "ContainerHostname",
    "Image",
    "ImageConfig",
    "Mode",
    "ModelDataUrl",
    "ModelDataSource",
    "AdditionalModelDataSources",
    "Environment",
    "ModelPackageName",
    "InferenceSpecificationName",
    "MultiModelConfig",
)
# Container fields the emulator cannot honour: refused rather than dropped.
UNSUPPORTED_CONTAINER_KEYS = {
    "ModelDataSource": "give the model as ModelDataUrl, a local .tar.gz or folder",
    "AdditionalModelDataSources": "pack every artifact into the one ModelDataUrl archive",
    "ModelPackageName": "give Image and ModelDataUrl directly",
    "InferenceSpecificationName": "give Image and ModelDataUrl directly",
}
MAX_CONTAINERS = 15
MAX_ENV_KEYS = 100
MAX_ENV_CHARS = 1024
MAX_ENV_TOTAL_BYTES = 32 * 1024
NAME_RE = re.compile(r"[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?")
HOSTNAME_RE = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")
ENV_KEY_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
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
        _container(entry, f"{where}[{i}]" if where == "Containers" else where, base_dir)
        for i, entry in enumerate(entries)
    )
    containers = _assign_hostnames(containers, where, mode)
    _check_environment_total(containers)
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


def _container(entry: dict, where: str, base_dir: Path) -> ContainerSpec:
    check_keys(entry, CONTAINER_KEYS, where, "key")
    for key, what_to_do in UNSUPPORTED_CONTAINER_KEYS.items():
        if key in entry:
            raise Invalid(f"{where}.{key}", "is not supported by the local emulator", what_to_do)
    if entry.get("Mode", "SingleModel") != "SingleModel":
        raise Invalid(f"{where}.Mode", f"only SingleModel is supported locally, got {entry['Mode']!r}")
    image = expect(entry.get("Image"), str, f"{where}.Image", "an image reference such as byoc/featurizer:latest")
    if not image or len(image) > 255 or any(c.isspace() for c in image):
        raise Invalid(f"{where}.Image", f"{image!r} must be 1 to 255 characters without whitespace")
    hostname = entry.get("ContainerHostname")
    if hostname is not None:
        _check_hostname(hostname, f"{where}.ContainerHostname")
    model = entry.get("ModelDataUrl")
    model_data = None if model is None else _model_path(model, f"{where}.ModelDataUrl", base_dir)
    env = _environment(entry.get("Environment", {}), f"{where}.Environment")
    return ContainerSpec(image, hostname or "", model_data, env, hostname is not None)


def _check_hostname(value, where: str) -> None:
    expect(value, str, where, "a string")
    if len(value) > 63 or not HOSTNAME_RE.fullmatch(value):
        raise Invalid(where, f"{value!r} must be 1 to 63 characters matching {HOSTNAME_RE.pattern}")


NOT_ONE_OBJECT = "must name one object, s3://BUCKET/KEY/model.tar.gz"
ONE_OBJECT_HINT = "pack the model with `tar -czf model.tar.gz -C DIR .` and upload that archive"


def s3_model_object(url: str) -> tuple[str, str] | None:
    """Return (bucket, key) of an s3:// ModelDataUrl that names one object, else None."""
    bucket, _, key = url.removeprefix("s3://").partition("/")
    return (bucket, key) if bucket and key and not key.endswith("/") else None


def _model_path(value, where: str, base_dir: Path) -> Path | str:
    expect(value, str, where, "a local path to a model.tar.gz or folder")
    if value.startswith("s3://"):
        if s3_model_object(value) is None:
            raise Invalid(where, f"{value} {NOT_ONE_OBJECT}", ONE_OBJECT_HINT)
        return value  # read from the session's local S3 when the containers start
    if value.startswith("file://"):
        value = unquote(value.removeprefix("file://"))
    elif "://" in value:
        raise Invalid(
            where,
            f"{value} is a remote URL; the emulator reads models from this machine only",
            "give an s3:// URL in the local S3, or a local path to the model.tar.gz (or its folder)",
        )
    path = (base_dir / Path(value).expanduser()).resolve()
    if path.is_dir():
        return path
    if not path.is_file():
        raise Invalid(
            where, f"{path} does not exist", "check the path (relative to the definition file) or build the model"
        )
    if not path.name.endswith((".tar.gz", ".tgz")):
        raise Invalid(
            where, f"{path} must be a .tar.gz archive or a folder", "pack it with `tar -czf model.tar.gz -C DIR .`"
        )
    return path


def _environment(env, where: str) -> dict[str, str]:
    expect(env, dict, where, "a table/object of string values")
    if len(env) > MAX_ENV_KEYS:
        raise Invalid(where, f"has {len(env)} keys; the limit is {MAX_ENV_KEYS}")
    for key, value in env.items():
        if not ENV_KEY_RE.fullmatch(key):
            raise Invalid(where, f"key {key!r} does not match {ENV_KEY_RE.pattern}")
        if len(key) > MAX_ENV_CHARS:
            raise Invalid(where, f"key {key[:20]!r}... is {len(key)} characters; the limit is {MAX_ENV_CHARS}")
        if not isinstance(value, str):
            raise Invalid(
                where,
                f"value of {key!r} must be a string, got {type(value).__name__} {value!r:.40}",
                f'quote it: {key} = "{value}"',
            )
        if len(value) > MAX_ENV_CHARS:
            raise Invalid(where, f"value of {key!r} is {len(value)} characters; the limit is {MAX_ENV_CHARS}")
    return dict(env)


def _check_environment_total(containers: tuple[ContainerSpec, ...]) -> None:
    total = sum(len(k.encode()) + len(v.encode()) for c in containers for k, v in c.environment.items())
    if total > MAX_ENV_TOTAL_BYTES:
        raise Invalid(
            "Environment",
            f"keys and values of all containers add up to {total} bytes; the limit "
            f"is {MAX_ENV_TOTAL_BYTES} (32 KB) for the whole model",
        )


def _assign_hostnames(containers: tuple[ContainerSpec, ...], where: str, mode: str) -> tuple[ContainerSpec, ...]:
    given = [c.hostname_given for c in containers]
    path_of = (
        (lambda i: f"{where}[{i}].ContainerHostname")
        if where == "Containers"
        else (lambda i: f"{where}.ContainerHostname")
    )
    if any(given) and not all(given):
        missing = ", ".join(path_of(i) for i, g in enumerate(given) if not g)
        raise Invalid(missing, "missing: ContainerHostname must be set on every container or on none")
    if mode == "Direct" and not all(given):
        raise Invalid(
            path_of(0), "missing: InferenceExecutionConfig.Mode Direct requires ContainerHostname on every container"
        )
    if not any(given):
        default = (lambda i: "primary") if where == "PrimaryContainer" else (lambda i: f"container-{i + 1}")
        return tuple(replace(c, hostname=default(i)) for i, c in enumerate(containers))
    seen: dict[str, int] = {}
    for i, c in enumerate(containers):
        if c.hostname in seen:
            raise Invalid(
                path_of(i), f"{c.hostname!r} is already used by {path_of(seen[c.hostname])}; hostnames must be unique"
            )
        seen[c.hostname] = i
    return containers


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
