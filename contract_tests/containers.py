"""Start an image under test as SageMaker does, through THE launcher (emulator.docker.launcher).

Argument `serve`, the model mounted read-only at /opt/ml/model, ports published on 127.0.0.1, labelled
so `byoc down` finds leftovers; readiness is the emulator's own /ping wait (emulator.hosting.readiness).
"""

import logging
import tempfile
import threading
import uuid
from pathlib import Path

from emulator.config import LABEL, LABEL_VALUE, SESSION_LABEL
from emulator.docker.launcher import ContainerHandle, ContainerPlan, DockerLayer, NetworkHandle
from emulator.errors import ByocError
from emulator.hosting.modeldata import unpack_model
from emulator.hosting.plan import SESSION
from emulator.hosting.readiness import Healthy, NotHealthy, ping_url, wait_healthy
from emulator.sagemaker import DEFAULT_PORT

from .config import TargetConfig

log = logging.getLogger(__name__)
LOG_TAIL = 15
HOST = "127.0.0.1"
READY_PING_TIMEOUT_S = 10.0  # lenient: a slow ping is the ping rule's business, not the start's
# on every container and network the suite makes: byoc's, and this run's (its JUnit gives byoc_session)
LABELS = {LABEL: LABEL_VALUE, SESSION_LABEL: SESSION}


class StartFailure(ByocError):
    """A container under test could not be started, or never answered /ping."""


class Run:
    """One started container: where its ports are published, its state, and how to stop it."""

    def __init__(self, handle: ContainerHandle, ports: dict[int, int], env: dict[str, str]):
        self.handle, self.ports, self.env = handle, ports, env
        self.ready_after_s: float | None = None

    def url(self, port: int = DEFAULT_PORT) -> str:
        return f"http://{HOST}:{self.ports[port]}"

    def ping(self, port: int) -> int | None:
        """Return the status of GET /ping on a container port (the readiness wait's view)."""
        return ping_url(HOST, self.ports[port], READY_PING_TIMEOUT_S)

    def exit_code(self) -> int | None:
        return self.handle.exit_code()

    def is_running(self) -> bool:
        return self.handle.exit_code() is None

    def state(self) -> str:
        return self.handle.state()

    def logs(self, tail: int = LOG_TAIL) -> str:
        return self.handle.tail(tail)

    def model_mount(self) -> dict | None:
        return self.handle.mount()

    def sigterm(self) -> None:
        self.handle.signal("SIGTERM")

    def wait_exit(self, timeout_s: float) -> int | None:
        """Return the exit status, or None when still running after `timeout_s` (Docker's wait API)."""
        return self.handle.wait_exit(timeout_s)

    def wait_ready(self, port: int, fallback: int, deadline_s: float) -> Healthy:
        """Wait for /ping 200 on `port` (or only on `fallback`); raise NotHealthy."""
        return wait_healthy(self, port, fallback, deadline_s, threading.Event())

    def remove(self) -> None:
        self.handle.remove()


class Launcher:
    """Start containers of one target; every start is a fresh container."""

    def __init__(
        self,
        docker: DockerLayer,
        config: TargetConfig,
        network: NetworkHandle | None = None,
        extra_env: dict[str, str] | None = None,
    ):
        self.docker, self.config, self.network = docker, config, network
        self.extra_env = dict(extra_env or {})
        self.runs: list[Run] = []
        self._empty_model: tempfile.TemporaryDirectory | None = None

    def image_attrs(self) -> dict:
        """Return the image's inspected Config (Entrypoint, Cmd, Labels, ...)."""
        config = self.docker.image_config(self.config.image)
        if config is None:
            raise StartFailure(
                f"image {self.config.image} is not present",
                "build or load it first (`docker images` lists what is there)",
            )
        return config

    def model_folder(self) -> Path:
        """Return the host folder to mount at /opt/ml/model (an empty one when no model is given)."""
        if self.config.model is not None:
            return unpack_model(Path(self.config.model))
        if self._empty_model is None:
            self._empty_model = tempfile.TemporaryDirectory(prefix="byoc-empty-model-")
            Path(self._empty_model.name).chmod(0o755)
        return Path(self._empty_model.name)

    def start(
        self,
        env: dict[str, str] | None = None,
        ports: tuple[int, ...] = (DEFAULT_PORT,),
        wait_port: int | None = DEFAULT_PORT,
        deadline_s: float = 240.0,
    ) -> Run:
        """Start `IMAGE serve`; wait for /ping 200 on `wait_port` unless it is None."""
        self.image_attrs()
        full_env = {**self.config.environment, **self.extra_env, **(env or {})}
        plan = ContainerPlan(
            name=f"byoc-contract-{self.config.name[:40]}-{uuid.uuid4().hex[:6]}",
            image=self.config.image,
            alias=self.config.hostname or self.config.name[:60],
            env=full_env,
            labels=LABELS,
            ports=ports,
            model_dir=self.model_folder(),
        )
        try:
            handle = self.docker.run(plan, self.network)
        except ByocError as err:
            raise StartFailure(err.message, err.hint) from None
        run = Run(handle, {}, full_env)
        self.runs.append(run)
        try:
            run.ports = {port: handle.host_port(port) for port in ports}
            if wait_port is not None:
                run.ready_after_s = run.wait_ready(wait_port, wait_port, deadline_s).seconds
        except (ByocError, NotHealthy) as err:
            raise self._failed(run, wait_port, deadline_s, err) from None
        log.debug("%s serves on %s", self.config.image, run.ports)
        return run

    def _failed(self, run: Run, port: int | None, deadline_s: float, err: Exception) -> StartFailure:
        state, logs = run.state(), run.logs()
        run.remove()
        what = (
            f"did not answer GET /ping with 200 on port {port} within {deadline_s:g} s ({err})"
            if isinstance(err, NotHealthy)
            else f"exited before its ports were published ({err})"
        )
        return StartFailure(
            f"{self.config.image} {what}; container {state}; its log ends:\n{logs}",
            f"start it by hand with `docker run {self.config.image} serve` and read its log",
        )

    def close(self) -> None:
        """Remove every container this launcher started that is still there."""
        for run in self.runs:
            run.remove()
        if self._empty_model is not None:
            self._empty_model.cleanup()
