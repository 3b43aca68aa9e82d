"""One production variant served: a ContainerGroup started, then an invocation Pipeline over its containers.

host = VariantHost(spec, "abalone", "AllTraffic", settings)
pipeline = host.start()        # every /ping green; raises EndpointError (ContainerFailed) otherwise
...
host.stop()                    # containers and network removed
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from emulator.definitions.pipeline import PipelineSpec
from emulator.docker.launcher import DockerLayer
from emulator.hosting.group import DEFAULT_DEADLINE_S, ContainerGroup
from emulator.hosting.plan import Access
from emulator.invocation.chain import Pipeline
from emulator.invocation.hops import HopResponse, HopUnreachable, HttpHop
from emulator.sagemaker import INVOCATION_TIMEOUT_S, log_group


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
    """An HttpHop that fails at once, naming the exit, after its container has exited."""

    def __init__(self, hop: HttpHop):
        self.hop = hop
        self.hostname = hop.hostname
        self.gone: str | None = None

    def post(self, body: bytes, headers: dict[str, str], timeout_s: float) -> HopResponse:
        """POST to the container, unless it is known to be gone."""
        if self.gone is not None:
            raise HopUnreachable(self.hostname, self.gone)
        return self.hop.post(body, headers, timeout_s)

    def mark_gone(self, code: int | None) -> None:
        """Record that the container exited and drop its pooled connections."""
        self.gone = f"the container exited (code {code})"
        self.hop.close()

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
        self.pipeline: Pipeline | None = None
        self._hops: list[WatchedHop] = []

    def start(self) -> Pipeline:
        """Start the containers (every /ping green) and return the pipeline over them."""
        running = self.group.start()
        if self.settings.access is None:
            self.settings.access = self.group.access  # decided once, shared by later hosts
        self._hops = [WatchedHop(HttpHop(r.hostname, r.url)) for r in running]
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

    def stop(self) -> None:
        """Close the connections, then remove every container and the network; safe to call twice."""
        for hop in self._hops:
            hop.close()
        self.group.stop()
