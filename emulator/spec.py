"""Pipeline definitions: the data model, and loading/validation of a TOML or JSON definition.

A definition maps one to one onto SageMaker's CreateModel request, plus the side services the
pipeline needs locally. Everything downstream (runtime, forwarder, contract tests) consumes these
dataclasses, never the raw TOML/JSON.
"""

import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

from .config import BIND_TO_PORT_LABEL
from .errors import SpecError


@dataclass(frozen=True)
class ContainerSpec:
    """One entry of CreateModel's Containers (or its PrimaryContainer)."""

    image: str
    hostname: str                      # ContainerHostname, or `container-N` assigned by position (1-based)
    model_data: Path | None = None     # ModelDataUrl resolved to a local .tar.gz or folder, or None
    environment: dict[str, str] = field(default_factory=dict)
    hostname_given: bool = False       # True when the definition set ContainerHostname itself


@dataclass(frozen=True)
class TableSpec:
    """A DynamoDB table the pipeline needs, created and seeded before the containers start."""

    name: str
    hash_key: tuple[str, str]                # (attribute name, type "S" | "N" | "B")
    range_key: tuple[str, str] | None = None
    items: tuple[dict, ...] = ()             # plain Python values, e.g. {"ID": "1", "Available": True}
    definition: dict = field(default_factory=dict, compare=False)  # the seed's CreateTable arguments as given


@dataclass(frozen=True)
class PipelineSpec:
    """A whole serial (or direct) inference pipeline and its side services."""

    name: str                                # ModelName; also the default endpoint name
    containers: tuple[ContainerSpec, ...]
    mode: str = "Serial"                     # InferenceExecutionConfig.Mode: "Serial" | "Direct"
    tables: tuple[TableSpec, ...] = ()
    region: str = "us-east-1"
    source: Path | None = None               # the file it was loaded from

    @property
    def needs_dynamodb(self) -> bool:
        return bool(self.tables)


# ---- loading and validation ------------------------------------------------------------------
# The accepted keys mirror botocore's sagemaker 2017-07-24 model (CreateModelInput and
# ContainerDefinition); tests/unit/emulator/test_spec.py checks they still agree.
CREATE_MODEL_KEYS = ("ModelName", "PrimaryContainer", "Containers", "InferenceExecutionConfig",
                     "ExecutionRoleArn", "Tags", "VpcConfig", "EnableNetworkIsolation")
LOCAL_KEY = "Local"
CONTAINER_KEYS = ("ContainerHostname", "Image", "ImageConfig", "Mode", "ModelDataUrl", "ModelDataSource",
                  "AdditionalModelDataSources", "Environment", "ModelPackageName",
                  "InferenceSpecificationName", "MultiModelConfig")
# Container fields the emulator cannot honour: refused rather than dropped.
UNSUPPORTED_CONTAINER_KEYS = {
    "ModelDataSource": "give the model as ModelDataUrl, a local .tar.gz or folder",
    "AdditionalModelDataSources": "pack every artifact into the one ModelDataUrl archive",
    "ModelPackageName": "give Image and ModelDataUrl directly",
    "InferenceSpecificationName": "give Image and ModelDataUrl directly",
}
LOCAL_KEYS = ("Region", "DynamoDBTables")
TABLE_ENTRY_KEYS = ("Seed",)
SEED_TABLE_KEYS = ("TableName", "KeySchema", "AttributeDefinitions", "BillingMode", "ProvisionedThroughput",
                   "TableClass", "Tags", "DeletionProtectionEnabled")
MAX_CONTAINERS = 15
MAX_ENV_KEYS = 100
MAX_ENV_CHARS = 1024
MAX_ENV_TOTAL_BYTES = 32 * 1024
NAME_RE = re.compile(r"[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?")
HOSTNAME_RE = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")
ENV_KEY_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
REGION_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")
MODES = ("Serial", "Direct")


class _Invalid(Exception):
    """One broken rule: the field path, the rule, and optionally what to do."""

    def __init__(self, field: str, rule: str, hint: str | None = None):
        super().__init__(f"{field}: {rule}" if field else rule)
        self.hint = hint


def load_pipeline(path: str | Path) -> PipelineSpec:
    """Read and validate a pipeline definition from a .toml or .json file."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: no such pipeline definition", "give a .toml or .json file, e.g. fixtures/pipelines/abalone.toml")
    return parse_pipeline(_read_document(path), path.parent, source=path)


def parse_pipeline(data: dict, base_dir: Path, source: Path | None = None) -> PipelineSpec:
    """Validate a CreateModel-shaped document (plus `Local`) and return its PipelineSpec."""
    try:
        return _pipeline(data, Path(base_dir), source)
    except _Invalid as err:
        raise SpecError(f"{source}: {err}" if source else str(err), err.hint) from None


def _read_document(path: Path) -> dict:
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise SpecError(f"{path}: unknown format {suffix or '(no suffix)'}", "name the file *.toml or *.json")
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except UnicodeDecodeError as err:
        raise SpecError(f"{path}: not UTF-8 text ({err})") from None
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{path}: not valid TOML: {err}") from None
    except json.JSONDecodeError as err:
        raise SpecError(f"{path}: not valid JSON: {err.msg} (at line {err.lineno}, column {err.colno})") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: the top level must be an object (a CreateModel request), got {type(data).__name__}")
    return data


def _pipeline(data: dict, base_dir: Path, source: Path | None) -> PipelineSpec:
    _check_keys(data, (*CREATE_MODEL_KEYS, LOCAL_KEY), "", "top-level key")
    name = _model_name(data.get("ModelName"))
    entries, where = _container_entries(data)
    mode = _mode(data.get("InferenceExecutionConfig"))
    containers = tuple(_container(entry, f"{where}[{i}]" if where == "Containers" else where, base_dir)
                       for i, entry in enumerate(entries))
    containers = _assign_hostnames(containers, where, mode)
    _check_environment_total(containers)
    region, tables = _local(data.get(LOCAL_KEY, {}), base_dir)
    return PipelineSpec(name, containers, mode, tables, region, source)


def _check_keys(data: dict, known: tuple[str, ...], where: str, what: str) -> None:
    unknown = [k for k in data if k not in known]
    if unknown:
        raise _Invalid(where, f"unknown {what} {', '.join(map(repr, unknown))}; known: {', '.join(known)}",
                       "fix the spelling (names are case-sensitive, as in the CreateModel API)")


def _expect(value, kind: type, where: str, what: str):
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Invalid(where, f"must be {what}, got {type(value).__name__} {value!r:.60}")
    return value


def _model_name(value) -> str:
    if value is None:
        raise _Invalid("ModelName", "is required", 'add ModelName = "my-pipeline"; it is also the endpoint name')
    _expect(value, str, "ModelName", "a string")
    if len(value) > 63 or not NAME_RE.fullmatch(value):
        raise _Invalid("ModelName", f"{value!r} must be 1 to 63 characters matching {NAME_RE.pattern}")
    return value


def _container_entries(data: dict) -> tuple[list, str]:
    if "PrimaryContainer" in data and "Containers" in data:
        raise _Invalid("PrimaryContainer", "give either PrimaryContainer or Containers, not both")
    if "PrimaryContainer" in data:
        return [_expect(data["PrimaryContainer"], dict, "PrimaryContainer", "a table/object")], "PrimaryContainer"
    if "Containers" not in data:
        raise _Invalid("Containers", "is required (or PrimaryContainer for a single container)",
                       "add a [[Containers]] section per container")
    entries = _expect(data["Containers"], list, "Containers", "a list of tables/objects")
    if not 1 <= len(entries) <= MAX_CONTAINERS:
        raise _Invalid("Containers", f"a pipeline has 2 to {MAX_CONTAINERS} containers (or a single one), got {len(entries)}")
    for i, entry in enumerate(entries):
        _expect(entry, dict, f"Containers[{i}]", "a table/object")
    return entries, "Containers"


def _mode(config) -> str:
    if config is None:
        return "Serial"
    _expect(config, dict, "InferenceExecutionConfig", "a table/object")
    _check_keys(config, ("Mode",), "InferenceExecutionConfig", "key")
    mode = config.get("Mode")
    if mode not in MODES:
        raise _Invalid("InferenceExecutionConfig.Mode", f"must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


def _container(entry: dict, where: str, base_dir: Path) -> ContainerSpec:
    _check_keys(entry, CONTAINER_KEYS, where, "key")
    for key, what_to_do in UNSUPPORTED_CONTAINER_KEYS.items():
        if key in entry:
            raise _Invalid(f"{where}.{key}", "is not supported by the local emulator", what_to_do)
    if entry.get("Mode", "SingleModel") != "SingleModel":
        raise _Invalid(f"{where}.Mode", f"only SingleModel is supported locally, got {entry['Mode']!r}")
    image = _expect(entry.get("Image"), str, f"{where}.Image", "an image reference such as byoc/featurizer:latest")
    if not image or len(image) > 255 or any(c.isspace() for c in image):
        raise _Invalid(f"{where}.Image", f"{image!r} must be 1 to 255 characters without whitespace")
    hostname = entry.get("ContainerHostname")
    if hostname is not None:
        _check_hostname(hostname, f"{where}.ContainerHostname")
    model = entry.get("ModelDataUrl")
    model_data = None if model is None else _model_path(model, f"{where}.ModelDataUrl", base_dir)
    env = _environment(entry.get("Environment", {}), f"{where}.Environment")
    return ContainerSpec(image, hostname or "", model_data, env, hostname is not None)


def _check_hostname(value, where: str) -> None:
    _expect(value, str, where, "a string")
    if len(value) > 63 or not HOSTNAME_RE.fullmatch(value):
        raise _Invalid(where, f"{value!r} must be 1 to 63 characters matching {HOSTNAME_RE.pattern}")


def _model_path(value, where: str, base_dir: Path) -> Path:
    _expect(value, str, where, "a local path to a model.tar.gz or folder")
    if value.startswith("file://"):
        value = unquote(value.removeprefix("file://"))
    elif "://" in value:
        raise _Invalid(where, f"{value} is a remote URL; the emulator reads models from this machine only",
                       "give a local path to the model.tar.gz (or its folder), relative to the definition file")
    path = (base_dir / Path(value).expanduser()).resolve()
    if path.is_dir():
        return path
    if not path.is_file():
        raise _Invalid(where, f"{path} does not exist", "check the path (relative to the definition file) or build the model")
    if not path.name.endswith((".tar.gz", ".tgz")):
        raise _Invalid(where, f"{path} must be a .tar.gz archive or a folder", "pack it with `tar -czf model.tar.gz -C DIR .`")
    return path


def _environment(env, where: str) -> dict[str, str]:
    _expect(env, dict, where, "a table/object of string values")
    if len(env) > MAX_ENV_KEYS:
        raise _Invalid(where, f"has {len(env)} keys; the limit is {MAX_ENV_KEYS}")
    for key, value in env.items():
        if not ENV_KEY_RE.fullmatch(key):
            raise _Invalid(where, f"key {key!r} does not match {ENV_KEY_RE.pattern}")
        if len(key) > MAX_ENV_CHARS:
            raise _Invalid(where, f"key {key[:20]!r}... is {len(key)} characters; the limit is {MAX_ENV_CHARS}")
        if not isinstance(value, str):
            raise _Invalid(where, f"value of {key!r} must be a string, got {type(value).__name__} {value!r:.40}",
                           f'quote it: {key} = "{value}"')
        if len(value) > MAX_ENV_CHARS:
            raise _Invalid(where, f"value of {key!r} is {len(value)} characters; the limit is {MAX_ENV_CHARS}")
    return dict(env)


def _check_environment_total(containers: tuple[ContainerSpec, ...]) -> None:
    total = sum(len(k.encode()) + len(v.encode()) for c in containers for k, v in c.environment.items())
    if total > MAX_ENV_TOTAL_BYTES:
        raise _Invalid("Environment", f"keys and values of all containers add up to {total} bytes; the limit "
                                      f"is {MAX_ENV_TOTAL_BYTES} (32 KB) for the whole model")


def _assign_hostnames(containers: tuple[ContainerSpec, ...], where: str, mode: str) -> tuple[ContainerSpec, ...]:
    given = [c.hostname_given for c in containers]
    path_of = (lambda i: f"{where}[{i}].ContainerHostname") if where == "Containers" else (lambda i: f"{where}.ContainerHostname")
    if any(given) and not all(given):
        missing = ", ".join(path_of(i) for i, g in enumerate(given) if not g)
        raise _Invalid(missing, "missing: ContainerHostname must be set on every container or on none")
    if mode == "Direct" and not all(given):
        raise _Invalid(path_of(0), "missing: InferenceExecutionConfig.Mode Direct requires ContainerHostname on every container")
    if not any(given):
        default = (lambda i: "primary") if where == "PrimaryContainer" else (lambda i: f"container-{i + 1}")
        return tuple(replace(c, hostname=default(i)) for i, c in enumerate(containers))
    seen: dict[str, int] = {}
    for i, c in enumerate(containers):
        if c.hostname in seen:
            raise _Invalid(path_of(i), f"{c.hostname!r} is already used by {path_of(seen[c.hostname])}; hostnames must be unique")
        seen[c.hostname] = i
    return containers


def _local(local, base_dir: Path) -> tuple[str, tuple[TableSpec, ...]]:
    _expect(local, dict, LOCAL_KEY, "a table/object")
    _check_keys(local, LOCAL_KEYS, LOCAL_KEY, "key")
    region = _expect(local.get("Region", "us-east-1"), str, f"{LOCAL_KEY}.Region", "a string")
    if not REGION_RE.fullmatch(region):
        raise _Invalid(f"{LOCAL_KEY}.Region", f"{region!r} is not a region name such as us-east-1")
    entries = _expect(local.get("DynamoDBTables", []), list, f"{LOCAL_KEY}.DynamoDBTables", "a list of tables/objects")
    tables = tuple(_table_entry(entry, f"{LOCAL_KEY}.DynamoDBTables[{i}]", base_dir) for i, entry in enumerate(entries))
    names = [t.name for t in tables]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise _Invalid(f"{LOCAL_KEY}.DynamoDBTables[{i}]", f"table {name!r} is defined twice")
    return region, tables


def _table_entry(entry, where: str, base_dir: Path) -> TableSpec:
    _expect(entry, dict, where, "a table/object")
    _check_keys(entry, TABLE_ENTRY_KEYS, where, "key")
    seed = _expect(entry.get("Seed"), str, f"{where}.Seed", "a path to a seed JSON file")
    path = (base_dir / seed).resolve()
    where = f"{where}.Seed ({path.name})"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _Invalid(where, f"{path} does not exist", "check the path (relative to the definition file)") from None
    except json.JSONDecodeError as err:
        raise _Invalid(where, f"not valid JSON: {err.msg} (at line {err.lineno}, column {err.colno})") from None
    _expect(doc, dict, where, 'an object {"table": {...CreateTable arguments}, "items": [...]}')
    _check_keys(doc, ("table", "items"), where, "key")
    table = _expect(doc.get("table"), dict, f"{where}.table", "an object of CreateTable arguments")
    items = _expect(doc.get("items", []), list, f"{where}.items", "a list of objects")
    return _table(table, items, where)


def _table(table: dict, items: list, where: str) -> TableSpec:
    _check_keys(table, SEED_TABLE_KEYS, f"{where}.table", "CreateTable argument (indexes and streams are not emulated)")
    name = _expect(table.get("TableName"), str, f"{where}.table.TableName", "a string")
    types = {d.get("AttributeName"): d.get("AttributeType") for d in table.get("AttributeDefinitions", [])
             if isinstance(d, dict)}
    keys = {}
    for k in _expect(table.get("KeySchema"), list, f"{where}.table.KeySchema", "a list of {AttributeName, KeyType}"):
        attr, kind = (k.get("AttributeName"), k.get("KeyType")) if isinstance(k, dict) else (None, None)
        if kind not in ("HASH", "RANGE") or kind in keys or types.get(attr) not in ("S", "N", "B"):
            raise _Invalid(f"{where}.table.KeySchema", f"{k!r} must name an attribute declared in "
                           "AttributeDefinitions (type S, N or B) with KeyType HASH or RANGE, each once")
        keys[kind] = (attr, types[attr])
    if "HASH" not in keys:
        raise _Invalid(f"{where}.table.KeySchema", "needs a HASH key")
    for i, item in enumerate(items):
        missing = [a for a, _ in keys.values() if not isinstance(item, dict) or a not in item]
        if missing:
            raise _Invalid(f"{where}.items[{i}]", f"must be an object holding the key attributes; missing {missing}")
    return TableSpec(name, keys["HASH"], keys.get("RANGE"), tuple(items), dict(table))


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
            problems.append(f"{where}: image {container.image} lacks LABEL {BIND_TO_PORT_LABEL}=true, which "
                            "SageMaker requires on every image of a pipeline (CreateModel refuses it)")
    if problems:
        raise SpecError("\n".join(problems), "add the LABEL to the Dockerfile and run `byoc build`")
