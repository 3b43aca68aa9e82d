"""THE container launcher (the emulator and the contract suite): networks and containers through testcontainers.

Ryuk, testcontainers' reaper, is left to testcontainers' own setting (`TESTCONTAINERS_RYUK_DISABLED`):
everything started here is labelled and removed by label as well, so Ryuk is optional; the `byoc`
command turns it off by default (see `emulator.cli.main`) because its image cannot be pulled where no
registry answers. docs/contract.md ("How containers are started") says which parts of testcontainers
are used and why the rest does not fit. The plan it takes and the handles it gives back are in handles.py.
"""

import logging
import socket
import threading
import time

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound
from requests.exceptions import ConnectionError as RequestsConnectionError
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from emulator.docker import images
from emulator.docker.events import ExitCallback, ExitWatch
from emulator.docker.handles import ContainerHandle, ContainerPlan, NetworkHandle
from emulator.errors import EndpointError, SweepIncomplete
from emulator.sagemaker import MODEL_DIR

__all__ = ["RYUK_HINT", "ContainerHandle", "ContainerPlan", "DockerLayer", "NetworkHandle", "is_local_address"]

log = logging.getLogger(__name__)
SWEEP_ROUNDS = 3  # remove_labelled: rounds of containers-then-networks while a network is still in use
SWEEP_PAUSE_S = 0.5  # between rounds: a container being removed or just created settles

RYUK_HINT = (
    "testcontainers could not start its reaper (Ryuk); set TESTCONTAINERS_RYUK_DISABLED=true "
    "(byoc removes what it starts by label itself)"
)


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
        """Remove every container, then every network, carrying all `labels`; return what went.

        A network still in use ("has active endpoints": a container joined it after the listing, e.g. a
        crashed container's replacement made by a `byoc serve` still running) gets another round of
        both, up to SWEEP_ROUNDS; what is left then is a SweepIncomplete (an EndpointError) naming the
        networks and what holds them, never a traceback.
        """
        filters = {"label": [f"{k}={v}" for k, v in labels.items()]}
        removed: list[str] = []
        refused: dict[str, str] = {}
        for round_ in range(SWEEP_ROUNDS):
            if round_:
                time.sleep(SWEEP_PAUSE_S)
            removed += self._remove_containers(filters)
            refused = {}
            for network in self.client.networks.list(filters=filters):
                try:
                    network.remove()
                    removed.append(f"network {network.name}")
                except NotFound:
                    pass
                except APIError as err:
                    refused[network.name] = err.explanation or str(err)
            if not refused:
                return removed
        held = {name: ", ".join(self._attached(name)) for name in refused}
        raise SweepIncomplete(
            "could not remove "
            + "; ".join(
                f"network {name} ({why}" + (f"; attached: {held[name]})" if held[name] else ")")
                for name, why in refused.items()
            ),
            "a process may still be starting containers on it (a `byoc serve` or a test run): stop it, then run "
            "`byoc down` again",
            removed=removed,
        )

    def _remove_containers(self, filters: dict) -> list[str]:
        """Remove the containers matching `filters`; skip one that is gone or already being removed."""
        removed = []
        # ignore_removed: one removed between the listing and its inspect (a teardown beside this one) is skipped
        for container in self.client.containers.list(all=True, filters=filters, ignore_removed=True):
            try:
                container.remove(force=True, v=True)
                removed.append(f"container {container.name}")
            except NotFound:
                pass
            except APIError as err:  # 409 "removal ... is already in progress": the network round waits for it
                log.debug("could not remove %s: %s", container.name, err)
        return removed

    def _attached(self, network: str) -> list[str]:
        """Return the names of the containers still attached to `network` (none when it cannot be inspected)."""
        try:
            containers = self.client.networks.get(network).attrs.get("Containers") or {}
        except (APIError, DockerException):
            return []
        return sorted(c.get("Name", cid[:12]) for cid, c in containers.items())


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
