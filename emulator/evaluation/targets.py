"""What `byoc evaluate` calls: a definition started locally, an endpoint at --endpoint-url, or a live endpoint."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import EvaluationError

log = logging.getLogger(__name__)
DEFINITION_SUFFIXES = (".toml", ".json")
VIAS = ("invoke", "transform")


@dataclass(frozen=True)
class Target:
    """A started or reachable endpoint: the client to call it with, its name, and what kind it is."""

    client: Any
    endpoint_name: str
    kind: str  # "definition", "local" (--endpoint-url) or "live"


def is_definition(target: str | Path) -> bool:
    """Tell whether TARGET names a definition file rather than an endpoint."""
    return isinstance(target, Path) or target.endswith(DEFINITION_SUFFIXES) or Path(target).is_file()


@contextmanager
def open_target(
    target: str | Path,
    endpoint_url: str | None = None,
    region: str | None = None,
    via: str = "invoke",
    startup_timeout_s: float | None = None,
) -> Iterator[Target]:
    """Yield a Target; a definition's containers run for the block and are removed after it."""
    if via not in VIAS:
        raise EvaluationError(f"--via {via!r} is unknown", f"use one of: {', '.join(VIAS)}")
    if via == "transform":
        raise EvaluationError(
            "--via transform is not available for this target yet: byoc evaluate sends rows with InvokeEndpoint only",
            "use --via invoke (the default); `byoc transform` runs a batch transform job on its own",
        )
    if is_definition(target):
        if endpoint_url:
            raise EvaluationError(
                f"{target} is a definition file, but --endpoint-url was given too",
                "drop --endpoint-url to start the definition locally, or pass an endpoint name",
            )
        with _started(target, startup_timeout_s) as started:
            yield started
        return
    yield Target(_client(endpoint_url, region), str(target), "local" if endpoint_url else "live")


@contextmanager
def _started(path: str | Path, startup_timeout_s: float | None) -> Iterator[Target]:
    """Start a definition with the public LocalEndpoint API for the duration of the run."""
    from emulator import LocalEndpoint

    options = {} if startup_timeout_s is None else {"startup_timeout_s": startup_timeout_s}
    log.info("starting %s locally", path)
    with LocalEndpoint(path, stream_logs=False, **options) as endpoint:
        yield Target(endpoint.client(), endpoint.name, "definition")


def _client(endpoint_url: str | None, region: str | None):
    """Return a sagemaker-runtime client: local (dummy credentials) at endpoint_url, else boto3's own chain."""
    if endpoint_url:
        from emulator import runtime_client

        return runtime_client(endpoint_url, region or "us-east-1")
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        return boto3.client("sagemaker-runtime", region_name=region)
    except BotoCoreError as err:
        raise EvaluationError(
            f"cannot make a SageMaker Runtime client: {err}",
            "set AWS_REGION (or pass --region), or pass --endpoint-url for a local endpoint",
        ) from None
