"""Tear a container group down: containers, network and log shipping removed, leftovers swept by label."""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from emulator.docker.events import ExitWatch
from emulator.docker.launcher import ContainerHandle, DockerLayer, NetworkHandle
from emulator.errors import EndpointError
from emulator.hosting.cloudwatch import LogShipper

FOLLOWER_GRACE_S = 2.0
RECOVERY_JOIN_S = 30.0
LOG = logging.getLogger(__name__)


class GroupTeardown:
    """Stop a group's start and remove all it made (mixed into ContainerGroup, which provides the state)."""

    endpoint: str
    docker: DockerLayer
    aws: Any  # the session's LocalAws, or None
    network: NetworkHandle | None
    handles: list[ContainerHandle]
    shipper: LogShipper | None
    _exits: ExitWatch | None
    _lock: threading.Lock
    _abort: threading.Event
    _current: dict[str, ContainerHandle]
    _recoveries: list[threading.Thread]
    _followers: list[threading.Thread]

    def abort(self) -> None:
        """Make a start under way in another thread give up soon (stop() removes what it made)."""
        self._abort.set()

    def stop(self) -> None:
        """Remove every container and the network this runtime made; safe to call twice."""
        self._abort.set()
        exits, self._exits = self._exits, None
        if exits is not None:
            exits.close()
        with self._lock:
            recoveries = list(self._recoveries)
        for recovery in recoveries:  # they see the abort and remove what they started
            if recovery is not threading.current_thread():
                recovery.join(RECOVERY_JOIN_S)
        with self._lock:
            handles, self.handles = self.handles, []
            self._current.clear()
        errors = []
        with ThreadPoolExecutor(max_workers=max(1, len(handles))) as pool:
            for future in [pool.submit(handle.remove) for handle in handles]:
                try:
                    future.result()
                except Exception as err:  # keep removing the rest, then report
                    errors.append(str(err))
        network, self.network = self.network, None
        shipper, self.shipper = self.shipper, None
        if shipper is not None:
            for follower in self._followers:  # they end with their containers: their last lines count
                follower.join(FOLLOWER_GRACE_S)
            shipper.close()
        try:
            if network is not None and self.aws is not None:
                self.aws.detach(network.name)  # a network with the session's moto on it cannot go
            if network is not None:
                network.remove()
        except Exception as err:
            errors.append(str(err))
        try:
            swept = self.docker.remove_labelled(self.labels)  # anything a failed start created but never handed back
        except Exception as err:
            errors.append(str(err))
        else:  # nothing carrying this group's labels is left: earlier errors were mended by the sweep
            if errors:
                LOG.warning("%s: %s; removed by label instead: %s", self.endpoint, "; ".join(errors), ", ".join(swept))
            errors = []
        if errors:
            raise EndpointError(
                f"tearing down endpoint {self.endpoint} left things behind: {'; '.join(errors)}",
                "run `byoc down` to remove everything the project labelled",
            )

    # provided by ContainerGroup
    @property
    def labels(self) -> dict[str, str]:
        raise NotImplementedError
