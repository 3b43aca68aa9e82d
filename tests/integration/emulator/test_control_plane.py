"""The local SageMaker's control plane through plain boto3 against `byoc serve`, with real containers."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from botocore.exceptions import ClientError, WaiterError

from emulator.aws import local_client
from emulator.config import FIXTURES_DIR, REPO_ROOT
from tests.integration.emulator.helpers import (
    ROLE,
    TESTBOX,
    Serve,
    abalone_containers,
    abalone_model,
    leftovers,
    unique,
)

pytestmark = pytest.mark.integration
WAIT = {"Delay": 0.2, "MaxAttempts": 600}
ABALONE = FIXTURES_DIR / "abalone"
SAMPLE = (ABALONE / "featurizer/sample.csv").read_bytes()
EXPECTED = json.loads((ABALONE / "expected.json").read_text())["predictions"]
ROW = SAMPLE.splitlines()[0]


@pytest.fixture(scope="module")
def serve(tmp_path_factory, testbox_image):
    served = Serve(tmp_path_factory.mktemp("serve"))
    served.names = []
    yield served
    assert served.stop() == 0, "\n".join(served.lines)
    assert "every endpoint's containers and networks are removed" in "\n".join(served.lines)


@pytest.fixture(scope="module")
def sm(serve):
    return local_client("sagemaker", serve.url)


@pytest.fixture(scope="module")
def runtime(serve):
    return local_client("sagemaker-runtime", serve.url)


def endpoint(sm, serve, name: str, variants: list[dict], wait: bool = True) -> None:
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=variants)
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name, Tags=[])
    serve.names.append(name)
    if wait:
        in_service(sm, name)


def in_service(sm, name: str) -> None:
    """Wait for InService; on failure say why."""
    try:
        sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=WAIT)
    except WaiterError:
        raise AssertionError(f"{name}: {sm.describe_endpoint(EndpointName=name).get('FailureReason')}") from None


def variant(model: str, name: str = "AllTraffic", weight: float = 1.0) -> dict:
    return {
        "VariantName": name,
        "ModelName": model,
        "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large",
        "InitialVariantWeight": weight,
    }


def rings(answer) -> list[float]:
    return [float(x) for x in answer["Body"].read().decode().split()]


def test_abalone_created_through_the_control_plane_answers_as_byoc_up(sm, runtime, serve, docker_client):
    name = unique("cp-abalone")
    abalone_model(sm, name)
    endpoint(sm, serve, name, [variant(name)])
    described = sm.describe_endpoint(EndpointName=name)
    assert described["EndpointStatus"] == "InService"
    assert described["ProductionVariants"][0]["CurrentInstanceCount"] == 1
    answer = runtime.invoke_endpoint(EndpointName=name, Body=SAMPLE, ContentType="text/csv", Accept="text/csv")
    assert rings(answer) == pytest.approx(EXPECTED, abs=1e-4)
    assert answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-invoked-production-variant"] == "AllTraffic"
    assert len(leftovers(docker_client, name)) == 3  # two containers and the network


def test_model_data_uploaded_to_the_local_s3_is_served_and_a_missing_object_fails_naming_it(sm, runtime, serve):
    s3 = local_client("s3", serve.url)
    bucket, name = unique("models"), unique("cp-s3")
    s3.create_bucket(Bucket=bucket)
    for part in ("featurizer", "predictor"):
        s3.upload_file(str(ABALONE / part / "model.tar.gz"), bucket, f"abalone/{part}/model.tar.gz")
    containers = abalone_containers(lambda part: f"s3://{bucket}/abalone/{part}/model.tar.gz")
    sm.create_model(ModelName=name, Containers=containers, ExecutionRoleArn=ROLE)
    assert sm.describe_model(ModelName=name)["Containers"][1]["ModelDataUrl"] == containers[1]["ModelDataUrl"]
    endpoint(sm, serve, name, [variant(name)])
    answer = runtime.invoke_endpoint(EndpointName=name, Body=SAMPLE, ContentType="text/csv", Accept="text/csv")
    assert rings(answer) == pytest.approx(EXPECTED, abs=1e-4)

    missing = unique("cp-s3-missing")
    containers[1] = {**containers[1], "ModelDataUrl": f"s3://{bucket}/abalone/nothing/model.tar.gz"}
    sm.create_model(ModelName=missing, Containers=containers, ExecutionRoleArn=ROLE)
    endpoint(sm, serve, missing, [variant(missing)], wait=False)
    with pytest.raises(WaiterError):
        sm.get_waiter("endpoint_in_service").wait(EndpointName=missing, WaiterConfig=WAIT)
    reason = sm.describe_endpoint(EndpointName=missing)["FailureReason"]
    assert f"s3://{bucket}/abalone/nothing/model.tar.gz" in reason and "no such object" in reason


def test_a_model_data_url_that_names_no_object_is_refused_by_create_model(sm):
    err = pytest.raises(
        ClientError,
        sm.create_model,
        ModelName=unique("cp-s3-bad"),
        Containers=[{"Image": "byoc/predictor:latest", "ModelDataUrl": "s3://bucket-only"}],
        ExecutionRoleArn=ROLE,
    )
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "s3://BUCKET/KEY/model.tar.gz" in err.value.response["Error"]["Message"]


# a model whose second container (container-2) never passes its ping: /ping takes 2.5 s > 2 s
NEVER_PINGS = [
    {"Image": TESTBOX, "Environment": {"BYOC_FAULT": ""}},
    {"Image": TESTBOX, "Environment": {"BYOC_FAULT": "slow-ping"}},
]


@pytest.fixture(scope="module")
def impatient(tmp_path_factory, testbox_image):
    """A second `byoc serve` whose containers get 8 s to pass their pings."""
    served = Serve(tmp_path_factory.mktemp("impatient"), "--startup-timeout", "8")
    served.names = []
    yield served
    assert served.stop() == 0, "\n".join(served.lines)


def test_an_image_that_never_answers_ping_ends_failed_with_the_reason(impatient, docker_client):
    serve = impatient
    sm, runtime = local_client("sagemaker", serve.url), local_client("sagemaker-runtime", serve.url)
    name = unique("cp-noping")
    sm.create_model(ModelName=name, Containers=NEVER_PINGS)
    endpoint(sm, serve, name, [variant(name)], wait=False)
    assert sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "Creating"
    with pytest.raises(WaiterError):
        sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=WAIT)
    described = sm.describe_endpoint(EndpointName=name)
    assert described["EndpointStatus"] == "Failed"
    assert described["FailureReason"] == (
        "The container-2 for production variant AllTraffic did not pass the ping "
        "health check. Please check CloudWatch logs for this endpoint."
    )
    assert leftovers(docker_client, name) == []  # a failed start removes what it made
    deadline = time.monotonic() + 10  # serve's own log: the reason and the last lines
    while not any(f"endpoint {name} failed to start" in line for line in serve.lines) and time.monotonic() < deadline:
        time.sleep(0.05)
    logged = "\n".join(serve.lines)
    assert f"endpoint {name} failed to start: The container-2 for production variant AllTraffic" in logged
    assert "Its last log lines:" in logged
    err = pytest.raises(ClientError, runtime.invoke_endpoint, EndpointName=name, Body=b"1,2,3", ContentType="text/csv")
    assert err.value.response["Error"]["Code"] == "ValidationError"


def test_a_transform_job_whose_container_never_answers_ping_fails_with_sagemakers_reason(impatient, docker_client):
    serve = impatient
    sm, s3 = local_client("sagemaker", serve.url), local_client("s3", serve.url)
    name = unique("cp-tj-noping")
    sm.create_model(ModelName=name, Containers=NEVER_PINGS)
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="in/a.csv", Body=b"1,2,3\n")
    sm.create_transform_job(
        TransformJobName=name,
        ModelName=name,
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{name}/in/"}}},
        TransformOutput={"S3OutputPath": f"s3://{name}/out/"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
    )
    with pytest.raises(WaiterError):
        sm.get_waiter("transform_job_completed_or_stopped").wait(TransformJobName=name, WaiterConfig=WAIT)
    described = sm.describe_transform_job(TransformJobName=name)
    assert described["TransformJobStatus"] == "Failed"
    assert described["FailureReason"] == (
        "AlgorithmError: Model container failed to respond to ping. Please ensure /ping endpoint is implemented "
        "and responds with an HTTP 200 status code (container container-2)"
    )
    assert leftovers(docker_client, name) == []
    assert s3.list_objects_v2(Bucket=name, Prefix="out/").get("KeyCount") == 0


def test_update_endpoint_switches_under_load_without_a_failed_request(sm, runtime, serve, docker_client):
    name = unique("cp-update")
    abalone_model(sm, f"{name}-v1")
    abalone_model(sm, f"{name}-v2")
    endpoint(sm, serve, name, [variant(f"{name}-v1", "v1")])
    sm.create_endpoint_config(EndpointConfigName=f"{name}-v2", ProductionVariants=[variant(f"{name}-v2", "v2")])
    seen, failures, stop = [], [], threading.Event()

    def loop():
        client = local_client("sagemaker-runtime", serve.url)
        while not stop.is_set():
            try:
                started = time.monotonic()
                answer = client.invoke_endpoint(EndpointName=name, Body=ROW, ContentType="text/csv")
                seen.append(
                    (
                        started,
                        time.monotonic(),
                        answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-invoked-production-variant"],
                    )
                )
                assert rings(answer) == pytest.approx(EXPECTED[:1], abs=1e-4)
            except Exception as err:  # counted, asserted below
                failures.append(repr(err))

    workers = [threading.Thread(target=loop) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.5)
        asked = time.monotonic()
        sm.update_endpoint(EndpointName=name, EndpointConfigName=f"{name}-v2")
        assert sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "Updating"
        in_service(sm, name)
        assert "FailureReason" not in sm.describe_endpoint(EndpointName=name), "the update failed"
        time.sleep(0.5)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert failures == []
    first_v2 = min(end for _, end, variant in seen if variant == "v2")
    assert [v for start, _, v in seen if start > first_v2] and all(  # once the new config has
        v == "v2" for start, _, v in seen if start > first_v2
    ), Counter(v for _, _, v in seen)  # answered, only it does
    assert any(v == "v1" for _, _, v in seen)
    print(f"\nswitch: first v2 answer {first_v2 - asked:.2f} s after UpdateEndpoint; {len(seen)} requests, 0 failed")
    described = sm.describe_endpoint(EndpointName=name)
    assert described["EndpointConfigName"] == f"{name}-v2" and "FailureReason" not in described
    assert len(leftovers(docker_client, name)) == 3  # the old containers and network are gone


def test_two_variants_share_traffic_and_target_variant_pins(sm, runtime, serve):
    name = unique("cp-ab")
    abalone_model(sm, f"{name}-a")
    abalone_model(sm, f"{name}-b")
    endpoint(sm, serve, name, [variant(f"{name}-a", "A", 0.5), variant(f"{name}-b", "B", 0.5)])
    counts = Counter(
        runtime.invoke_endpoint(EndpointName=name, Body=ROW, ContentType="text/csv")["ResponseMetadata"]["HTTPHeaders"][
            "x-amzn-invoked-production-variant"
        ]
        for _ in range(60)
    )
    assert counts["A"] >= 10 and counts["B"] >= 10, counts
    for pinned in ("A", "B"):
        answer = runtime.invoke_endpoint(EndpointName=name, Body=ROW, ContentType="text/csv", TargetVariant=pinned)
        assert answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-invoked-production-variant"] == pinned


def test_delete_endpoint_leaves_no_container_or_network(sm, serve, docker_client):
    name = unique("cp-delete")
    abalone_model(sm, name)
    endpoint(sm, serve, name, [variant(name)])
    assert len(leftovers(docker_client, name)) == 3
    sm.delete_endpoint(EndpointName=name)
    sm.get_waiter("endpoint_deleted").wait(EndpointName=name, WaiterConfig=WAIT)
    assert leftovers(docker_client, name) == []
    assert name not in [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]]


def test_byoc_ls_lists_the_endpoints_with_status(sm, serve):
    listed = subprocess.run(
        [sys.executable, "-m", "emulator.cli", "ls", "--url", serve.url],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[0]: line.split()[1] for line in listed.stdout.splitlines()}
    assert "InService" in rows.values()
    assert all(rows[e["EndpointName"]] == e["EndpointStatus"] for e in sm.list_endpoints()["Endpoints"])


def start_testbox_endpoint(sm, name: str, faults: tuple[str, ...] = ("",)) -> None:
    sm.create_model(ModelName=name, Containers=[{"Image": TESTBOX, "Environment": {"BYOC_FAULT": f}} for f in faults])
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[variant(name)])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)


def test_ctrl_c_while_an_endpoint_is_creating_leaves_nothing(tmp_path, testbox_image, docker_client):
    served = Serve(tmp_path / "state", "--startup-timeout", "120")
    try:
        name = unique("cp-ctrlc")
        start_testbox_endpoint(local_client("sagemaker", served.url), name, ("", "slow-ping"))  # never passes its ping
        deadline = time.monotonic() + 60
        while len(leftovers(docker_client, name)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(leftovers(docker_client, name)) == 3, "\n".join(served.lines)
    finally:
        assert served.stop(signal.SIGINT) == 0
    assert "Traceback" not in "\n".join(served.lines)
    assert leftovers(docker_client, name) == []


def test_byoc_invoke_and_byoc_down_find_a_running_serve(tmp_path, testbox_image, docker_client):
    state = tmp_path / "state"
    served = Serve(state)
    env = dict(os.environ, BYOC_STATE_DIR=str(state), TESTCONTAINERS_RYUK_DISABLED="true")
    try:
        sm, name = local_client("sagemaker", served.url), unique("cp-down")
        start_testbox_endpoint(sm, name)
        in_service(sm, name)
        invoked = subprocess.run(
            [sys.executable, "-m", "emulator.cli", "invoke", name, "--body", "1,2,3"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert invoked.returncode == 0 and invoked.stdout.strip() == "6.0", invoked.stderr
        down = subprocess.run(
            [sys.executable, "-m", "emulator.cli", "down", "--url", served.url],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert down.returncode == 0 and f"deleted endpoint {name} at {served.url}" in down.stdout, down.stderr
        assert leftovers(docker_client, name) == []
    finally:
        assert served.stop() == 0
