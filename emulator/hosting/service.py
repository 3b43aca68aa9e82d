"""`LocalSageMaker`: the control plane and the Runtime API on one local URL, in-process; a context manager.

    with LocalSageMaker() as sm:                       # serves on 127.0.0.1, a free port
        client = sm.client("sagemaker")                # boto3, dummy credentials
        client.create_model(...); client.create_endpoint_config(...); client.create_endpoint(...)
        client.get_waiter("endpoint_in_service").wait(EndpointName="abalone")
        client.create_transform_job(...)               # input and output in sm.client("s3"), the local S3
    # every job stopped, every endpoint's containers and networks removed here, also after an exception or Ctrl-C

`deploy(definition)` turns a definition file into the same Create* calls (what `byoc up` does).
"""

import logging
import time
from dataclasses import replace
from pathlib import Path

from emulator.api.control import ControlPlane
from emulator.api.proxy import proxy_hook
from emulator.api.server import RuntimeApi
from emulator.api.shapes import request_of
from emulator.aws import local_client
from emulator.definitions.pipeline import PipelineSpec, load_pipeline
from emulator.errors import EndpointError
from emulator.hosting.batch import DockerBatchHost
from emulator.hosting.deployment import DockerDeployer
from emulator.hosting.localaws import LocalAws
from emulator.hosting.variant import HostSettings
from emulator.resources.endpoints import Endpoints
from emulator.resources.records import Endpoint, EndpointStatus, Variant
from emulator.resources.store import Store
from emulator.resources.transform_jobs import TransformJobs
from emulator.sagemaker import DEFAULT_VARIANT

LOG = logging.getLogger(__name__)


class LocalSageMaker:
    """A local SageMaker (control plane + Runtime API) on `host:port`; 0 picks a free port."""

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        region: str = "us-east-1",
        settings: HostSettings | None = None,
        base_dir: Path | None = None,
        aws: LocalAws | None = None,
        owner: str | None = None,
    ):
        self.region = region
        self.server = RuntimeApi(host=host, port=port)
        self.settings = settings or HostSettings()
        self._own_aws = aws is None  # none given: this local SageMaker runs the local AWS services itself
        # `owner`: the one endpoint this local SageMaker serves (LocalEndpoint), so that
        # `byoc down --endpoint NAME` also removes its local AWS services after a crash
        self.aws = aws or LocalAws(region, docker=self.settings.docker, endpoint=owner)
        self.settings.group_options.setdefault("aws", self.aws)
        self.store = Store(region)
        self.endpoints = Endpoints(self.store, DockerDeployer(self.server.app, self.settings))
        self.transform_jobs = TransformJobs(self.store, DockerBatchHost(self.settings, self.aws))
        self.control = ControlPlane(self.store, self.endpoints, base_dir, self.transform_jobs)
        self.server.app.hooks.insert(0, self.control.hook)
        self._serving = False

    @property
    def url(self) -> str:
        """Return the URL to give boto3 as `endpoint_url` (or AWS_ENDPOINT_URL)."""
        return self.server.url

    def client(self, service: str = "sagemaker"):
        """Return a boto3 client of `service` for this local SageMaker, with dummy credentials."""
        return local_client(service, self.url, self.region)

    def start(self) -> "LocalSageMaker":
        """Bind the port and serve in a background thread."""
        try:
            self.server.start()
        except OSError as err:
            raise EndpointError(
                f"cannot serve the local SageMaker on {self.server.host}:{self.server.port}: {err.strerror or err}",
                "pass another --port (0 picks a free one), or stop what listens there",
            ) from None
        self._serving = True
        try:
            if self._own_aws:
                self.aws.start()
            self.server.app.hooks.append(proxy_hook(self.aws.url))  # S3, DynamoDB, Logs ... go to moto
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every transform job, remove every endpoint's containers and networks, stop serving; idempotent."""
        try:
            try:
                self.transform_jobs.shutdown()
            finally:
                self.endpoints.shutdown()
        finally:
            try:
                if self._own_aws:
                    self.aws.stop()
            finally:
                if self._serving:
                    self._serving = False
                    self.server.stop()

    def __enter__(self) -> "LocalSageMaker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def deploy(
        self,
        definition: str | Path | PipelineSpec,
        name: str | None = None,
        wait: bool = True,
        startup_timeout_s: float | None = None,
    ) -> Endpoint:
        """Create a definition's model, a one-variant endpoint config and the endpoint, all named `name`.

        The same calls CreateModel, CreateEndpointConfig and CreateEndpoint make (in-process, so the
        definition's `[Local]` side services and any startup timeout come along); waits for InService.
        """
        spec = definition if isinstance(definition, PipelineSpec) else load_pipeline(Path(definition))
        name = name or spec.name
        spec = replace(spec, name=name)
        self.store.create_model(spec, request_of(spec))
        variant = Variant(DEFAULT_VARIANT, name, startup_timeout_s=startup_timeout_s)
        self.store.create_config(
            name,
            (variant,),
            {
                "EndpointConfigName": name,
                "ProductionVariants": [
                    {
                        "VariantName": DEFAULT_VARIANT,
                        "ModelName": name,
                        "InitialInstanceCount": 1,
                        "InitialVariantWeight": 1.0,
                    }
                ],
            },
        )
        self.control.call("CreateEndpoint", {"EndpointName": name, "EndpointConfigName": name, "Tags": []})
        return self.wait(name) if wait else self.endpoints.get(name)

    def remove(self, name: str) -> None:
        """Remove endpoint `name` now, whatever its state, with the config and model `deploy` made for it."""
        self.endpoints.remove(name)
        for forget, table in (
            (self.store.delete_config, self.store.configs),
            (self.store.delete_model, self.store.models),
        ):
            if name in table:
                forget(name)

    def wait(self, name: str) -> Endpoint:
        """Wait for the operation under way on endpoint `name`; raise its error when it failed."""
        endpoint = self.endpoints.get(name)
        started = time.monotonic()
        while endpoint.worker is not None and endpoint.worker.is_alive():
            endpoint.worker.join(0.5)
        if endpoint.status is EndpointStatus.FAILED:
            raise endpoint.error or EndpointError(endpoint.failure_reason or f"endpoint {name} failed")
        LOG.debug("endpoint %s settled as %s after %.2f s", name, endpoint.status.value, time.monotonic() - started)
        return endpoint
