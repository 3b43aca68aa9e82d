"""What the launcher takes and gives back: a ContainerPlan to start, a ContainerHandle, a NetworkHandle."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker
from docker.errors import APIError, DockerException, NotFound
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ReadTimeout
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from emulator.errors import EndpointError
from emulator.sagemaker import MODEL_DIR

log = logging.getLogger("emulator.docker.launcher")  # the launcher's logger, as before the split


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
