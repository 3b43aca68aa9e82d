"""Transform jobs and their lifecycle: InProgress -> Completed | Failed, or Stopping -> Stopped.

State only: starting the model's containers and moving the data is the `BatchHost`'s
(emulator.hosting.batch implements it over Docker and the local S3; unit tests give a fake).
CreateTransformJob records the job and returns; a thread per job runs it and sets the end status.

Wording:
- a second job of the same name: ResourceInUse (CreateTransformJob declares it in botocore's
  sagemaker/2017-07-24; CreateTrainingJob answers a taken name with it too, aws/amazon-sagemaker-
  examples#3108), "Job name must be unique within an AWS account and region, and a job with this name
  already exists (ARN)";
- a missing job: "Could not find requested job with name NAME", as SageMaker's ValidationException for
  Describe*Job is quoted in public code (a stub of the AWS CLI and a describe_monitoring_schedule stub);
  the waiter transform_job_completed_or_stopped treats ValidationException as the end;
- a missing model: CreateEndpointConfig's 'Could not find model "ARN".' (Store.model);
- StopTransformJob: "the status of the job changes to Stopping. After Amazon SageMaker stops the job,
  the status is set to Stopped" (API reference, StopTransformJob). Stopping a job that has ended: ours.
"""

import logging
import threading
from typing import Protocol

from emulator.api.errors import ResourceInUse, ValidationException
from emulator.errors import ByocError
from emulator.resources.records import Model, TransformJob, TransformJobStatus
from emulator.resources.store import Store
from emulator.transform import TransformResult, TransformSettings

LOG = logging.getLogger(__name__)
Status = TransformJobStatus


class BatchHost(Protocol):
    """Runs one job's data through its model's containers; returns an emulator.transform.TransformResult."""

    def run(self, job: TransformJob, model: Model) -> TransformResult: ...  # raises ByocError when it cannot run


class TransformJobs:
    """The transform jobs of the local account; every change of a job happens under the store's lock."""

    def __init__(self, store: Store, host: BatchHost):
        self.store, self.host = store, host
        self.jobs: dict[str, TransformJob] = {}
        self._threads: list[threading.Thread] = []

    def get(self, name: str) -> TransformJob:
        """Return job `name`, or raise SageMaker's 'Could not find requested job'."""
        with self.store.lock:
            found = self.jobs.get(name)
        if found is None:
            raise ValidationException(f"Could not find requested job with name {name}")
        return found

    def create(
        self, name: str, model_name: str, settings: TransformSettings, request: dict, tags: list[dict] | None = None
    ) -> TransformJob:
        """Record the job as InProgress and run it in the background."""
        job_arn = self.store.arn("transform-job", name)
        with self.store.lock:
            if name in self.jobs:
                raise ResourceInUse(
                    "Job name must be unique within an AWS account and region, and a job with this name already "
                    f"exists ({job_arn})"
                )
            model = self.store.model(model_name)
            if model.spec.mode != "Serial":
                raise ValidationException(
                    f"Model {model_name} has InferenceExecutionConfig.Mode {model.spec.mode}; a transform job calls "
                    "a model's containers as a serial chain. Use a model whose Mode is Serial."
                )
            now = self.store.clock()
            job = TransformJob(name, job_arn, model_name, settings, request, Status.IN_PROGRESS, now, now)
            self.jobs[name] = job
            self.store.set_tags(job_arn, tags or [])
        job.worker = self._start(job, model)
        return job

    def stop(self, name: str) -> TransformJob:
        """Ask a running job to stop: Stopping now, Stopped once no request is under way."""
        with self.store.lock:
            job = self.get(name)
            if job.status.finished:
                raise ValidationException(
                    f"Transform job {name} has already ended ({job.status.value}); only an InProgress job can be "
                    "stopped."
                )
            if job.status is Status.IN_PROGRESS:
                job.status, job.modified = Status.STOPPING, self.store.clock()
                job.stop.set()
            return job

    def shutdown(self) -> None:
        """Stop every running job and wait for each to end (its containers removed)."""
        with self.store.lock:
            for job in self.jobs.values():
                job.stop.set()
        self.wait()

    def wait(self, timeout_s: float | None = None) -> None:
        """Wait for every job's thread to end."""
        for thread in list(self._threads):
            thread.join(timeout_s)

    # ---- the background work ---------------------------------------------------------------------
    def _start(self, job: TransformJob, model: Model) -> threading.Thread:
        thread = threading.Thread(target=self._run, args=(job, model), name=f"transform {job.name}", daemon=True)
        with self.store.lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return thread

    def _run(self, job: TransformJob, model: Model) -> None:
        with self.store.lock:
            job.started = self.store.clock()
        try:
            result = self.host.run(job, model)
        except Exception as err:  # the job could not run (containers, input, a bug): it fails with the reason
            if job.stop.is_set():  # stopped while its containers started: the start was given up
                self._end(job, Status.STOPPED, None)
                return
            LOG.warning("transform job %s failed: %s", job.name, err)
            self._end(job, Status.FAILED, _reason(err))
            return
        status = Status(result.status.value)
        if job.stop.is_set():
            status = Status.STOPPED
        job.result = result
        self._end(job, status, result.failure_reason if status is Status.FAILED else None)
        LOG.info("transform job %s: %s", job.name, status.value)

    def _end(self, job: TransformJob, status: TransformJobStatus, reason: str | None) -> None:
        with self.store.lock:
            job.status, job.failure_reason = status, reason
            job.ended = job.modified = self.store.clock()


def _reason(err: Exception) -> str:
    if isinstance(err, ByocError):
        return getattr(err, "failure_reason", None) or err.message
    return f"InternalServerError: {type(err).__name__}: {err}"
