"""`LocalEndpoint`: start a pipeline's containers behind the SageMaker Runtime API, and tear it all down.

    with LocalEndpoint("fixtures/pipelines/support.toml") as ep:
        runtime = ep.client()          # boto3 sagemaker-runtime client, dummy credentials
        runtime.invoke_endpoint(EndpointName=ep.name, ContentType="text/csv", Body=b"...")
"""

import re
from pathlib import Path
from typing import Callable, TextIO


from emulator.api.proxy import proxy_hook
from emulator.api.server import RuntimeApi
from emulator.docker.launcher import DockerLayer
from emulator.errors import EndpointError
from emulator.invocation.chain import Pipeline
from emulator.invocation.hops import HopResponse, HopUnreachable, HttpHop
from emulator.aws import local_client
from emulator.hosting.plan import Access
from emulator.hosting.localaws import LocalAws
from emulator.hosting.group import DEFAULT_DEADLINE_S, Running, ContainerGroup
from emulator.definitions.pipeline import PipelineSpec, load_pipeline

ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")   # SageMaker's EndpointName pattern


def runtime_client(url: str, region: str = "us-east-1"):
    """Return a boto3 sagemaker-runtime client for a local endpoint URL, with dummy credentials."""
    return local_client("sagemaker-runtime", url, region)


def check_endpoint_name(name: str) -> str:
    """Return `name` when SageMaker would accept it as an EndpointName, else raise EndpointError."""
    if not ENDPOINT_NAME.match(name):
        raise EndpointError(f"endpoint name {name!r} breaks SageMaker's rule: 1 to 63 letters, digits and "
                            "hyphens, starting and ending with a letter or digit", "pass another --name")
    return name


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


class LocalEndpoint:
    """One endpoint of real containers behind a local SageMaker Runtime API; a context manager."""

    def __init__(self, definition: str | Path | PipelineSpec, name: str | None = None, port: int = 0, *,
                 host: str = "127.0.0.1", api: RuntimeApi | None = None,
                 startup_timeout_s: float = DEFAULT_DEADLINE_S, invocation_timeout_s: float = 60.0,
                 stream_logs: bool = True, log_sink: TextIO | None = None, say: Callable[[str], None] | None = None,
                 docker: DockerLayer | None = None, access: Access | None = None, aws: LocalAws | None = None):
        self.spec = definition if isinstance(definition, PipelineSpec) else load_pipeline(Path(definition))
        self.name = check_endpoint_name(name or self.spec.name)
        self._own_api = api is None
        self.api = api or RuntimeApi(host=host, port=port)
        self.invocation_timeout_s = invocation_timeout_s
        self._own_aws = aws is None               # none given: this endpoint runs the local AWS services itself
        self.aws = aws or LocalAws(self.spec.region, docker=docker, endpoint=self.name)
        self.group = ContainerGroup(self.spec, self.name, deadline_s=startup_timeout_s, docker=docker, access=access,
                                    stream_logs=stream_logs, log_sink=log_sink, say=say, aws=self.aws)
        self.pipeline: Pipeline | None = None
        self._hops: list[WatchedHop] = []
        self.group.exit_listeners.append(self._container_exited)

    @property
    def url(self) -> str:
        """Return the runtime API's base URL (what boto3 takes as endpoint_url)."""
        return self.api.url

    @property
    def containers(self) -> list[Running]:
        """Return the running containers in pipeline order."""
        return self.group.running

    @property
    def warnings(self) -> list[str]:
        """Return the warnings raised while starting (e.g. a container ignoring its port)."""
        return self.group.warnings

    @property
    def ready_s(self) -> float | None:
        """Return the seconds from start to every /ping green."""
        return self.group.ready_s

    def client(self):
        """Return a boto3 sagemaker-runtime client pointed at this endpoint's API."""
        return runtime_client(self.url, self.spec.region)

    def start(self) -> "LocalEndpoint":
        """Serve the API (the endpoint answering ModelNotReadyException), start the containers, then route."""
        try:
            if self._own_api:
                self._serve()
            if self._own_aws:
                self.aws.start()
                if self._own_api:                 # the one URL also answers S3, DynamoDB, Logs ... calls
                    self.api.app.hooks.append(proxy_hook(self.aws.url))
            self.api.add(self.name, None)
            running = self.group.start()
            self._hops = [WatchedHop(HttpHop(r.hostname, r.url)) for r in running]
            self.pipeline = Pipeline(self.name, self._hops, mode=self.spec.mode, timeout_s=self.invocation_timeout_s,
                                     region=self.spec.region)
            self.api.add(self.name, self.pipeline)
        except BaseException:
            self.stop()
            raise
        return self

    def _container_exited(self, hostname: str, code: int | None) -> None:
        for hop in self._hops:
            if hop.hostname == hostname:
                hop.mark_gone(code)

    def _serve(self) -> None:
        try:
            self.api.start()
        except OSError as err:
            raise EndpointError(f"cannot serve the runtime API on {self.api.host}:{self.api.port}: {err.strerror}",
                                "pass another --port (0 picks a free one), or stop what listens there") from None

    def stop(self) -> None:
        """Stop routing, then remove every container and the network; safe to call twice."""
        try:
            if self._own_api:
                self.api.stop()
            else:
                self.api.remove(self.name)
        finally:
            for hop in self._hops:
                hop.close()
            try:
                self.group.stop()
            finally:
                if self._own_aws:
                    self.aws.stop()

    def __enter__(self) -> "LocalEndpoint":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
