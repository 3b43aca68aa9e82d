"""Start an image under test as SageMaker does: argument `serve`, model read-only, published ports, labelled."""

import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from emulator.config import LABEL, LABEL_VALUE
from emulator.errors import ByocError
from emulator.hosting.modeldata import unpack_model

from .config import TargetConfig
from .probe import wait_for_ping

MODEL_DIR = "/opt/ml/model"
DEFAULT_PORT = 8080
LOG_TAIL = 15


class StartFailure(ByocError):
    """A container under test could not be started, or never answered /ping."""


@dataclass
class Run:
    """One started container: where its ports are published, and how to stop it."""

    container: object
    ports: dict[int, int]                      # container port -> host port on 127.0.0.1
    ready_after_s: float | None = None         # seconds from start to the first /ping 200
    env: dict[str, str] = field(default_factory=dict)

    def url(self, port: int = DEFAULT_PORT) -> str:
        return f"http://127.0.0.1:{self.ports[port]}"

    def is_running(self) -> bool:
        try:
            self.container.reload()
        except NotFound:
            return False
        return self.container.status in ("created", "running")

    def state(self) -> str:
        """Return e.g. `running` or `exited with status 1`."""
        if self.is_running():
            return "running"
        code = self.container.attrs.get("State", {}).get("ExitCode")
        return f"exited with status {code}"

    def logs(self, tail: int = LOG_TAIL) -> str:
        try:
            return self.container.logs(tail=tail).decode("utf-8", "replace").rstrip()
        except DockerException:
            return "(no logs)"

    def model_mount(self) -> dict | None:
        """Return the inspected mount at /opt/ml/model, or None."""
        self.container.reload()
        return next((m for m in self.container.attrs.get("Mounts", []) if m.get("Destination") == MODEL_DIR), None)

    def sigterm(self) -> None:
        self.container.kill(signal="SIGTERM")

    def wait_exit(self, timeout_s: float) -> int | None:
        """Return the exit status, or None when still running after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.is_running():
                return self.container.attrs.get("State", {}).get("ExitCode")
            time.sleep(0.1)
        return None

    def remove(self) -> None:
        try:
            self.container.remove(force=True)
        except (NotFound, APIError):
            pass


class Launcher:
    """Start containers of one target; every start is a fresh container."""

    def __init__(self, client: docker.DockerClient, config: TargetConfig, network: str | None = None,
                 extra_env: dict[str, str] | None = None):
        self.client, self.config, self.network = client, config, network
        self.extra_env = dict(extra_env or {})
        self.runs: list[Run] = []
        self._empty_model: tempfile.TemporaryDirectory | None = None

    def image_attrs(self) -> dict:
        """Return the image's inspected Config (Entrypoint, Cmd, Labels, ...)."""
        try:
            return self.client.images.get(self.config.image).attrs.get("Config") or {}
        except ImageNotFound:
            raise StartFailure(f"image {self.config.image} is not present",
                               "build or load it first (`docker images` lists what is there)") from None

    def model_folder(self) -> str:
        """Return the host folder to mount at /opt/ml/model (an empty one when no model is given)."""
        if self.config.model is not None:
            return str(unpack_model(Path(self.config.model)))
        if self._empty_model is None:
            self._empty_model = tempfile.TemporaryDirectory(prefix="byoc-empty-model-")
            Path(self._empty_model.name).chmod(0o755)
        return self._empty_model.name

    def start(self, env: dict[str, str] | None = None, ports: tuple[int, ...] = (DEFAULT_PORT,),
              wait_port: int | None = DEFAULT_PORT, deadline_s: float = 240.0) -> Run:
        """Start `IMAGE serve`; wait for /ping 200 on `wait_port` unless it is None."""
        self.image_attrs()
        full_env = {**self.config.environment, **self.extra_env, **(env or {})}
        try:
            container = self.client.containers.run(
                self.config.image, ["serve"], detach=True, environment=full_env,
                name=f"byoc-contract-{self.config.name[:40]}-{uuid.uuid4().hex[:6]}",
                labels={LABEL: LABEL_VALUE}, network=self.network,
                ports={f"{p}/tcp": ("127.0.0.1", None) for p in ports},
                volumes={self.model_folder(): {"bind": MODEL_DIR, "mode": "ro"}},
            )
        except (APIError, DockerException) as err:
            raise StartFailure(f"docker could not start {self.config.image}: {err}", "check `docker info`") from None
        run = Run(container, {}, env=full_env)
        self.runs.append(run)
        try:
            run.ports = _published(container, ports)
        except StartFailure:
            run.remove()
            raise
        if wait_port is not None:
            self._wait(run, wait_port, deadline_s)
        return run

    def _wait(self, run: Run, port: int, deadline_s: float) -> None:
        seconds, last = wait_for_ping(run.url(port), deadline_s, alive=run.is_running)
        if seconds is None:
            state, logs = run.state(), run.logs()
            run.remove()
            raise StartFailure(
                f"{self.config.image} did not answer GET /ping with 200 on port {port} within {deadline_s:g} s "
                f"(last: {last.describe()}; container {state}); its log ends:\n{logs}",
                "start it by hand with `docker run IMAGE serve` and read its log",
            )
        run.ready_after_s = seconds

    def close(self) -> None:
        """Remove every container this launcher started that is still there."""
        for run in self.runs:
            run.remove()
        if self._empty_model is not None:
            self._empty_model.cleanup()


def _published(container, ports: tuple[int, ...]) -> dict[int, int]:
    """Return container port -> host port, once the engine has published them."""
    for _ in range(50):
        container.reload()
        bound = container.attrs.get("NetworkSettings", {}).get("Ports") or {}
        found = {p: int(bound[f"{p}/tcp"][0]["HostPort"]) for p in ports if bound.get(f"{p}/tcp")}
        if len(found) == len(ports):
            return found
        if container.status == "exited":
            break
        time.sleep(0.1)
    logs = container.logs(tail=LOG_TAIL).decode("utf-8", "replace")
    raise StartFailure(f"{container.name} exited before its ports were published; its log ends:\n{logs}",
                       "start it by hand with `docker run IMAGE serve` and read its log")
