"""What the control plane remembers: models, endpoint configs, endpoints and their status, as plain records.

Field names here are ours (snake_case); AWS's names appear only where `emulator.api.control`
renders a record. Times are epoch seconds, as botocore's JSON parser reads a `Timestamp`.
"""

import enum
import threading
from dataclasses import dataclass, field
from typing import Any

from emulator.definitions.pipeline import PipelineSpec
from emulator.transform import Limits, TransformResult, TransformSettings


class EndpointStatus(str, enum.Enum):
    """An endpoint's lifecycle, named as SageMaker's EndpointStatus enum (sagemaker/2017-07-24)."""

    OUT_OF_SERVICE = "OutOfService"
    CREATING = "Creating"
    UPDATING = "Updating"
    SYSTEM_UPDATING = "SystemUpdating"
    ROLLING_BACK = "RollingBack"
    IN_SERVICE = "InService"
    DELETING = "Deleting"
    FAILED = "Failed"
    UPDATE_ROLLBACK_FAILED = "UpdateRollbackFailed"

    @property
    def serving(self) -> bool:
        """Return whether the endpoint answers InvokeEndpoint in this status."""
        return self in (
            EndpointStatus.IN_SERVICE,
            EndpointStatus.UPDATING,
            EndpointStatus.ROLLING_BACK,
            EndpointStatus.SYSTEM_UPDATING,
        )

    @property
    def in_progress(self) -> bool:
        """Return whether an operation is under way (SageMaker refuses another one then)."""
        return self in (
            EndpointStatus.CREATING,
            EndpointStatus.UPDATING,
            EndpointStatus.ROLLING_BACK,
            EndpointStatus.SYSTEM_UPDATING,
            EndpointStatus.DELETING,
        )


@dataclass(frozen=True)
class Model:
    """A created model: its containers as a PipelineSpec and the request as it was given."""

    name: str
    arn: str
    spec: PipelineSpec
    request: dict  # CreateModel's fields (without Tags), echoed by DescribeModel
    created: float


@dataclass(frozen=True)
class Variant:
    """One ProductionVariant of an endpoint config."""

    name: str
    model_name: str
    weight: float = 1.0
    instance_count: int = 1
    instance_type: str | None = None
    startup_timeout_s: float | None = None  # ContainerStartupHealthCheckTimeoutInSeconds


@dataclass(frozen=True)
class EndpointConfig:
    """A created endpoint config: its variants and the request as it was given."""

    name: str
    arn: str
    variants: tuple[Variant, ...]
    request: dict
    created: float


@dataclass
class VariantState:
    """A variant as an endpoint serves it: current and desired weight and instance count."""

    name: str
    images: tuple[str, ...]
    weight: float
    instance_count: int
    desired_weight: float | None = None
    desired_instance_count: int | None = None


@dataclass
class Endpoint:
    """An endpoint: its config, status, and what its variants serve. Mutated only under the store's lock."""

    name: str
    arn: str
    config_name: str
    status: EndpointStatus
    created: float
    modified: float
    failure_reason: str | None = None
    variants: list[VariantState] = field(default_factory=list)
    deployment: Any = None  # the hosting side's handle for the serving containers
    pending: Any = None  # a deployment being started (create or update)
    error: BaseException | None = field(default=None, repr=False)  # why the last create/update failed
    worker: threading.Thread | None = field(default=None, repr=False)  # the thread of the operation under way


class TransformJobStatus(str, enum.Enum):
    """A transform job's lifecycle, named as SageMaker's TransformJobStatus enum (sagemaker/2017-07-24)."""

    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"

    @property
    def finished(self) -> bool:
        """Return whether the job has ended (the waiter transform_job_completed_or_stopped stops on these)."""
        return self in (TransformJobStatus.COMPLETED, TransformJobStatus.FAILED, TransformJobStatus.STOPPED)


@dataclass
class TransformJob:
    """A transform job: its model, settings, status and times. Mutated only under the store's lock."""

    name: str
    arn: str
    model_name: str
    settings: TransformSettings
    request: dict  # CreateTransformJob's fields (without Tags), echoed by DescribeTransformJob
    status: TransformJobStatus
    created: float
    modified: float
    started: float | None = None  # TransformStartTime
    ended: float | None = None  # TransformEndTime
    failure_reason: str | None = None
    limits: Limits | None = None  # once the first container answered /execution-parameters (or did not)
    result: TransformResult | None = field(default=None, repr=False)
    stop: threading.Event = field(default_factory=threading.Event, repr=False)  # StopTransformJob
    worker: object | None = field(default=None, repr=False)
