"""The pipeline definition's data model: PipelineSpec and its ContainerSpecs (TableSpec: local.py)."""

from dataclasses import dataclass, field
from pathlib import Path

from emulator.definitions.local import TableSpec


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
