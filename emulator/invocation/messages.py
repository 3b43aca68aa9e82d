"""What an invocation carries: the caller's Invocation, the Answer it gets, and the Hop a pipeline calls."""

from dataclasses import dataclass
from typing import Protocol

from emulator.invocation.hops import HopResponse


@dataclass(frozen=True)
class Invocation:
    """What the caller sent to InvokeEndpoint."""

    body: bytes
    content_type: str | None = None
    accept: str | None = None
    custom_attributes: str | None = None
    target_hostname: str | None = None
    inference_id: str | None = None


@dataclass(frozen=True)
class Answer:
    """What goes back to the caller, with each container's latency in call order."""

    body: bytes
    content_type: str | None
    custom_attributes: str | None
    latencies_ms: dict[str, float]


class Hop(Protocol):
    """One container's `/invocations`; `post` raises HopUnreachable on refused/reset/timeout."""

    hostname: str

    def post(self, body: bytes, headers: dict[str, str], timeout_s: float) -> HopResponse: ...
