"""Rules that need a container of their own: bind-to-port (a non-default port) and sigterm (ending it)."""

import time

from .checks import LENIENT_PING_S, RuleFailure
from .config import Limits
from .probe import ping
from .target import DEFAULT_PORT, StartFailure

POLL_S = 0.2


def bind_to_port(launcher, limits: Limits) -> str:
    """Rule 2a: started with SAGEMAKER_BIND_TO_PORT=P, the container answers /ping on P."""
    port = limits.bind_port
    try:
        run = launcher.start(env={"SAGEMAKER_BIND_TO_PORT": str(port)}, ports=(port, DEFAULT_PORT), wait_port=None)
    except StartFailure as err:
        raise RuleFailure("bind-to-port", f"started with SAGEMAKER_BIND_TO_PORT={port}: {err.message}") from None
    try:
        return _watch_ports(run, port, limits)
    finally:
        run.remove()


def _watch_ports(run, port: int, limits: Limits) -> str:
    started = time.monotonic()
    default_answered = None
    while time.monotonic() - started < limits.start_deadline_s:
        if ping(run.url(port), LENIENT_PING_S).status == 200:
            return f"started with SAGEMAKER_BIND_TO_PORT={port}; port {port} answered /ping 200 after " \
                   f"{time.monotonic() - started:.1f} s"
        if default_answered is None and ping(run.url(DEFAULT_PORT), LENIENT_PING_S).status == 200:
            default_answered = time.monotonic()
        if default_answered is not None and time.monotonic() - default_answered > limits.port_grace_s:
            raise RuleFailure("bind-to-port", f"started with SAGEMAKER_BIND_TO_PORT={port}, nothing listened there "
                              f"within {limits.port_grace_s:g} s; port {DEFAULT_PORT} answered")
        if not run.is_running():
            raise RuleFailure("bind-to-port", f"started with SAGEMAKER_BIND_TO_PORT={port}, the container "
                              f"{run.state()} before port {port} answered; its log ends:\n{run.logs()}")
        time.sleep(POLL_S)
    raise RuleFailure("bind-to-port", f"started with SAGEMAKER_BIND_TO_PORT={port}, no port answered /ping "
                      f"within {limits.start_deadline_s:g} s")


def sigterm(launcher, limits: Limits) -> str:
    """Rule 11: a serving container exits within 30 s of SIGTERM (SageMaker sends SIGKILL then)."""
    try:
        run = launcher.start(deadline_s=limits.start_deadline_s)
    except StartFailure as err:
        raise RuleFailure("sigterm", f"could not get a serving container to stop: {err.message}") from None
    try:
        sent = time.monotonic()
        run.sigterm()
        status = run.wait_exit(limits.sigterm_grace_s)
        if status is None:
            raise RuleFailure("sigterm", f"sent SIGTERM to a serving container; expected it to exit within "
                              f"{limits.sigterm_grace_s:g} s; it was still running (SageMaker would SIGKILL it)")
        return f"exited with status {status} {time.monotonic() - sent:.1f} s after SIGTERM"
    finally:
        run.remove()
