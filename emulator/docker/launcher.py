"""The thin Docker layer the runtime drives: networks and containers through testcontainers, Ryuk off."""

import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import docker
from requests.exceptions import ConnectionError as RequestsConnectionError, ReadTimeout
from docker.errors import APIError, DockerException, ImageNotFound, NotFound
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from emulator.docker import images
from emulator.errors import EndpointError
from emulator.sagemaker import MODEL_DIR

# Ryuk cannot be pulled where no registry answers, and we clean up by label ourselves.
testcontainers_config.ryuk_disabled = True



@dataclass(frozen=True)
class ContainerPlan:
    """Everything needed to start one container: image, name, alias, env, labels, ports, model."""

    name: str
    image: str
    alias: str
    env: dict[str, str]
    labels: dict[str, str]
    ports: tuple[int, ...] = ()          # container ports to publish on the host (empty: reach by IP)
    publish_ip: str = "127.0.0.1"        # host interface the published ports bind to
    host_ports: dict[int, int] = field(default_factory=dict)   # fixed host port per container port (else any free)
    model_dir: Path | None = None
    command: str | None = "serve"
    extra: dict = field(default_factory=dict)


class ContainerHandle:
    """A started container: its address, state, logs and removal."""

    def __init__(self, wrapper: DockerContainer, network: str):
        self._wrapper = wrapper
        self._container = wrapper.get_wrapped_container()
        self._network = network
        self.id = self._container.id
        self.name = self._container.name

    def ip(self) -> str:
        """Return the container's address on the endpoint's network."""
        self._container.reload()
        return self._container.attrs["NetworkSettings"]["Networks"][self._network]["IPAddress"]

    def host_port(self, port: int) -> int:
        """Return the host port published for a container port."""
        bindings = self._container.client.api.port(self.id, port)
        if not bindings:
            raise EndpointError(f"container {self.name} has no published port for {port}", "run `byoc down` and retry")
        return int(bindings[0]["HostPort"])

    def exit_code(self) -> int | None:
        """Return the exit code once the container has stopped, else None."""
        try:
            self._container.reload()
        except NotFound:
            return -1
        if self._container.status in ("exited", "dead"):
            return int(self._container.attrs["State"].get("ExitCode", -1))
        return None

    def wait_exit(self) -> int | None:
        """Block until the container stops and return its exit code (None when Docker cannot tell)."""
        while True:
            try:
                return int(self._container.wait(timeout=3600).get("StatusCode", -1))
            except ReadTimeout:
                continue
            except NotFound:
                return -1
            except (APIError, DockerException, RequestsConnectionError):
                return None

    def tail(self, lines: int = 20) -> str:
        """Return the container's last log lines."""
        try:
            return self._container.logs(tail=lines).decode(errors="replace").rstrip()
        except (APIError, NotFound):
            return "(no logs: the container is gone)"

    def stream(self) -> Iterator[bytes]:
        """Yield the container's output as it comes, until it stops."""
        return self._container.logs(stream=True, follow=True)

    def remove(self) -> None:
        """Remove the container at once (SIGKILL)."""
        try:
            self._container.remove(force=True, v=True)
        except NotFound:
            pass

    def connect(self, network: str, alias: str) -> None:
        """Join another network, reachable there as `alias`."""
        try:
            self._container.client.networks.get(network).connect(self.id, aliases=[alias])
        except (APIError, NotFound) as err:
            raise EndpointError(f"could not connect {self.name} to network {network}: {err}",
                                "check that both still exist (`docker network ls`)") from None

    def disconnect(self, network: str) -> None:
        """Leave a network; nothing happens when either is gone already."""
        try:
            self._container.client.networks.get(network).disconnect(self.id, force=True)
        except NotFound:
            pass
        except APIError as err:
            if "is not connected" not in str(err):
                raise EndpointError(f"could not disconnect {self.name} from network {network}: {err}",
                                    "run `byoc down` to remove everything the project labelled") from None


class NetworkHandle:
    """A created network: its name, gateway and removal."""

    def __init__(self, network: Network):
        self._network = network
        self.name = network.name

    def gateway(self) -> str | None:
        """Return the network's gateway address, or None when Docker reports none."""
        net = self._network._unwrap_network
        net.reload()
        configs = net.attrs.get("IPAM", {}).get("Config") or [{}]
        return configs[0].get("Gateway")

    def remove(self) -> None:
        """Remove the network."""
        try:
            self._network.remove()
        except NotFound:
            pass


class DockerLayer:
    """Create networks and run containers for the runtime; list and remove labelled leftovers."""

    def __init__(self, client: docker.DockerClient | None = None):
        self._client = client

    @property
    def client(self) -> docker.DockerClient:
        """Return a client of the engine, connecting on first use."""
        if self._client is None:
            try:
                self._client = docker.from_env()
                self._client.ping()
            except DockerException as err:
                raise EndpointError(f"no Docker engine answers: {err}", "run `byoc doctor --fix`") from None
        return self._client

    def engine_os(self) -> str:
        """Return the engine's OperatingSystem line (e.g. "Docker Desktop")."""
        return str(self.client.info().get("OperatingSystem", ""))

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

    def image_labels(self, ref: str) -> dict[str, str] | None:
        """Return an image's labels, or None when the engine does not hold it."""
        try:
            return self.client.images.get(ref).labels or {}
        except ImageNotFound:
            return None

    def create_network(self, name: str, labels: dict[str, str]) -> NetworkHandle:
        """Create a bridge network carrying `labels`."""
        network = Network(docker_network_kw={"labels": labels, "driver": "bridge"})
        network.name = name
        return NetworkHandle(network.create())

    def run(self, plan: ContainerPlan, network: NetworkHandle) -> ContainerHandle:
        """Start one container on `network` as `plan` says."""
        wrapper = DockerContainer(plan.image).with_name(plan.name).with_envs(**plan.env)
        wrapper.with_network(_NamedNetwork(network.name)).with_network_aliases(plan.alias)
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
            raise EndpointError(f"could not start {plan.alias} ({plan.image}): {err}", "check `docker info` and the image") from None
        return ContainerHandle(wrapper, network.name)

    def remove_labelled(self, labels: dict[str, str]) -> list[str]:
        """Remove every container, then every network, carrying all `labels`; return what went."""
        filters = {"label": [f"{k}={v}" for k, v in labels.items()]}
        removed = []
        for container in self.client.containers.list(all=True, filters=filters):
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


class _NamedNetwork:
    """Just enough of testcontainers' Network for `with_network`: a name."""

    def __init__(self, name: str):
        self.name = name


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
