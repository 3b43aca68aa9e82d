"""What to check: targets (image, model, sample request) from a TOML file, the command line or a pipeline."""

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from emulator.definitions.fields import Invalid
from emulator.definitions.local import parse_local
from emulator.definitions.pipeline import ContainerSpec, PipelineSpec, TableSpec
from emulator.errors import ByocError
from emulator.sagemaker import (
    INVOCATION_TIMEOUT_S,
    MAX_REQUEST_BYTES,
    PING_TIMEOUT_S,
    SIGTERM_GRACE_S,
    STARTUP_DEADLINE_S,
)

CONTENT_TYPES_BY_SUFFIX = {".csv": "text/csv", ".json": "application/json", ".jsonl": "application/jsonlines"}
TARGET_KEYS = {
    "name",
    "image",
    "model",
    "sample",
    "content_type",
    "accept",
    "returns",
    "environment",
    "dynamodb",
    "wrong_shape",
}


class TargetError(ByocError):
    """A target definition (TOML file or command-line options) is incomplete or wrong."""


@dataclass(frozen=True)
class Limits:
    """The numbers of the hosting contract the checks hold an image to."""

    start_deadline_s: float = STARTUP_DEADLINE_S  # /ping must answer 200 within this after start
    ping_timeout_s: float = PING_TIMEOUT_S  # each /ping must answer within this
    invoke_timeout_s: float = INVOCATION_TIMEOUT_S  # each /invocations must answer within this
    port_grace_s: float = 5.0  # how long bind-to-port waits once 8080 answered instead
    sigterm_grace_s: float = SIGTERM_GRACE_S  # SIGKILL follows SIGTERM after this
    concurrency: int = 16  # requests sent at once
    large_body_bytes: int = MAX_REQUEST_BYTES - 1024  # just under the 6 MiB payload limit
    bind_port: int = 23456  # the non-default SAGEMAKER_BIND_TO_PORT tried


@dataclass(frozen=True)
class TargetConfig:
    """One image to check, started the way SageMaker starts it."""

    name: str
    image: str
    model: Path | None = None  # model.tar.gz or folder, mounted read-only at /opt/ml/model
    sample: bytes | None = None  # None in a pipeline: the previous container's answer
    content_type: str = "text/csv"
    accept: tuple[str, ...] = ()  # Content-Types it claims to accept (besides content_type)
    returns: str | None = None  # the Content-Type it claims to answer with
    environment: dict[str, str] = field(default_factory=dict)
    tables: tuple[TableSpec, ...] = ()  # DynamoDB tables it needs, served by a moto side service
    wrong_shape: bytes | None = None  # a well-formed body of the wrong shape (default: derived)
    hostname: str | None = None

    @property
    def accepted(self) -> tuple[str, ...]:
        return (self.content_type, *self.accept)


@dataclass(frozen=True)
class PipelineConfig:
    """A serial pipeline: its containers as targets, and the sample request sent to the first."""

    name: str
    targets: tuple[TargetConfig, ...]
    sample: bytes
    content_type: str
    region: str = "us-east-1"


def name_of_image(image: str) -> str:
    """Return a short test id for an image, e.g. `featurizer` for `byoc/featurizer:latest`."""
    last = image.rsplit("/", 1)[-1]
    return last.split("@")[0].split(":")[0]


def content_type_of(path: Path, given: str | None) -> str:
    """Return the given Content-Type, or the one the sample file's suffix implies."""
    if given:
        return given
    if path.suffix.lower() in CONTENT_TYPES_BY_SUFFIX:
        return CONTENT_TYPES_BY_SUFFIX[path.suffix.lower()]
    raise TargetError(
        f"cannot tell the Content-Type of sample {path}", "give it with --content-type (or content_type = ...)"
    )


def read_sample(path: Path) -> bytes:
    """Return a sample request's bytes."""
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise TargetError(f"cannot read sample request {path}: {err.strerror}", "give an existing file") from None


def env_pair(item: str, option: str) -> tuple[str, str]:
    """Return (KEY, VALUE) of an `option` KEY=VALUE item, or raise TargetError naming the option."""
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise TargetError(f"{option} {item!r} is not KEY=VALUE", f"write it like {option} AGENT_TABLE=Agents")
    return key, value


def model_path(path: str | Path | None, where: str) -> Path | None:
    """Return a model's path (a model.tar.gz or a folder), or raise TargetError when nothing is there."""
    if path is None:
        return None
    if not Path(path).exists():
        raise TargetError(f"{where} {path} does not exist", "give a model.tar.gz or a model folder that exists")
    return Path(path)


def tables_from_seeds(seeds: list[str], base_dir: Path) -> tuple[TableSpec, ...]:
    """Return the tables of seed files `{"table": CreateTable kwargs, "items": [...]}` (the emulator's own parser)."""
    try:
        return parse_local({"DynamoDBTables": [{"Seed": str(seed)} for seed in seeds]}, base_dir)[1]
    except Invalid as err:
        raise TargetError(
            f"DynamoDB seed: {err}", err.hint or 'give {"table": {CreateTable kwargs}, "items": [...]}'
        ) from None


def from_options(
    images: list[str],
    model: str | None = None,
    sample: str | None = None,
    content_type: str | None = None,
    accept: Sequence[str] = (),
    returns: str | None = None,
    environment: dict[str, str] | None = None,
) -> list[TargetConfig]:
    """Return one target per image, all sharing the model and sample given on the command line."""
    if not sample:
        raise TargetError(
            "no sample request given",
            "give --sample FILE (pytest: --byoc-sample FILE), a request body the image answers with 2xx",
        )
    body, ctype = read_sample(Path(sample)), content_type_of(Path(sample), content_type)
    names = _unique([name_of_image(image) for image in images])
    return [
        TargetConfig(
            name, image, model_path(model, "--model"), body, ctype, tuple(accept), returns, dict(environment or {})
        )
        for name, image in zip(names, images, strict=False)
    ]


def load_target(path: Path) -> TargetConfig:
    """Return the target a TOML file describes; paths in it are relative to the file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise TargetError(f"cannot read target file {path}: {err}", "give a readable TOML file") from None
    unknown = set(data) - TARGET_KEYS
    if unknown or "image" not in data or "sample" not in data:
        raise TargetError(
            f"target file {path}: unknown keys {sorted(unknown)} or missing image/sample",
            f"use only {', '.join(sorted(TARGET_KEYS))}; image and sample are required",
        )
    here = path.parent
    sample = here / data["sample"]
    seeds = data.get("dynamodb", {}).get("seeds", [])
    return TargetConfig(
        name=data.get("name", path.stem),
        image=data["image"],
        model=model_path(here / data["model"], f"target file {path}: model") if data.get("model") else None,
        sample=read_sample(sample),
        content_type=content_type_of(sample, data.get("content_type")),
        accept=tuple(data.get("accept", ())),
        returns=data.get("returns"),
        environment={k: str(v) for k, v in data.get("environment", {}).items()},
        tables=tables_from_seeds(seeds, here),
        wrong_shape=data["wrong_shape"].encode() if "wrong_shape" in data else None,
    )


def from_pipeline(spec: PipelineSpec, sample: str | None = None, content_type: str | None = None) -> PipelineConfig:
    """Return a pipeline's containers as targets; the sample defaults to `sample.*` beside the first model."""
    remote = [c.model_data for c in spec.containers if isinstance(c.model_data, str)]
    if remote:
        raise TargetError(
            f"the contract suite reads models from this machine; {remote[0]} is in S3",
            "give each ModelDataUrl as a local model.tar.gz or folder for the contract suite",
        )
    sample_path = Path(sample) if sample else _sample_beside(spec.containers[0])
    targets = _unique([f"{spec.name}-{c.hostname}" for c in spec.containers])
    configs = tuple(
        TargetConfig(
            name,
            c.image,
            None if isinstance(c.model_data, str) else c.model_data,  # s3:// was refused above
            None,
            "",
            environment=dict(c.environment),
            tables=spec.tables,
            hostname=c.hostname,
        )
        for name, c in zip(targets, spec.containers, strict=False)
    )
    body = read_sample(sample_path)
    ctype = content_type_of(sample_path, content_type)
    first = replace(configs[0], sample=body, content_type=ctype)
    return PipelineConfig(spec.name, (first, *configs[1:]), body, ctype, spec.region)


def _sample_beside(container: ContainerSpec) -> Path:
    model = container.model_data
    assert not isinstance(model, str)  # from_pipeline refused s3:// models
    folder = None if model is None else (model.parent if model.is_file() else model)
    found = sorted(folder.glob("sample.*")) if folder and folder.is_dir() else []
    if not found:
        raise TargetError(
            f"no sample request beside the first container's model ({model})",
            "give one with --sample FILE (and --content-type when its suffix does not say)",
        )
    return found[0]


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return result
