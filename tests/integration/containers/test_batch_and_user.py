"""Batch transform support and the unprivileged user, in the real images."""

import json

import boto3
import pytest
import requests

from .conftest import AWS_ENV

pytestmark = pytest.mark.integration
JSONLINES = "application/jsonlines"


@pytest.mark.parametrize("server", ["abalone_featurizer", "abalone_predictor", "postprocessor"])
def test_execution_parameters(server, request):
    response = requests.get(f"{request.getfixturevalue(server).url}/execution-parameters", timeout=5)
    assert response.status_code == 200
    parameters = response.json()
    assert parameters["BatchStrategy"] == "MULTI_RECORD" and parameters["MaxPayloadInMB"] == 6
    assert parameters["MaxConcurrentTransforms"] >= 1


@pytest.mark.parametrize("server", ["abalone_featurizer", "abalone_predictor", "postprocessor", "moto"])
def test_the_server_runs_unprivileged(server, request):
    wrapped = request.getfixturevalue(server).container.get_wrapped_container()
    uid = wrapped.exec_run(["python3", "-c", "import os; print(os.getuid())"]).output.decode().strip()
    assert uid.isdigit() and int(uid) != 0
    processes = wrapped.exec_run(["sh", "-c", "cat /proc/[0-9]*/status | grep '^Uid:'"]).output.decode().split("\n")
    assert all(line.split()[1] != "0" for line in processes if line.startswith("Uid:"))


def test_jsonlines_through_the_abalone_chain_one_answer_per_record(abalone_featurizer, abalone_predictor):
    rows = [
        ["M", 0.605, 0.455, 0.16, 1.1035, 0.421, 0.3015, 0.325],
        ["F", 0.635, 0.49, 0.17, 1.2615, 0.5385, 0.2665, 0.38],
    ] * 3
    body = "\n".join(json.dumps(row) for row in rows).encode()
    features = abalone_featurizer.invoke(body, JSONLINES, JSONLINES)
    assert features.status_code == 200 and features.headers["Content-Type"].startswith(JSONLINES)
    predictions = abalone_predictor.invoke(features.content, JSONLINES, JSONLINES)
    values = [json.loads(line) for line in predictions.text.splitlines()]
    assert len(values) == 6 and values[0] == values[2] == values[4] and values[1] == values[3] != values[0]


def test_moto_serves_s3_logs_sts_iam_and_ecr(moto):
    def client(service):
        return boto3.client(
            service,
            endpoint_url=moto.url,
            region_name=AWS_ENV["AWS_REGION"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    client("s3").create_bucket(Bucket="models")
    client("s3").put_object(Bucket="models", Key="m.tar.gz", Body=b"x")
    assert client("s3").get_object(Bucket="models", Key="m.tar.gz")["Body"].read() == b"x"
    client("logs").create_log_group(logGroupName="/aws/sagemaker/Endpoints/e")
    assert client("logs").describe_log_groups()["logGroups"][0]["logGroupName"] == "/aws/sagemaker/Endpoints/e"
    assert client("sts").get_caller_identity()["Account"]
    client("iam").create_role(RoleName="sagemaker", AssumeRolePolicyDocument="{}")
    client("ecr").create_repository(repositoryName="byoc/featurizer")
    assert client("ecr").describe_repositories()["repositories"][0]["repositoryName"] == "byoc/featurizer"
