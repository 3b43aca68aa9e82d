"""Rules on a container of their own, started with SAGEMAKER_BIND_TO_PORT: bind-to-port, then sigterm (ending it).

One container serves both (one start fewer per image): bind-to-port watches which port answers, sigterm then
stops the same container, on whichever port it serves.
"""

import time

from emulator.hosting.readiness import NotHealthy
from emulator.sagemaker import BIND_TO_PORT_ENV, DEFAULT_PORT

from .config import Limits
from .verdict import RuleFailure


def start(launcher, limits: Limits):
    """Start the target with SAGEMAKER_BIND_TO_PORT set, both ports published; do not wait (the rules do)."""
    return launcher.start(
        env={BIND_TO_PORT_ENV: str(limits.bind_port)}, ports=(limits.bind_port, DEFAULT_PORT), wait_port=None
    )


def bind_to_port(run, limits: Limits) -> str:
    """Started with SAGEMAKER_BIND_TO_PORT=P, the container answers /ping on P (the emulator's readiness wait)."""
    port, said = limits.bind_port, f"started with {BIND_TO_PORT_ENV}={limits.bind_port}"
    try:
        healthy = run.wait_ready(port, DEFAULT_PORT, limits.start_deadline_s)
        if healthy.port != port:  # 8080 answered first: give the given port a grace period
            healthy = run.wait_ready(port, port, limits.port_grace_s)
        return f"{said}; port {port} answered /ping 200 after {healthy.seconds:.1f} s"
    except NotHealthy as err:
        if run.is_running() and run.ping(DEFAULT_PORT) == 200:
            raise RuleFailure(
                "bind-to-port",
                f"{said}, nothing listened there within {limits.port_grace_s:g} s; "
                f"port {DEFAULT_PORT} answered instead",
            ) from None
        raise RuleFailure(
            "bind-to-port",
            f"{said}, no port answered /ping: {err}; the container {run.state()}, its log ends:\n{run.logs()}",
        ) from None


def sigterm(run, limits: Limits) -> str:
    """A serving container exits within 30 s of SIGTERM (SageMaker sends SIGKILL then); Docker's wait API times it."""
    try:
        run.wait_ready(limits.bind_port, DEFAULT_PORT, limits.start_deadline_s)
    except NotHealthy as err:
        raise RuleFailure(
            "sigterm", f"could not get a serving container to stop: {err}; its log ends:\n{run.logs()}"
        ) from None
    sent = time.monotonic()
    run.sigterm()
    status = run.wait_exit(limits.sigterm_grace_s)
    if status is None:
        raise RuleFailure(
            "sigterm",
            f"sent SIGTERM to a serving container; expected it to exit within "
            f"{limits.sigterm_grace_s:g} s; it was still running (SageMaker would SIGKILL it)",
        )
    return f"exited with status {status} {time.monotonic() - sent:.1f} s after SIGTERM"
