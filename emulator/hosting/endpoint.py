"""`LocalEndpoint`: one definition served as a local SageMaker endpoint, through the control plane's Create* calls.

    with LocalEndpoint("fixtures/pipelines/support.toml") as ep:
        runtime = ep.client()          # boto3 sagemaker-runtime client, dummy credentials
        runtime.invoke_endpoint(EndpointName=ep.name, ContentType="text/csv", Body=b"...")

It starts a `LocalSageMaker` of its own (or uses the one given) and calls `deploy`: CreateModel,
CreateEndpointConfig (one variant, AllTraffic), CreateEndpoint, then waits for InService.
"""

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from emulator.aws import local_client
from emulator.definitions.pipeline import PipelineSpec, load_pipeline
from emulator.docker.launcher import DockerLayer
from emulator.errors import EndpointError
from emulator.hosting.group import DEFAULT_DEADLINE_S, ContainerGroup, Running
from emulator.hosting.localaws import LocalAws
from emulator.hosting.plan import Access
from emulator.hosting.service import LocalSageMaker
from emulator.hosting.variant import HostSettings, VariantHost
from emulator.invocation.chain import Pipeline
from emulator.resources.records import EndpointStatus
from emulator.sagemaker import NAME_RE  # SageMaker's EndpointName pattern


def runtime_client(url: str, region: str = "us-east-1"):
    """Return a boto3 sagemaker-runtime client for a local endpoint URL, with dummy credentials."""
    return local_client("sagemaker-runtime", url, region)


def check_endpoint_name(name: str) -> str:
    """Return `name` when SageMaker would accept it as an EndpointName, else raise EndpointError."""
    if not NAME_RE.match(name):
        raise EndpointError(
            f"endpoint name {name!r} breaks SageMaker's rule: 1 to 63 letters, digits and "
            "hyphens, starting and ending with a letter or digit",
            "pass another --name",
        )
    return name


class LocalEndpoint:
    """One endpoint of real containers behind a local SageMaker; a context manager."""

    def __init__(
        self,
        definition: str | Path | PipelineSpec,
        name: str | None = None,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        sagemaker: LocalSageMaker | None = None,
        startup_timeout_s: float = DEFAULT_DEADLINE_S,
        invocation_timeout_s: float = 60.0,
        stream_logs: bool = True,
        log_sink: TextIO | None = None,
        say: Callable[[str], None] | None = None,
        docker: DockerLayer | None = None,
        access: Access | None = None,
        aws: LocalAws | None = None,
    ):
        self.spec = definition if isinstance(definition, PipelineSpec) else load_pipeline(Path(definition))
        self.name = check_endpoint_name(name or self.spec.name)
        self._own = sagemaker is None
        settings = HostSettings(docker, access, startup_timeout_s, invocation_timeout_s, stream_logs, log_sink, say)
        self.sagemaker = sagemaker or LocalSageMaker(port, host, self.spec.region, settings, aws=aws, owner=self.name)
        self.startup_timeout_s = startup_timeout_s
        self.ready_s: float | None = None
        self._started: VariantHost | None = None  # kept after stop, for its stats

    @property
    def url(self) -> str:
        """Return the local SageMaker's base URL (what boto3 takes as endpoint_url)."""
        return self.sagemaker.url

    @property
    def api(self):
        """Return the server of the local SageMaker."""
        return self.sagemaker.server

    def _host(self) -> VariantHost | None:
        if self._started is not None:
            return self._started
        record = self.sagemaker.endpoints.endpoints.get(self.name)
        deployment = None if record is None else (record.deployment or record.pending)
        return deployment.hosts[0] if deployment is not None else None

    @property
    def group(self) -> ContainerGroup | None:
        """Return the container group of the endpoint's one variant."""
        host = self._host()
        return host.group if host is not None else None

    @property
    def pipeline(self) -> Pipeline | None:
        """Return the invocation pipeline, once every container is up."""
        host = self._host()
        return host.pipeline if host is not None else None

    @property
    def containers(self) -> list[Running]:
        """Return the running containers in pipeline order."""
        return self.group.running if self.group is not None else []

    @property
    def warnings(self) -> list[str]:
        """Return the warnings raised while starting (e.g. a container ignoring its port)."""
        return self.group.warnings if self.group is not None else []

    def client(self):
        """Return a boto3 sagemaker-runtime client pointed at this endpoint's API."""
        return runtime_client(self.url, self.spec.region)

    def start(self) -> "LocalEndpoint":
        """Serve the API, then create the model, config and endpoint, and wait until it is InService."""
        try:
            if self._own:
                self.sagemaker.endpoints.warn_on_failure = False  # a failed start is raised to the caller below
                self.sagemaker.start()
            endpoint = self.sagemaker.deploy(self.spec, self.name, startup_timeout_s=self.startup_timeout_s)
            self.ready_s = endpoint.modified - endpoint.created
            self._started = self._host()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Delete the endpoint (every container and the network); safe to call twice."""
        if self._own:
            self.sagemaker.stop()
        else:
            self.sagemaker.remove(self.name)

    def __enter__(self) -> "LocalEndpoint":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def status(self) -> EndpointStatus | None:
        """Return the endpoint's status, or None once it is gone."""
        record = self.sagemaker.endpoints.endpoints.get(self.name)
        return record.status if record is not None else None
