"""The limits a transform job runs with, and the environment its containers get.

Developer guide, "Use Your Own Inference Code with Batch Transform": before the first invocation
SageMaker asks the container's optional `GET /execution-parameters` for MaxConcurrentTransforms,
BatchStrategy and MaxPayloadInMB, and takes each value from, in order, the CreateTransformJob request,
the container's answer, the defaults. The guide's example answer spells the strategy "MULTI_RECORD";
AWS's own containers also answer "MultiRecord": both are accepted.
"""

import json
from dataclasses import dataclass
from typing import Any

from .batching import STRATEGIES
from .errors import ExecutionParametersError
from .settings import DEFAULT_MAX_PAYLOAD_IN_MB, MAX_PAYLOAD_IN_MB, TransformSettings

DEFAULT_MAX_CONCURRENT_TRANSFORMS = 1  # "If the execution-parameters endpoint is not enabled, the default value is 1"
DEFAULT_BATCH_STRATEGY = (
    "MultiRecord"  # SageMaker logs "BatchStrategy=MULTI_RECORD" when none is given (aws/amazon-sagemaker-examples#1620)
)
STRATEGY_ENV = {"MultiRecord": "MULTI_RECORD", "SingleRecord": "SINGLE_RECORD"}


@dataclass(frozen=True)
class ExecutionParameters:
    """A container's answer to GET /execution-parameters; None where it gave nothing."""

    max_concurrent_transforms: int | None = None
    batch_strategy: str | None = None
    max_payload_in_mb: int | None = None


@dataclass(frozen=True)
class Limits:
    """The values a job runs with after the order of precedence: API, then container, then default."""

    batch_strategy: str
    max_payload_in_mb: int
    max_concurrent_transforms: int


def parse_execution_parameters(answer: bytes | str | dict) -> ExecutionParameters:
    """Return what a container's GET /execution-parameters answered; both spellings of a strategy accepted."""
    try:
        doc = answer if isinstance(answer, dict) else json.loads(answer)
    except ValueError as err:
        raise ExecutionParametersError(f"/execution-parameters answered with no JSON object ({err})") from None
    if not isinstance(doc, dict):
        raise ExecutionParametersError(f"/execution-parameters must answer a JSON object, got {type(doc).__name__}")
    return ExecutionParameters(
        _positive(doc, "MaxConcurrentTransforms"),
        _strategy(doc.get("BatchStrategy")),
        _positive(doc, "MaxPayloadInMB", allow_zero=True),
    )


def _positive(doc: dict, key: str, allow_zero: bool = False) -> int | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < (0 if allow_zero else 1):
        raise ExecutionParametersError(
            f"/execution-parameters gave {key}={value!r}; it must be a whole number {'>= 0' if allow_zero else '>= 1'}"
        )
    return value


def _strategy(value: Any) -> str | None:
    if value is None:
        return None
    spelled = str(value).replace("_", "").lower()
    for strategy in STRATEGIES:
        if spelled == strategy.lower():
            return strategy
    raise ExecutionParametersError(
        f"/execution-parameters gave BatchStrategy={value!r}; expected MultiRecord "
        "(MULTI_RECORD) or SingleRecord (SINGLE_RECORD)"
    )


def resolve(s: TransformSettings, container: ExecutionParameters | None = None) -> Limits:
    """Return the limits to run with: the API's value, else the container's, else SageMaker's default."""
    container = container or ExecutionParameters()
    limits = Limits(
        batch_strategy=s.batch_strategy or container.batch_strategy or DEFAULT_BATCH_STRATEGY,
        max_payload_in_mb=_first(s.max_payload_in_mb, container.max_payload_in_mb, DEFAULT_MAX_PAYLOAD_IN_MB),
        max_concurrent_transforms=s.max_concurrent_transforms
        or container.max_concurrent_transforms
        or DEFAULT_MAX_CONCURRENT_TRANSFORMS,
    )
    if limits.max_payload_in_mb > MAX_PAYLOAD_IN_MB:
        raise ExecutionParametersError(
            f"/execution-parameters gave MaxPayloadInMB={limits.max_payload_in_mb}, "
            f"over SageMaker's {MAX_PAYLOAD_IN_MB} MB"
        )
    return limits


def _first(*values: int | None) -> int:
    return next(v for v in values if v is not None)


def container_environment(model_environment: dict[str, str], s: TransformSettings) -> dict[str, str]:
    """Return a container's environment in a transform job: the model's, the job's, and SAGEMAKER_*.

    Developer guide: SAGEMAKER_BATCH "is always set to true"; the other three "come from the API call
    made by the user. If the user doesn't set values for them, they aren't passed."
    """
    env = {**model_environment, **s.environment, "SAGEMAKER_BATCH": "true"}
    if s.max_payload_in_mb is not None:
        env["SAGEMAKER_MAX_PAYLOAD_IN_MB"] = str(s.max_payload_in_mb)
    if s.batch_strategy is not None:
        env["SAGEMAKER_BATCH_STRATEGY"] = STRATEGY_ENV[s.batch_strategy]
    if s.max_concurrent_transforms:
        env["SAGEMAKER_MAX_CONCURRENT_TRANSFORMS"] = str(s.max_concurrent_transforms)
    return env
