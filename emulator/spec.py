"""Pipeline definitions: the data model (here) and loading/validation (filled in by the emulator work).

A definition maps one to one onto SageMaker's CreateModel request, plus the side services the
pipeline needs locally. Everything downstream (runtime, forwarder, contract tests) consumes these
dataclasses, never the raw TOML/JSON.
"""

from dataclasses import dataclass, field
from pathlib import Path


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
