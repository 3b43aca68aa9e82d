"""THE container launcher (the emulator and the contract suite): networks and containers through testcontainers.

Ryuk, testcontainers' reaper, is left to testcontainers' own setting (`TESTCONTAINERS_RYUK_DISABLED`):
everything started here is labelled and removed by label as well, so Ryuk is optional; the `byoc`
command turns it off by default (see `emulator.cli.main`) because its image cannot be pulled where no
registry answers. docs/contract.md ("How containers are started") says which parts of testcontainers
are used and why the rest does not fit.
"""

import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ReadTimeout
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from emulator.docker import images
from emulator.docker.events import ExitCallback, ExitWatch
from emulator.errors import EndpointError
from emulator.sagemaker import MODEL_DIR

log = logging.getLogger(__name__)
RYUK_HINT = (
    "testcontainers could not start its reaper (Ryuk); set TESTCONTAINERS_RYUK_DISABLED=true "
    "(byoc removes what it starts by label itself)"
)


@dataclass(frozen=True)
class ContainerPlan:
    """Everything needed to start one container: image, name, alias, env, labels, ports, model."""

    name: str
    image: str
    alias: str
    env: dict[str, str]
    labels: dict[str, str]
    ports: tuple[int, ...] = ()  # container ports to publish on the host (empty: reach by IP)
    publish_ip: str = "127.0.0.1"  # host interface the published ports bind to
    host_ports: dict[int, int] = field(default_factory=dict)  # fixed host port per container port (else any free)
    model_dir: Path | None = None  # mounted read-only at /opt/ml/model
    command: str | None = "serve"
    extra: dict = field(default_factory=dict)


class ContainerHandle:
    """A started container: its address, state, signals, mounts, logs and removal."""

    def __init__(self, wrapper: DockerContainer, network: str | None):
        self._wrapper = wrapper
        self._container = wrapper.get_wrapped_container()
        self._network = network
        self.id = self._container.id
        self.name = self._container.name

    def ip(self) -> str:
        """Return the container's address on its network."""
        self._container.reload()
        networks = self._container.attrs["NetworkSettings"]["Networks"]
        return networks[self._network or next(iter(networks))]["IPAddress"]

    def host_port(self, port: int) -> int:
        """Return the host port the engine published for a container port."""
        bindings = self._container.client.api.port(self.id, port)
        if not bindings:
            raise EndpointError(
                f"container {self.name} has no published port for {port}",
                f"it may have exited at once; read its log with `docker logs {self.name}`",
            )
        return int(bindings[0]["HostPort"])

    def exit_code(self) -> int | None:
        """Return the exit code once the container has stopped, else None (-1 when it is gone)."""
        try:
            self._container.reload()
        except NotFound:
            return -1
        if self._container.status in ("exited", "dead"):
            return int(self._container.attrs["State"].get("ExitCode", -1))
        return None

    def state(self) -> str:
        """Return `running`, or e.g. `exited with status 1`."""
        code = self.exit_code()
        return "running" if code is None else f"exited with status {code}"

    def wait_exit(self, timeout_s: float | None = None) -> int | None:
        """Block on Docker's wait API until the container stops; return its exit code, None on timeout."""
        while True:
            try:
                return int(self._container.wait(timeout=timeout_s or 3600).get("StatusCode", -1))
            except (ReadTimeout, RequestsConnectionError) as err:
                if timeout_s is not None or not isinstance(err, ReadTimeout):
                    return None
            except NotFound:
                return -1
            except (APIError, DockerException):
                return None

    def signal(self, name: str = "SIGTERM") -> None:
        """Send a signal to the container's main process."""
        try:
            self._container.kill(signal=name)
        except (APIError, NotFound) as err:
            log.debug("signal %s to %s failed: %s", name, self.name, err)

    def mount(self, destination: str = MODEL_DIR) -> dict | None:
        """Return the inspected mount at `destination` (Source, RW, ...), or None."""
        self._container.reload()
        return next((m for m in self._container.attrs.get("Mounts", []) if m.get("Destination") == destination), None)

    def tail(self, lines: int = 20) -> str:
        """Return the container's last log lines."""
        try:
            text = self._container.logs(tail=lines).decode(errors="replace").rstrip()
        except (APIError, NotFound):
            return "(no logs: the container is gone)"
        return text or "(none: it has written nothing yet)"

    def stream(self) -> Iterator[bytes]:
        """Yield the container's output as it comes, until it stops."""
        return self._container.logs(stream=True, follow=True)

    def remove(self) -> None:
        """Remove the container at once (SIGKILL)."""
        try:
            self._container.remove(force=True, v=True)
        except (NotFound, APIError):
            pass

    def connect(self, network: str, alias: str) -> None:
        """Join another network, reachable there as `alias`."""
        try:
            self._container.client.networks.get(network).connect(self.id, aliases=[alias])
        except (APIError, NotFound) as err:
            raise EndpointError(
                f"could not connect {self.name} to network {network}: {err}",
                "check that both still exist (`docker network ls`)",
            ) from None

    def disconnect(self, network: str) -> None:
        """Leave a network; nothing happens when either is gone already."""
        try:
            self._container.client.networks.get(network).disconnect(self.id, force=True)
        except NotFound:
            pass
        except APIError as err:
            if "is not connected" not in str(err):
                raise EndpointError(
                    f"could not disconnect {self.name} from network {network}: {err}",
                    "run `byoc down` to remove everything the project labelled",
                ) from None


class NetworkHandle:
    """A created network: its name, gateway and removal."""

    def __init__(self, network: Network, client: docker.DockerClient):
        self.network = network
        self.name = network.name
        self._client = client

    def gateway(self) -> str | None:
        """Return the network's gateway address, or None when Docker reports none."""
        attrs = self._client.networks.get(self.network.id).attrs
        configs = attrs.get("IPAM", {}).get("Config") or [{}]
        return configs[0].get("Gateway")

    def remove(self) -> None:
        """Remove the network."""
        try:
            self.network.remove()
        except NotFound:
            pass


class DockerLayer:
    """Create networks and run containers; list and remove labelled leftovers."""

    def __init__(self, client: docker.DockerClient | None = None):
        self._client = client
        self._info: dict | None = None

    @property
    def client(self) -> docker.DockerClient:
        """Return a client of the engine, connecting on first use."""
        if self._client is None:
            try:
                self._client = docker.from_env(timeout=120)
                self._client.ping()
            except DockerException as err:
                raise EndpointError(f"no Docker engine answers: {err}", "run `byoc doctor --fix`") from None
        return self._client

    def info(self) -> dict:
        """Return the engine's `docker info`, asked once."""
        if self._info is None:
            self._info = self.client.info()
        return self._info

    def engine_os(self) -> str:
        """Return the engine's OperatingSystem line (e.g. "Docker Desktop")."""
        return str(self.info().get("OperatingSystem", ""))

    def engine_cpus(self) -> int:
        """Return the CPUs the engine runs containers on (`docker info` NCPU; at least 1)."""
        try:
            return max(1, int(self.info().get("NCPU") or 1))
        except (TypeError, ValueError):
            return 1

    def has_image(self, ref: str) -> bool:
        """Return True when the engine holds `ref`."""
        return images.has_image(self.client, ref)

    def pull(self, ref: str, timeout_s: float) -> bool:
        """Pull `ref` when a registry gives it within `timeout_s`; return whether the engine now holds it."""
        outcome: list[bool] = []

        def attempt() -> None:
            try:
                self.client.images.pull(ref)
                outcome.append(True)
            except (APIError, DockerException, RequestsConnectionError, ValueError):
                outcome.append(False)

        worker = threading.Thread(target=attempt, name=f"pull {ref}", daemon=True)
        worker.start()
        worker.join(timeout_s)  # a registry that never answers: give up here, the engine gives up later
        return bool(outcome and outcome[0]) and self.has_image(ref)

    def image_config(self, ref: str) -> dict | None:
        """Return an image's inspected Config (Entrypoint, Cmd, Labels, ...), or None when it is absent."""
        try:
            return self.client.images.get(ref).attrs.get("Config") or {}
        except ImageNotFound:
            return None

    def image_labels(self, ref: str) -> dict[str, str] | None:
        """Return an image's labels, or None when the engine does not hold it."""
        config = self.image_config(ref)
        return None if config is None else (config.get("Labels") or {})

    def watch_exits(self, labels: dict[str, str], on_exit: ExitCallback, name: str = "exits") -> ExitWatch:
        """Start calling `on_exit(container_id, code)` whenever a container carrying `labels` dies."""
        return ExitWatch(self.client, labels, on_exit, name).start()

    def create_network(self, name: str, labels: dict[str, str], internal: bool = False) -> NetworkHandle:
        """Create a bridge network carrying `labels`; `internal`: no route out of it (network isolation)."""
        network = Network(docker_network_kw={"labels": labels, "driver": "bridge", "internal": internal})
        network.name = name
        return NetworkHandle(network.create(), self.client)

    def run(self, plan: ContainerPlan, network: NetworkHandle | None = None) -> ContainerHandle:
        """Start one container as `plan` says, on `network` (or Docker's default bridge)."""
        wrapper = DockerContainer(plan.image).with_name(plan.name).with_envs(**plan.env)
        if network is not None:
            wrapper.with_network(network.network).with_network_aliases(plan.alias)
        if plan.command:
            wrapper.with_command(plan.command)
        for port in plan.ports:
            wrapper.with_bind_ports(port, (plan.publish_ip, plan.host_ports.get(port)))
        if plan.model_dir is not None:
            wrapper.with_volume_mapping(str(plan.model_dir), MODEL_DIR, "ro")
        wrapper.with_kwargs(labels=plan.labels, **plan.extra)
        try:
            wrapper.start()
        except (APIError, DockerException) as err:
            self._remove_created(plan)
            ryuk = not testcontainers_config.ryuk_disabled and "ryuk" in str(err).lower()
            raise EndpointError(
                f"could not start {plan.alias} ({plan.image}): {err}",
                RYUK_HINT if ryuk else "check `docker info` and the image",
            ) from None
        log.debug("started %s (%s) as %s", plan.alias, plan.image, plan.name)
        return ContainerHandle(wrapper, network.name if network else None)

    def _remove_created(self, plan: ContainerPlan) -> None:
        """Remove the container `run` created but could not start (Docker creates, then starts, it).

        Otherwise it stays behind in state Created: e.g. a replacement whose network a teardown
        removed between the two steps, after the teardown's own sweep by label.
        """
        try:
            container = self.client.containers.get(plan.name)
            if all(container.labels.get(k) == v for k, v in plan.labels.items()):  # ours, not a namesake
                container.remove(force=True, v=True)
        except NotFound:
            pass
        except (APIError, DockerException) as err:
            log.warning("could not remove %s, created but not started: %s", plan.name, err)

    def remove_labelled(self, labels: dict[str, str]) -> list[str]:
        """Remove every container, then every network, carrying all `labels`; return what went."""
        filters = {"label": [f"{k}={v}" for k, v in labels.items()]}
        removed = []
        # ignore_removed: one removed between the listing and its inspect (a teardown beside this one) is skipped
        for container in self.client.containers.list(all=True, filters=filters, ignore_removed=True):
            try:
                container.remove(force=True, v=True)
                removed.append(f"container {container.name}")
            except NotFound:
                pass
        for network in self.client.networks.list(filters=filters):
            try:
                network.remove()
                removed.append(f"network {network.name}")
            except NotFound:
                pass
        return removed


def is_local_address(ip: str | None) -> bool:
    """Return True when `ip` belongs to this host (so Docker's bridge is routable from here)."""
    if not ip:
        return False
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((ip, 0))
        return True
    except OSError:
        return False
