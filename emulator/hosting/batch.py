"""The control plane's BatchHost over Docker and the local S3: one transform job's containers, data in and out.

    host = DockerBatchHost(settings, aws)     # what LocalSageMaker gives emulator.resources.TransformJobs
    result = host.run(job, model)             # containers started, the data moved, containers removed

For each job: the input is listed in the local S3 first (an empty prefix fails before any container
starts); the model's containers start with the job's environment (`batch_spec`: the model's, then the
job's, then SAGEMAKER_BATCH=true and the limits set), as a group of their own whose output goes to the
local CloudWatch Logs group /aws/sagemaker/TransformJobs, stream JOB/i-local-HOSTNAME (the job's own
lines, its limits and each failed file, in stream JOB/i-local/data-log, as SageMaker's data log); the first
container's GET /execution-parameters is asked; then emulator.transform's runner calls the containers
as a serial chain in-process (emulator.invocation.Pipeline, InvokeEndpoint's 6 MiB limit off: the job's
MaxPayloadInMB applies) and writes each `.out` to the local S3.
"""

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Protocol

from emulator.api.errors import ApiError, ModelError
from emulator.definitions.pipeline import PipelineSpec
from emulator.hosting.cloudwatch import LogShipper
from emulator.hosting.group import ContainerGroup
from emulator.hosting.variant import HostSettings
from emulator.invocation.chain import Invocation, Pipeline
from emulator.invocation.hops import HttpHop
from emulator.resources.records import Model, TransformJob
from emulator.sagemaker import (
    TRANSFORM_LOG_GROUP,
    TRANSFORM_PING_FAILURE,
    transform_data_log_stream,
    transform_log_stream,
)
from emulator.transform import ExecutionParameters, ModelInvocationError, TransformResult, TransformRunner, resolve
from emulator.transform.cli import batch_spec, execution_parameters
from emulator.transform.s3 import S3Input, S3Output

LOG = logging.getLogger(__name__)
UNIT = "transform"  # names a job's containers apart from an endpoint's of the same name


class ServedModel(Protocol):
    """A model's containers, started for one job."""

    def execution_parameters(self) -> ExecutionParameters | None: ...

    def invoke(
        self, body: bytes, content_type: str | None, accept: str | None, timeout_s: float
    ) -> tuple[bytes, str | None]: ...


# (job name, the job's PipelineSpec, invocation timeout, the job's stop event) -> the started containers
Containers = Callable[[str, PipelineSpec, float, threading.Event], contextlib.AbstractContextManager[ServedModel]]


class PipelineModel:
    """The containers of a job as a serial Pipeline: invoke() raises ModelInvocationError as the runner wants."""

    def __init__(self, pipeline: Pipeline, first_url: str):
        self.pipeline, self.first_url = pipeline, first_url

    def execution_parameters(self) -> ExecutionParameters | None:
        """Return the first container's GET /execution-parameters answer, or None."""
        return execution_parameters(self.first_url)

    def invoke(
        self, body: bytes, content_type: str | None, accept: str | None, timeout_s: float
    ) -> tuple[bytes, str | None]:
        """Send one mini-batch through the chain; a container's error becomes ModelInvocationError."""
        try:
            answer = self.pipeline.invoke(Invocation(body, content_type, accept))
        except ModelError as err:
            raise ModelInvocationError(f"ModelError: {err.message}", err.original_status_code or None) from None
        except ApiError as err:
            raise ModelInvocationError(f"{err.code}: {err.message}", err.status) from None
        return answer.body, answer.content_type


class DockerBatchHost:
    """Run transform jobs with Docker containers and the session's local AWS (S3 in and out, Logs)."""

    def __init__(self, settings: HostSettings, aws, containers: Containers | None = None):
        self.settings, self.aws = settings, aws
        self.containers: Containers = containers or self.docker_containers

    def run(self, job: TransformJob, model: Model) -> TransformResult:
        """Run `job` over its input with `model`'s containers; raise ByocError when it cannot start."""
        settings = job.settings
        spec = batch_spec(model.spec, settings)
        s3 = self.aws.client("s3", spec.region)
        source = S3Input(s3, settings, spec.region)
        LOG.info("transform job %s: %d input object(s)", job.name, len(source.objects))
        names = {obj.relative: f"{obj.bucket}/{obj.key}" for obj in source.objects}
        with (
            self.containers(job.name, spec, float(settings.invocations_timeout_s), job.stop) as served,
            _data_log(self.aws.client("logs", spec.region), job.name) as data_log,
        ):
            limits = resolve(settings, served.execution_parameters())
            job.limits = limits
            runner = TransformRunner(
                settings,
                limits,
                served.invoke,
                S3Output(s3),
                stop=job.stop,
                data_log=data_log,
                name_of=lambda key: names.get(key, key),
            )
            return runner.run(source)

    @contextlib.contextmanager
    def docker_containers(
        self, job_name: str, spec: PipelineSpec, timeout_s: float, stop: threading.Event
    ) -> Iterator[ServedModel]:
        """Start the job's containers (every /ping green), yield them as a PipelineModel, then remove them.

        A StopTransformJob while they start gives the start up (ContainerGroup.abort) instead of waiting.
        """
        s = self.settings
        group = ContainerGroup(
            spec,
            job_name,
            deadline_s=s.startup_timeout_s,
            docker=s.layer(),
            access=s.access,
            log_sink=s.log_sink,
            stream_logs=s.stream_logs,
            say=s.say,
            unit=UNIT,
            log_group_name=TRANSFORM_LOG_GROUP,
            log_stream_of=lambda hostname: transform_log_stream(job_name, hostname),
            ping_failure_of=lambda hostname: f"{TRANSFORM_PING_FAILURE} (container {hostname})",
            **s.group_options,
        )
        hops: list[HttpHop] = []
        started = threading.Event()
        watcher = threading.Thread(target=_abort_on_stop, args=(group, stop, started), name=f"stop {job_name}")
        watcher.daemon = True
        watcher.start()
        try:
            try:
                running = group.start()
            finally:
                started.set()
            if s.access is None:
                s.access = group.access
            hops = [HttpHop(r.hostname, r.url, pool_size=64) for r in running]
            pipeline = Pipeline(
                job_name,
                hops,
                timeout_s=timeout_s,
                region=spec.region,
                log_group=TRANSFORM_LOG_GROUP,
                payload_limits=False,
            )
            yield PipelineModel(pipeline, running[0].url)
        finally:
            for hop in hops:
                hop.close()
            group.stop()


@contextlib.contextmanager
def _data_log(logs_client, job_name: str) -> Iterator[Callable[[str], None]]:
    """Yield a writer of the job's data log stream (SageMaker's line prefix added); everything is sent on exit."""
    shipper = LogShipper(logs_client, TRANSFORM_LOG_GROUP).start()
    write = shipper.writer(transform_data_log_stream(job_name))

    def line(text: str) -> None:
        now = datetime.now(UTC)
        write(f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond // 1000:03d}:[sagemaker logs]: {text}")

    try:
        yield line
    finally:
        shipper.close()


def _abort_on_stop(group: ContainerGroup, stop: threading.Event, started: threading.Event) -> None:
    """Abort the group's start when the job is stopped before every container answered /ping."""
    while not started.is_set():
        if stop.wait(0.1):
            if not started.is_set():
                group.abort()
            return
