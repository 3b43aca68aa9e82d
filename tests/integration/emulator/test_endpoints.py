"""Both demo pipelines and a Direct-mode endpoint, called through boto3 as a live endpoint is called."""

import json
import time

import pytest
from botocore.exceptions import ClientError

from emulator.cli import main as byoc
from emulator.config import FIXTURES_DIR

pytestmark = pytest.mark.integration


def invoke(endpoint, body, content_type="text/csv", accept=None, **extra):
    request = {"EndpointName": endpoint.name, "Body": body, "ContentType": content_type, **extra}
    if accept:
        request["Accept"] = accept
    return endpoint.client().invoke_endpoint(**request)


def error_of(call) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value


def test_abalone_predicts_the_expected_rings(abalone):
    expected = json.loads((FIXTURES_DIR / "abalone/expected.json").read_text())["predictions"]
    answer = invoke(abalone, (FIXTURES_DIR / "abalone/featurizer/sample.csv").read_bytes(), accept="text/csv")
    rings = [float(line) for line in answer["Body"].read().decode().split()]
    assert rings == pytest.approx(expected, abs=1e-4)
    assert answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-invoked-production-variant"] == "AllTraffic"
    assert answer["ContentType"].startswith("text/csv")


def test_support_routes_questions_to_categories_and_available_agents(support):
    expected = json.loads((FIXTURES_DIR / "support/expected.json").read_text())["predictions"]
    seed = json.loads((FIXTURES_DIR / "support/dynamodb/PipelineLookupTable.json").read_text())["items"]
    available = {(i["Specialty"], i["ID"]) for i in seed if i["Available"]}
    answer = invoke(support, (FIXTURES_DIR / "support/preprocessor/sample.csv").read_bytes(), accept="application/json")
    rows = json.loads(answer["Body"].read())["response"]
    assert [row["category"] for row in rows] == expected
    for row in rows:
        has_agent = any(category == row["category"] for category, _ in available)
        assert (row["agent"] is not None) == has_agent, row
        if row["agent"]:
            assert (row["category"], row["agent"]["ID"]) in available
    assert any(row["agent"] is None for row in rows)  # estate taxes / properties: nobody available


def test_a_containers_415_is_a_model_error_424(abalone):
    err = error_of(lambda: invoke(abalone, b"1,2,3", content_type="application/x-unsupported"))
    assert err.response["Error"]["Code"] == "ModelError"
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert err.response["OriginalStatusCode"] == 415
    first = abalone.containers[0].hostname
    assert f"from {first}" in err.response["Error"]["Message"]
    assert err.response["LogStreamArn"].endswith(f"/{first}")


def test_a_containers_500_is_a_model_error(direct):
    err = error_of(
        lambda: invoke(direct, b"x", content_type="application/x-unsupported", TargetContainerHostname="fail500")
    )
    assert err.response["Error"]["Code"] == "ModelError"
    assert err.response["OriginalStatusCode"] == 500
    assert "Received server error (500) from fail500" in err.response["Error"]["Message"]


def test_oversize_body_is_a_validation_error(abalone):
    err = error_of(lambda: invoke(abalone, b"0" * (6 * 1024 * 1024 + 1)))
    assert err.response["Error"]["Code"] == "ValidationError"
    assert "oversize body" in err.response["Error"]["Message"]


def test_unknown_endpoint_is_a_validation_error(abalone):
    client = abalone.client()
    err = error_of(lambda: client.invoke_endpoint(EndpointName="no-such-endpoint", Body=b"1", ContentType="text/csv"))
    assert err.response["Error"]["Code"] == "ValidationError"
    assert "no-such-endpoint" in err.response["Error"]["Message"]


def test_endpoint_still_starting_is_model_not_ready(api, abalone):
    api.server.add("warming-up", None)
    try:
        client = abalone.client()
        err = error_of(lambda: client.invoke_endpoint(EndpointName="warming-up", Body=b"1", ContentType="text/csv"))
        assert err.response["Error"]["Code"] == "ModelNotReadyException"
    finally:
        api.server.remove("warming-up")


def test_direct_mode_routes_by_target_hostname(direct):
    answer = invoke(direct, b"1,2,3\n4,5,6\n", TargetContainerHostname="good")
    assert answer["Body"].read().decode().split() == ["6.0", "15.0"]
    err = error_of(lambda: invoke(direct, b"1,2,3"))
    assert err.response["Error"]["Code"] == "ValidationError"
    assert "TargetContainerHostname" in err.response["Error"]["Message"]


def test_container_ignoring_its_port_works_and_is_named_in_a_warning(direct):
    assert [w for w in direct.warnings if "/portless:" in w and "SAGEMAKER_BIND_TO_PORT" in w]
    assert not [w for w in direct.warnings if "/good:" in w]
    answer = invoke(direct, b"1,1,1", TargetContainerHostname="portless")
    assert answer["Body"].read().decode().strip() == "3.0"


def test_killed_container_is_named_in_a_warning_and_replaced(direct, docker_client):
    first = direct.group.container_id("victim")
    docker_client.containers.get(first).kill()
    deadline = time.monotonic() + 30
    while not any("/victim replaced" in w for w in direct.warnings) and time.monotonic() < deadline:
        time.sleep(0.05)  # the runtime notices the exit by itself
    assert any("/victim exited with code 137" in w for w in direct.warnings)
    assert direct.group.container_id("victim") != first
    assert invoke(direct, b"1,2,3", TargetContainerHostname="victim")["Body"].read().decode().strip() == "6.0"
    assert invoke(direct, b"1,2,3", TargetContainerHostname="good")["Body"].read().decode().strip() == "6.0"


def test_byoc_invoke_calls_a_running_endpoint_by_name(abalone, capsys):
    row = (FIXTURES_DIR / "abalone/featurizer/sample.csv").read_text().splitlines()[0]
    assert byoc(["invoke", abalone.name, "--url", abalone.url, "--body", row, "--accept", "text/csv"]) == 0
    expected = json.loads((FIXTURES_DIR / "abalone/expected.json").read_text())["predictions"][0]
    assert float(capsys.readouterr().out.strip()) == pytest.approx(expected, abs=1e-4)


def test_byoc_invoke_reports_a_model_error_as_a_message(abalone, capsys):
    code = byoc(["invoke", abalone.name, "--url", abalone.url, "--body", "x", "--content-type", "application/x-nope"])
    err = capsys.readouterr().err
    assert code == 2
    assert "ModelError" in err and "container status 415" in err
    assert "Traceback" not in err
