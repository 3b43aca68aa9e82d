"""Make sure a Docker engine answers: use DOCKER_HOST or the default socket, else install and start one."""

import os
import platform
import shutil
import subprocess
import time
from pathlib import Path

import docker
from docker.errors import DockerException

from emulator.config import DOCKERD_LOG, Settings
from emulator.errors import EngineUnavailable

START_TIMEOUT_S = 60
ELSEWHERE_HINT = (
    "install Docker (Docker Desktop on macOS/Windows, your distribution's docker package on Linux), "
    "start it, and check that `docker info` answers; or point DOCKER_HOST at a running engine"
)


def connect() -> docker.DockerClient | None:
    """Return a client of an engine that answers a ping, or None."""
    try:
        client = docker.from_env(timeout=120)
        client.ping()
        return client
    except DockerException:
        return None
    except OSError:
        return None


def ensure_engine(settings: Settings, fix: bool, say=print) -> docker.DockerClient:
    """Return a client of a working engine; with `fix`, install and start dockerd where we can."""
    client = connect()
    if client is not None:
        return client
    where = settings.docker_host or "the default socket (/var/run/docker.sock)"
    if not fix:
        raise EngineUnavailable(
            f"no Docker engine answers at {where}",
            "run `byoc doctor --fix` to install and start one (Debian/Ubuntu as root), or " + ELSEWHERE_HINT,
        )
    if settings.docker_host:
        raise EngineUnavailable(
            f"DOCKER_HOST={settings.docker_host} is set but no engine answers there",
            "start that engine, or unset DOCKER_HOST to let `byoc doctor --fix` start a local one",
        )
    _check_can_install()
    if shutil.which("dockerd") is None:
        say("docker: no engine installed; installing Debian's docker.io (apt-get) ...")
        _apt_install("docker.io")
    say(f"docker: starting dockerd in the background (log: {DOCKERD_LOG}) ...")
    _start_dockerd()
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        client = connect()
        if client is not None:
            say("docker: engine is up")
            return client
        time.sleep(0.5)
    tail = _tail(DOCKERD_LOG, 15)
    raise EngineUnavailable(
        f"dockerd was started but did not answer within {START_TIMEOUT_S} s; its log ends with:\n{tail}",
        f"read {DOCKERD_LOG}; a container sandbox may need dockerd started with --iptables=false",
    )


def _check_can_install() -> None:
    if platform.system() != "Linux":
        raise EngineUnavailable(f"no Docker engine answers and this is {platform.system()}", ELSEWHERE_HINT)
    if os.geteuid() != 0:
        raise EngineUnavailable(
            "no Docker engine answers and installing one needs root",
            "rerun `sudo byoc doctor --fix`, or " + ELSEWHERE_HINT,
        )
    if shutil.which("apt-get") is None:
        raise EngineUnavailable("no Docker engine answers and this host has no apt-get", ELSEWHERE_HINT)


def _apt_install(*packages: str) -> None:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *packages]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise EngineUnavailable(
                f"`{' '.join(cmd)}` failed (exit {done.returncode}):\n{done.stderr[-2000:]}",
                "install the packages by hand, then rerun `byoc doctor --fix`",
            )


def _start_dockerd() -> None:
    DOCKERD_LOG.parent.mkdir(parents=True, exist_ok=True)
    with open(DOCKERD_LOG, "ab") as log, open(os.devnull, "rb") as devnull:
        # Detached: its own session, no inherited stdout, so it cannot hold a CI job's output open.
        subprocess.Popen(["dockerd"], stdin=devnull, stdout=log, stderr=log, start_new_session=True, close_fds=True)


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
