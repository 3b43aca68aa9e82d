"""The smoke test: the definition's sample through InvokeEndpoint, and its answer beside the local emulator's.

sample = sample_of(spec)                                      # sample.* beside the first model (as the contract suite)
answer = invoke(runtime, "abalone", sample)
differences(answer, local_answer(spec, sample), tolerance=1e-4)   # [] when they agree
"""

import math
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from emulator.config import PARITY_TOLERANCE
from emulator.definitions.pipeline import PipelineSpec
from emulator.live.plan import DeployError

CONTENT_TYPES = {".csv": "text/csv", ".json": "application/json", ".jsonl": "application/jsonlines"}


@dataclass(frozen=True)
class Sample:
    """A request body and its Content-Type."""

    body: bytes
    content_type: str
    source: Path | None = None


def sample_of(spec: PipelineSpec, given: Path | None = None, content_type: str | None = None) -> Sample:
    """Return `given`, or the `sample.*` beside the first container's model (the contract suite's pipeline sample)."""
    path = given
    if path is None:
        model = spec.containers[0].model_data
        folder = (
            model if isinstance(model, Path) and model.is_dir() else model.parent if isinstance(model, Path) else None
        )
        found = sorted(folder.glob("sample.*")) if folder is not None else []
        if not found:
            raise DeployError(
                f"no sample request beside the first container's model ({model})",
                "give one with --sample FILE, or skip the smoke test with --no-smoke",
            )
        path = found[0]
    ctype = content_type or CONTENT_TYPES.get(path.suffix.lower())
    if ctype is None:
        raise DeployError(f"cannot tell the Content-Type of sample {path}", "give it with --content-type")
    try:
        return Sample(path.read_bytes(), ctype, path)
    except OSError as err:
        raise DeployError(
            f"cannot read sample {path}: {err.strerror}", "pass --sample FILE, a readable request body"
        ) from None


def invoke(runtime, name: str, sample: Sample) -> bytes:
    """Send the sample to endpoint `name` through InvokeEndpoint and return the answer's body."""
    try:
        answer = runtime.invoke_endpoint(EndpointName=name, ContentType=sample.content_type, Body=sample.body)
        return answer["Body"].read()
    except (BotoCoreError, ClientError) as err:
        raise DeployError(f"smoke test: InvokeEndpoint {name} failed: {err}", "read the endpoint's logs") from None


def local_answer(spec: PipelineSpec, sample: Sample) -> bytes:
    """Return the local emulator's answer to the sample (the definition started here, then stopped)."""
    from emulator.hosting.endpoint import LocalEndpoint

    with LocalEndpoint(spec, name=f"{spec.name[:55].rstrip('-')}-parity", stream_logs=False) as local:
        answer = local.client().invoke_endpoint(
            EndpointName=local.name, ContentType=sample.content_type, Body=sample.body
        )
        return answer["Body"].read()


def differences(live: bytes, local: bytes, tolerance: float = PARITY_TOLERANCE) -> list[str]:
    """Return how the two answers differ beyond `tolerance` (numbers by absolute difference, other fields exactly)."""
    a, b = _fields(live), _fields(local)
    if len(a) != len(b):
        return [f"{len(a)} fields live, {len(b)} locally"]
    found = []
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        nx, ny = _number(x), _number(y)
        if nx is not None and ny is not None:
            if not math.isclose(nx, ny, rel_tol=0.0, abs_tol=tolerance):
                found.append(f"field {i}: {x} live, {y} locally (|difference| {abs(nx - ny):.3g} > {tolerance:g})")
        elif x != y:
            found.append(f"field {i}: {x!r} live, {y!r} locally")
    return found


def _fields(body: bytes) -> list[str]:
    text = body.decode("utf-8", errors="replace")
    for separator in ",\n[]{}:\"' \t\r":
        text = text.replace(separator, " ")
    return text.split()


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
