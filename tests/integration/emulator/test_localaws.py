"""LocalAws with the real byoc/moto container: reachable from the host and from a container on an attached network."""

import docker as docker_sdk
import pytest

from emulator.config import LABEL, LABEL_VALUE, SERVICE_LABEL
from emulator.hosting.localaws import LocalAws
from emulator.sagemaker import ACCOUNT_ID

pytestmark = pytest.mark.integration

# Run inside a container on the endpoint's network: only AWS_ENDPOINT_URL and the dummy credentials
# from the environment, as a handler's unmodified boto3 code would.
IN_CONTAINER = """
import boto3
s3 = boto3.client("s3")
s3.put_object(Bucket="models", Key="from-container.txt", Body=b"hello from the endpoint network")
db = boto3.client("dynamodb")
print(db.get_item(TableName="Agents", Key={"ID": {"S": "7"}})["Item"]["Name"]["S"])
print(boto3.client("sts").get_caller_identity()["Account"])
logs = boto3.client("logs")
logs.create_log_group(logGroupName="/from/container")
print(boto3.client("ecr").describe_repositories()["repositories"][0]["repositoryName"])
"""


@pytest.fixture(scope="module")
def aws():
    with LocalAws() as started:
        yield started


@pytest.fixture(scope="module")
def seeded(aws):
    """A bucket, a table with one item, a repository and a role, made from the host side."""
    aws.client("s3").create_bucket(Bucket="models")
    db = aws.client("dynamodb")
    db.create_table(
        TableName="Agents",
        KeySchema=[{"AttributeName": "ID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "ID", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    db.put_item(TableName="Agents", Item={"ID": {"S": "7"}, "Name": {"S": "Ada"}})
    aws.client("ecr").create_repository(repositoryName="featurizer")
    aws.client("iam").create_role(RoleName="SageMakerRole", AssumeRolePolicyDocument="{}")
    return aws


def test_host_side_serves_s3_dynamodb_logs_sts_iam_ecr(seeded):
    assert seeded.client("sts").get_caller_identity()["Account"] == ACCOUNT_ID
    assert (
        seeded.client("iam").get_role(RoleName="SageMakerRole")["Role"]["Arn"].startswith(f"arn:aws:iam::{ACCOUNT_ID}:")
    )
    assert seeded.client("dynamodb").get_item(TableName="Agents", Key={"ID": {"S": "7"}})["Item"]["Name"] == {
        "S": "Ada"
    }
    assert seeded.client("logs").describe_log_groups()["logGroups"] == []
    assert seeded.url.startswith("http://127.0.0.1:")


def test_published_on_loopback_only(aws):
    client = docker_sdk.from_env()
    container = client.containers.get(aws.handle.id)
    bindings = container.attrs["NetworkSettings"]["Ports"]["5000/tcp"]
    assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}
    assert container.labels[LABEL] == LABEL_VALUE and container.labels[SERVICE_LABEL] == f"local-aws-{aws.id}"
    client.close()


def test_a_container_on_an_attached_network_stays_local(seeded):
    aws = seeded
    client = docker_sdk.from_env()
    network = client.networks.create(f"byoc-test-aws-{aws.id}", labels=dict(aws.labels))
    try:
        aws.attach(network.name)
        output = client.containers.run(
            aws.image,
            entrypoint=["python", "-c", IN_CONTAINER],
            environment=aws.env(),
            network=network.name,
            labels=dict(aws.labels),
            remove=True,
        )
        assert output.decode().split() == ["Ada", ACCOUNT_ID, "featurizer"]
        body = aws.client("s3").get_object(Bucket="models", Key="from-container.txt")["Body"].read()
        assert body == b"hello from the endpoint network"
        aws.detach(network.name)
        network.reload()
        assert aws.handle.id not in [c.id for c in network.containers]
    finally:
        aws.detach(network.name)
        network.remove()
        client.close()


def test_the_host_url_survives_joining_a_network_that_sorts_first(aws):
    """Docker 20.10 re-publishes an ephemeral port when the gateway network changes; ours is fixed."""
    client = docker_sdk.from_env()
    network = client.networks.create(f"byoc-a-{aws.id}", labels=dict(aws.labels))  # "byoc-a-" < "byoc-aws-"
    try:
        aws.attach(network.name)
        assert aws.client("sts").get_caller_identity()["Account"] == ACCOUNT_ID
    finally:
        aws.detach(network.name)
        network.remove()
        client.close()


def test_stop_removes_everything_it_labelled():
    client = docker_sdk.from_env()
    aws = LocalAws().start()
    labels = [f"{k}={v}" for k, v in aws.labels.items()]
    assert client.containers.list(filters={"label": labels})
    aws.stop()
    assert client.containers.list(all=True, filters={"label": labels}) == []
    assert client.networks.list(filters={"label": labels}) == []
    client.close()
