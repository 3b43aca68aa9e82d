"""The transform job lifecycle over a fake BatchHost: no HTTP, no Docker, no S3."""

import threading
from datetime import UTC, datetime

import pytest

from emulator.api.errors import ResourceInUse, ValidationException
from emulator.definitions.pipeline import ContainerSpec, PipelineSpec
from emulator.errors import ContainerFailed
from emulator.resources.store import Store
from emulator.resources.transform_jobs import TransformJobs
from emulator.transform import JobStatus, TransformResult, TransformSettings

SETTINGS = TransformSettings(input_uri="s3://b/in/", output_path="s3://b/out")


class Host:
    """Ends each job as the test says: a result status, an exception, or when released (honouring stop)."""

    def __init__(self):
        self.outcome: object = JobStatus.COMPLETED
        self.release = threading.Event()
        self.release.set()

    def run(self, job, model):
        while not self.release.wait(0.01):
            if job.stop.is_set():
                break
        if isinstance(self.outcome, Exception):
            raise self.outcome
        now = datetime.now(UTC)
        status = JobStatus.STOPPED if job.stop.is_set() else self.outcome
        reason = (
            "AlgorithmError: See job logs for more information. 1 of 1 input file(s) failed"
            if status is JobStatus.FAILED
            else None
        )
        return TransformResult(status, reason, [], 0, 0, now, now, 0.0)


@pytest.fixture()
def jobs():
    store = Store()
    spec = PipelineSpec("m", (ContainerSpec("img:1", "c1"),))
    store.create_model(spec, {"ModelName": "m"})
    store.create_model(PipelineSpec("direct", (ContainerSpec("img:1", "c1"),), mode="Direct"), {"ModelName": "d"})
    found = TransformJobs(store, Host())
    yield found
    found.shutdown()


def ended(jobs, name):
    jobs.get(name).worker.join(5)
    return jobs.get(name)


def test_completed_and_failed_jobs_carry_their_times_and_reason(jobs):
    job = jobs.create("ok", "m", SETTINGS, {})
    assert ended(jobs, "ok").status.value == "Completed" and job.failure_reason is None
    assert job.created <= job.started <= job.ended
    jobs.host.outcome = JobStatus.FAILED
    assert ended(jobs, jobs.create("bad", "m", SETTINGS, {}).name).failure_reason.startswith("AlgorithmError")


def test_a_job_that_cannot_start_fails_with_sagemakers_reason(jobs):
    jobs.host.outcome = ContainerFailed("long text", failure_reason="The c1 did not pass the ping health check.")
    job = ended(jobs, jobs.create("noping", "m", SETTINGS, {}).name)
    assert (job.status.value, job.failure_reason) == ("Failed", "The c1 did not pass the ping health check.")
    jobs.host.outcome = RuntimeError("a bug")
    assert (
        ended(jobs, jobs.create("bug", "m", SETTINGS, {}).name).failure_reason
        == "InternalServerError: RuntimeError: a bug"
    )


def test_stop_is_stopping_then_stopped_and_shutdown_stops_every_job(jobs):
    jobs.host.release.clear()
    jobs.create("long", "m", SETTINGS, {})
    jobs.create("other", "m", SETTINGS, {})
    assert jobs.stop("long").status.value == "Stopping"
    assert ended(jobs, "long").status.value == "Stopped"
    jobs.shutdown()
    assert jobs.get("other").status.value == "Stopped"
    with pytest.raises(ValidationException, match="already ended"):
        jobs.stop("long")


def test_names_models_and_modes_are_checked(jobs):
    jobs.create("once", "m", SETTINGS, {})
    with pytest.raises(ResourceInUse, match="a job with this name already exists"):
        jobs.create("once", "m", SETTINGS, {})
    with pytest.raises(ValidationException, match="Could not find model"):
        jobs.create("x", "nope", SETTINGS, {})
    with pytest.raises(ValidationException, match="serial chain"):
        jobs.create("y", "direct", SETTINGS, {})
    with pytest.raises(ValidationException, match="Could not find requested job with name ghost"):
        jobs.get("ghost")


def test_a_job_stopped_while_its_containers_start_ends_stopped(jobs):
    jobs.host.release.clear()
    jobs.host.outcome = ContainerFailed("the start was given up")
    jobs.create("early", "m", SETTINGS, {})
    jobs.stop("early")
    assert ended(jobs, "early").status.value == "Stopped" and jobs.get("early").failure_reason is None
