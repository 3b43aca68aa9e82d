"""SageMaker-style health monitoring of a container group: an exit seen, reported, the container replaced.

`ContainerGroup` mixes this in. A `die` event from the group's ExitWatch (emulator/docker/events.py)
reaches `_exited`: the listeners hear of it (VariantHost cuts the calls under way), the container's
last log lines go to the log, and a thread starts a new container from the same plan until one
passes its ping, at most `max_restarts` times; past that the `gave_up_listeners` get SageMaker-style
FailureReason text. The endpoint's own DynamoDB stand-in is started again and reseeded.
"""

import logging
import threading
from collections.abc import Callable

from docker.errors import DockerException

from emulator.definitions.pipeline import PipelineSpec
from emulator.docker.launcher import ContainerHandle, ContainerPlan
from emulator.errors import EndpointError
from emulator.hosting.plan import MOTO_ALIAS, Access, moto_plan
from emulator.hosting.readiness import Aborted

LOG = logging.getLogger(__name__)
LOG_TAIL_LINES = 20


class HealthMonitor:
    """Replace a group's containers that exit; the group provides the state and the start steps."""

    spec: PipelineSpec
    endpoint: str
    variant: str
    session: str
    unit: str | None
    access: Access | None
    running: list
    max_restarts: int
    restarts: dict[str, int]
    handles: list[ContainerHandle]
    exit_listeners: list[Callable[[str, int | None], None]]
    replaced_listeners: list[Callable]
    gave_up_listeners: list[Callable[[str, str], None]]
    _abort: threading.Event
    _lock: threading.Lock
    _plans: dict[str, ContainerPlan]
    _current: dict[str, ContainerHandle]
    _moto: ContainerHandle | None
    _recoveries: list[threading.Thread]

    @property
    def chosen_access(self) -> Access:
        """How the host reaches the containers; chosen when the group's network is made."""
        assert self.access is not None, "access is chosen when the network is created"
        return self.access

    def exit_code_of(self, alias: str) -> int | None:
        """Ask Docker whether the container serving `alias` has exited: its exit code, else None."""
        with self._lock:
            handle = self._current.get(alias)
        if handle is None:
            return None
        try:
            return handle.exit_code()
        except DockerException as err:  # the engine did not answer: the `die` event still will
            LOG.debug("%s/%s: cannot inspect the container: %s", self.endpoint, alias, err)
            return None

    def _exited(self, container_id: str, code: int | None) -> None:
        """Handle a `die` event: tell the listeners, log the last lines, start a replacement."""
        if self._abort.is_set():
            return  # our own teardown
        with self._lock:
            alias = next((a for a, h in self._current.items() if h.id == container_id), None)
            handle = self._current.pop(alias, None) if alias is not None else None
        if alias is None or handle is None:
            if self._moto is not None and self._moto.id == container_id:
                self._spawn(self._restart_dynamodb, code)
            return  # a replacement that died while starting: its own wait notices
        for listener in list(self.exit_listeners):
            listener(alias, code)
        self._warn(
            f"{self.endpoint}/{alias} exited with code {code}; calls to it fail with ModelError until it is "
            f"replaced. Its last log lines:\n{handle.tail(LOG_TAIL_LINES)}"
        )
        self._spawn(self._replace, alias, handle, code)

    def _spawn(self, target, *args) -> None:
        """Run a recovery in its own thread, unless a teardown has begun; listed only once started.

        A teardown joins the listed recoveries: a thread listed before its start made `join` raise
        and the teardown stop halfway, leaving containers behind.
        """
        thread = threading.Thread(target=target, args=args, name=f"recover {self.endpoint}", daemon=True)
        with self._lock:
            if self._abort.is_set():
                return
            thread.start()
            self._recoveries = [t for t in self._recoveries if t.is_alive()] + [thread]

    def _replace(self, alias: str, dead: ContainerHandle, code: int | None) -> None:
        """Start a new container from the same plan until one passes its ping, or give up after the limit."""
        plan = self._plans[alias]
        self._forget(dead)
        while not self._abort.is_set():
            self.restarts[alias] = self.restarts.get(alias, 0) + 1
            if self.restarts[alias] > self.max_restarts:
                self._give_up(alias, code)
                return
            handle = None
            try:
                handle = self._run(plan)
                running = self._wait_ready(plan, handle)
            except (Aborted, EndpointError) as err:
                self._forget(handle)
                if not self._abort.is_set():
                    LOG.warning("%s/%s: a replacement failed: %s", self.endpoint, alias, err)
                continue
            with self._lock:
                if not self._abort.is_set():
                    self._current[alias] = handle
                    self.running = [running if r.hostname == alias else r for r in self.running]
            if self._abort.is_set():
                self._forget(handle)
                return
            self._warn(f"{self.endpoint}/{alias} replaced (restart {self.restarts[alias]} of {self.max_restarts})")
            for listener in list(self.replaced_listeners):
                listener(running)
            return

    def _forget(self, handle: ContainerHandle | None) -> None:
        """Remove a dead container (its name and alias become free for the replacement)."""
        if handle is None:
            return
        with self._lock:
            if handle in self.handles:
                self.handles.remove(handle)
        handle.remove()

    def _give_up(self, alias: str, code: int | None) -> None:
        # Our wording: SageMaker's own text for an instance it cannot replace is not published.
        reason = (
            f"The {alias} for production variant {self.variant} exited (last exit code {code}) and was "
            f"replaced {self.max_restarts} time(s), the limit; the endpoint is no longer served. "
            "Please check CloudWatch logs for this endpoint."
        )
        self._warn(f"{self.endpoint}/{alias}: giving up after {self.max_restarts} replacement(s)")
        for listener in list(self.gave_up_listeners):
            listener(alias, reason)

    def _restart_dynamodb(self, code: int | None) -> None:
        """Start the endpoint's own DynamoDB stand-in again and seed its tables again."""
        self._warn(f"{self.endpoint}/{MOTO_ALIAS} exited with code {code}; starting it again and reseeding")
        self._forget(self._moto)
        try:
            self._start_dynamodb(moto_plan(self.spec, self.endpoint, self.chosen_access, self.session, unit=self.unit))
        except (Aborted, EndpointError) as err:
            if not self._abort.is_set():
                self._warn(f"{self.endpoint}/{MOTO_ALIAS} could not be started again: {err}")

    # provided by ContainerGroup
    def _run(self, plan: ContainerPlan, ship: bool = True) -> ContainerHandle:
        raise NotImplementedError

    def _wait_ready(self, plan: ContainerPlan, handle: ContainerHandle):
        raise NotImplementedError

    def _start_dynamodb(self, plan: ContainerPlan) -> None:
        raise NotImplementedError

    def _warn(self, text: str) -> None:
        raise NotImplementedError
