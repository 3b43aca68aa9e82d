"""One production variant served: a ContainerGroup started, then an invocation Pipeline over its containers.

host = VariantHost(spec, "abalone", "AllTraffic", settings)
pipeline = host.start()        # every /ping green; raises EndpointError (ContainerFailed) otherwise
...
host.stop()                    # containers and network removed
"""

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from emulator.definitions.pipeline import PipelineSpec
from emulator.docker.launcher import DockerLayer
from emulator.hosting.group import DEFAULT_DEADLINE_S, ContainerGroup, Running
from emulator.hosting.plan import Access
from emulator.invocation.chain import Pipeline
from emulator.invocation.hops import HopResponse, HopUnreachable, HttpHop
from emulator.sagemaker import INVOCATION_TIMEOUT_S, log_group

EXIT_NOTICE_S = 0.5  # how long a broken call waits for Docker to say whether its container exited
EXIT_PROBE_S = 0.1  # meanwhile, how often it asks Docker itself (a loaded engine sends its `die` event late)


@dataclass
class HostSettings:
    """What every variant host of one local SageMaker shares: Docker, access, deadlines, logs."""

    docker: DockerLayer | None = None
    access: Access | None = None
    startup_timeout_s: float = DEFAULT_DEADLINE_S
    invocation_timeout_s: float = INVOCATION_TIMEOUT_S
    stream_logs: bool = True
    log_sink: TextIO | None = None
    say: Callable[[str], None] | None = None
    group_options: dict = field(default_factory=dict)  # extra ContainerGroup arguments (tests: ping, dynamodb)

    def layer(self) -> DockerLayer:
        """Return the Docker layer, made once on first use."""
        if self.docker is None:
            self.docker = DockerLayer()
        return self.docker


class WatchedHop:
    """An HttpHop that fails at once, naming the exit, while its container is gone; swapped on replacement."""

    def __init__(self, hop: HttpHop, exit_code: Callable[[], int | None] | None = None):
        self.hop = hop
        self.hostname = hop.hostname
        self.gone: str | None = None
        self.exit_code = exit_code  # asks Docker whether the container has exited (its code), else None
        self._changed = threading.Condition()

    def post(self, body: bytes, headers: dict[str, str], timeout_s: float) -> HopResponse:
        """POST to the container, unless it is known to be gone; a call cut by its exit names the exit."""
        hop, gone = self.hop, self.gone
        if gone is not None:
            raise HopUnreachable(self.hostname, gone, exited=True)
        try:
            return hop.post(body, headers, timeout_s)
        except HopUnreachable as err:
            if err.timed_out:
                raise
            gone = self._exit_of(hop)
            if gone is None:
                raise
            raise HopUnreachable(self.hostname, gone, exited=True) from None

    def _exit_of(self, hop: HttpHop) -> str | None:
        """Return why `hop`'s container is gone, waiting briefly: the connection may break before Docker says so.

        Waits for the `die` event (mark_gone), and asks Docker itself every EXIT_PROBE_S meanwhile.
        """
        deadline = time.monotonic() + EXIT_NOTICE_S
        while True:
            with self._changed:
                step = min(EXIT_PROBE_S, deadline - time.monotonic())
                self._changed.wait_for(lambda: self.gone is not None or self.hop is not hop, max(step, 0))
                if self.hop is not hop:
                    return None
                if self.gone is not None:
                    return self.gone
            code = self.exit_code() if self.exit_code is not None else None
            if code is not None:
                return _gone(code)
            if time.monotonic() >= deadline:
                return None

    def mark_gone(self, code: int | None) -> None:
        """Record that the container exited and cut its connections: calls under way fail now."""
        with self._changed:
            self.gone = _gone(code)
            self._changed.notify_all()
        self.hop.abort()

    def replace(self, hop: HttpHop) -> None:
        """Send the next calls to `hop` (the replacement container)."""
        with self._changed:
            old, self.hop, self.gone = self.hop, hop, None
            self._changed.notify_all()
        old.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self.hop.close()


class VariantHost:
    """The containers of one variant of one endpoint, and the Pipeline that calls them."""

    def __init__(
        self,
        spec: PipelineSpec,
        endpoint: str,
        variant: str,
        settings: HostSettings,
        unit: str | None = None,
        startup_timeout_s: float | None = None,
    ):
        self.spec, self.endpoint, self.variant = spec, endpoint, variant
        self.settings = settings
        self.group = ContainerGroup(
            spec,
            endpoint,
            deadline_s=startup_timeout_s or settings.startup_timeout_s,
            docker=settings.layer(),
            access=settings.access,
            variant=variant,
            log_sink=settings.log_sink,
            stream_logs=settings.stream_logs,
            say=settings.say,
            unit=unit,
            **settings.group_options,
        )
        self.group.exit_listeners.append(self._container_exited)
        self.group.replaced_listeners.append(self._container_replaced)
        self.group.gave_up_listeners.append(self._gave_up)
        self.on_failed: Callable[[str], None] | None = None  # called with a FailureReason when it gives up
        self.pipeline: Pipeline | None = None
        self._hops: list[WatchedHop] = []

    def start(self) -> Pipeline:
        """Start the containers (every /ping green) and return the pipeline over them."""
        running = self.group.start()
        if self.settings.access is None:
            self.settings.access = self.group.access  # decided once, shared by later hosts
        self._hops = [
            WatchedHop(HttpHop(r.hostname, r.url), functools.partial(self.group.exit_code_of, r.hostname))
            for r in running
        ]
        self.pipeline = Pipeline(
            self.endpoint,
            self._hops,
            mode=self.spec.mode,
            variant=self.variant,
            timeout_s=self.settings.invocation_timeout_s,
            region=self.spec.region,
            log_group=log_group(self.endpoint),
        )
        return self.pipeline

    def _container_exited(self, hostname: str, code: int | None) -> None:
        for hop in self._hops:
            if hop.hostname == hostname:
                hop.mark_gone(code)

    def _container_replaced(self, running: Running) -> None:
        for hop in self._hops:
            if hop.hostname == running.hostname:
                hop.replace(HttpHop(running.hostname, running.url))

    def _gave_up(self, hostname: str, reason: str) -> None:
        if self.on_failed is not None:
            self.on_failed(reason)

    def stop(self) -> None:
        """Close the connections, then remove every container and the network; safe to call twice."""
        for hop in self._hops:
            hop.close()
        self.group.stop()


def _gone(code: int | None) -> str:
    return f"exited with code {code}; the endpoint is replacing it"
