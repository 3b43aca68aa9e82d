"""Finding 2 on real containers: a killed container is noticed at once, calls under way to it fail at
its exit naming it, the endpoint replaces it and serves again; a limit, then Failed; the session's
DynamoDB stand-in comes back seeded. How fast (the 1 s target) is benchmarks/faults.py's figure."""

import threading
import time
from datetime import datetime

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from emulator.config import FIXTURES_DIR
from emulator.hosting.endpoint import LocalEndpoint
from emulator.hosting.service import LocalSageMaker
from emulator.hosting.variant import HostSettings
from tests.integration.emulator.helpers import leftovers, unique, write_testbox_definition

SEED = FIXTURES_DIR / "support/dynamodb/PipelineLookupTable.json"


def invoke(endpoint, host="victim", timeout_s=60):
    return endpoint.client().invoke_endpoint(
        EndpointName=endpoint.name, ContentType="text/csv", Body=b"1,2,3", TargetContainerHostname=host
    )


def exited_at(container) -> float:
    """Return when Docker recorded the container's exit (State.FinishedAt, RFC 3339 in nanoseconds), as time.time()."""
    container.reload()
    whole, _, fraction = container.attrs["State"]["FinishedAt"].rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{whole}.{(fraction + '000000')[:6]}+00:00").timestamp()


def wait_until(predicate, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except (BotoCoreError, ClientError):
            pass
        time.sleep(0.05)
    return False


@pytest.fixture()
def crashy(api, testbox_image, tmp_path):
    path = write_testbox_definition(tmp_path / "crash.toml", {"good": "", "victim": ""})
    with LocalEndpoint(path, name=unique("crash"), sagemaker=api, stream_logs=False) as endpoint:
        yield endpoint


def test_crash_calls_under_way_fail_at_the_exit_then_the_container_is_replaced(crashy, docker_client):
    victim = docker_client.containers.get(crashy.group.container_id("victim"))
    victim.pause()  # calls reach it and hang
    outcomes = []

    def call():
        try:
            invoke(crashy)
            outcomes.append(("answered", time.time(), None))
        except ClientError as err:
            outcomes.append(("failed", time.time(), err))

    callers = [threading.Thread(target=call) for _ in range(4)]
    for caller in callers:
        caller.start()
    time.sleep(0.5)
    victim.kill()
    for caller in callers:
        caller.join(15)
    assert [kind for kind, _, _ in outcomes] == ["failed"] * 4
    # Timed from the exit Docker recorded, not from our kill request: a loaded engine (CI runs three
    # workers on two cores) took up to 1.8 s to answer `docker kill` for a container it had killed at once.
    # The exit ends them, not the 60 s invocation timeout. How soon is a figure with a target (1 s, kill ->
    # first error), printed by `tox -e faults` (benchmarks/faults.py), not a timed assertion: on a loaded
    # CI machine the last of these four calls failed 1.02 s after the exit once.
    latest = max(when for _, when, _ in outcomes) - exited_at(victim)
    assert latest < 5.0, f"calls under way must fail at the exit, not at their timeout; the last took {latest:.2f} s"
    error = outcomes[0][2].response
    assert error["Error"]["Code"] == "ModelError"
    assert "Container victim exited with code 137" in error["Error"]["Message"]
    assert error["LogStreamArn"].endswith("/victim")
    assert wait_until(
        lambda: any("/victim exited with code 137" in w and "Its last log lines" in w for w in crashy.warnings), 5
    )
    assert wait_until(lambda: invoke(crashy)["Body"].read().strip() == b"6.0", 10), "service restored within 10 s"
    assert crashy.group.container_id("victim") != victim.id
    assert crashy.status.value == "InService"
    assert invoke(crashy, "good")["Body"].read().strip() == b"6.0"  # the bystander served throughout


def test_crash_restart_limit_then_describe_endpoint_failed(testbox_image, tmp_path, docker_client):
    path = write_testbox_definition(tmp_path / "limit.toml", {"victim": ""})
    settings = HostSettings(stream_logs=False, group_options={"max_restarts": 1})
    name = unique("limit")
    with LocalSageMaker(settings=settings) as sagemaker:
        sagemaker.deploy(path, name)
        control = sagemaker.client("sagemaker")
        endpoint = sagemaker.endpoints.get(name)
        group = endpoint.deployment.hosts[0].group
        first = group.container_id("victim")
        docker_client.containers.get(first).kill()
        assert wait_until(lambda: group.container_id("victim") != first and group.restarts["victim"] == 1, 10)
        time.sleep(0.5)  # let the replacement's pooled connections settle
        docker_client.containers.get(group.container_id("victim")).kill()
        assert wait_until(lambda: control.describe_endpoint(EndpointName=name)["EndpointStatus"] == "Failed", 10)
        reason = control.describe_endpoint(EndpointName=name)["FailureReason"]
        assert "The victim for production variant AllTraffic exited (last exit code 137)" in reason
        assert wait_until(lambda: not [c for c in leftovers(docker_client, name) if "victim" in c], 20)
        with pytest.raises(ClientError, match="not found"):
            sagemaker.client("sagemaker-runtime").invoke_endpoint(EndpointName=name, Body=b"1,2,3")
        control.delete_endpoint(EndpointName=name)
    assert leftovers(docker_client, name) == []


def test_crash_side_service_restarted_is_reseeded(testbox_image, tmp_path, docker_client):
    path = write_testbox_definition(tmp_path / "tables.toml", {"good": ""}, tables_seed=SEED)
    with LocalSageMaker(settings=HostSettings(stream_logs=False)) as sagemaker:
        sagemaker.deploy(path, unique("reseed"))
        table = sagemaker.aws.client("dynamodb", "eu-west-1")
        before = table.scan(TableName="PipelineLookupTable")["Count"]
        assert before > 0
        docker_client.containers.get(sagemaker.aws.handle.id).kill()
        assert wait_until(lambda: table.scan(TableName="PipelineLookupTable")["Count"] == before, 30)
        assert sagemaker.aws.restarts == 1
