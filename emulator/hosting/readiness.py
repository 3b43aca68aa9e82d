"""Wait for a container's /ping to answer 200, fast, and say why when it never does."""

import http.client
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from emulator.sagemaker import PING_TIMEOUT_S

CONNECT_TIMEOUT_S = 0.5  # a live container accepts or refuses at once; only a vanished address hangs
POLL_INTERVAL_S = 0.05
STATE_EVERY_S = 0.25  # ask Docker whether the container exited at most this often


class NotHealthy(Exception):
    """A container exited or did not answer /ping with 200 before the deadline."""


class Aborted(Exception):
    """Another container failed; stop waiting."""


class Target(Protocol):
    """What the wait needs from a container: a ping per container port, and its exit code."""

    def ping(self, port: int) -> int | None: ...

    def exit_code(self) -> int | None: ...


@dataclass(frozen=True)
class Healthy:
    """The container port that answered, and how long it took."""

    port: int
    seconds: float


def ping_url(host: str, port: int, timeout_s: float = PING_TIMEOUT_S) -> int | None:
    """Return the status of GET /ping at host:port, or None when nothing answers."""
    conn = http.client.HTTPConnection(host, port, timeout=min(CONNECT_TIMEOUT_S, timeout_s))
    try:
        conn.connect()
        conn.sock.settimeout(timeout_s)
        conn.request("GET", "/ping")
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def wait_healthy(
    target: Target,
    bind_port: int,
    fallback_port: int,
    deadline_s: float,
    abort: threading.Event,
    interval_s: float = POLL_INTERVAL_S,
    clock: Callable[[], float] = time.monotonic,
) -> Healthy:
    """Poll until /ping answers 200 on the bind port (or only on the fallback port); raise NotHealthy."""
    started = clock()
    checked = None
    while True:
        if abort.is_set():
            raise Aborted()
        port = _answering_port(target, bind_port, fallback_port)
        if port is not None:
            return Healthy(port, clock() - started)
        if checked is None or clock() - checked >= STATE_EVERY_S:  # by time: a dead address makes pings slow
            checked = clock()
            code = target.exit_code()
            if code is not None:
                raise NotHealthy(f"it exited with code {code}")
        if clock() - started >= deadline_s:
            raise NotHealthy(f"/ping did not answer 200 within {deadline_s:g} s")
        abort.wait(interval_s)


def _answering_port(target: Target, bind_port: int, fallback_port: int) -> int | None:
    if target.ping(bind_port) == 200:
        return bind_port
    if bind_port != fallback_port and target.ping(fallback_port) == 200:
        return bind_port if target.ping(bind_port) == 200 else fallback_port
    return None
