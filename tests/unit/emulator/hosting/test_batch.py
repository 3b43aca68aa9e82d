"""DockerBatchHost's containers without Docker: the job's log group and streams, the environment, clean-up."""

import threading
import time

import pytest

from emulator.hosting.batch import DockerBatchHost, PipelineModel
from emulator.hosting.readiness import Aborted
from emulator.hosting.variant import HostSettings
from emulator.sagemaker import TRANSFORM_LOG_GROUP
from tests.unit.emulator.hosting.fakes import FakeDocker, Pings, images_for, make_spec
from tests.unit.emulator.hosting.test_group_localaws import IP, SessionAws
from tests.unit.emulator.inprocess_moto import moto_url


@pytest.fixture()
def aws():
    with moto_url() as url:
        yield SessionAws(url)


def test_a_jobs_containers_log_to_the_transform_group_one_stream_each_and_are_removed(aws):
    spec = make_spec(2)
    docker = FakeDocker(images_for(spec, moto=False))
    pings = Pings()
    for i in range(2):
        pings.answers[(f"10.9.0.{i + 2}", 9000 + 100 * i)] = 200
    settings = HostSettings(
        docker=docker,
        access=IP,
        startup_timeout_s=5,
        stream_logs=False,
        say=lambda text: None,
        group_options={"aws": aws, "ping": pings, "session": "s1"},
    )
    with DockerBatchHost(settings, aws).docker_containers("job-1", spec, 5.0, threading.Event()) as served:
        assert isinstance(served, PipelineModel)
        assert served.pipeline.payload_limits is False and served.pipeline.timeout_s == 5.0
    assert sorted(docker.removed) == ["container-1", "container-2"]
    assert all(plan.name.startswith("byoc-job-1") and "transform" in plan.name for plan in docker.plans)
    logs = aws.client("logs")
    streams = logs.describe_log_streams(logGroupName=TRANSFORM_LOG_GROUP)["logStreams"]
    assert sorted(s["logStreamName"] for s in streams) == ["job-1/i-local-container-1", "job-1/i-local-container-2"]
    events = logs.get_log_events(logGroupName=TRANSFORM_LOG_GROUP, logStreamName="job-1/i-local-container-2")
    assert [e["message"] for e in events["events"]] == ["container-2 says hi"]


def test_a_stop_while_the_containers_start_gives_the_start_up(aws):
    spec = make_spec(2)
    docker = FakeDocker(images_for(spec, moto=False))
    stop = threading.Event()
    settings = HostSettings(
        docker=docker,
        access=IP,
        startup_timeout_s=30,
        stream_logs=False,
        say=lambda text: None,
        group_options={"aws": aws, "ping": Pings(), "session": "s1"},
    )  # pings never answer
    threading.Timer(1.0, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Aborted):
        with DockerBatchHost(settings, aws).docker_containers("job-2", spec, 5.0, stop):
            pass
    assert time.monotonic() - started < 10  # not the 30 s startup deadline
    assert sorted(docker.removed) == sorted(plan.alias for plan in docker.plans)
    assert docker.labelled_removals  # and anything half made, by label
