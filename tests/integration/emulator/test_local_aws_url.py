"""The one local URL with the real byoc/moto behind it: every other AWS service, an endpoint's tables and logs."""

import time
from urllib.parse import unquote

import pytest
from botocore.exceptions import ClientError

from emulator.api.app import LocalApi
from emulator.api.proxy import proxy_hook
from emulator.api.server import RuntimeApi
from emulator.aws import local_client
from emulator.hosting.endpoint import LocalEndpoint
from emulator.hosting.localaws import LocalAws
from emulator.sagemaker import ACCOUNT_ID
from tests.integration.emulator.helpers import unique, write_testbox_definition

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def one_url():
    with LocalAws() as aws:
        app = LocalApi()
        app.hooks.append(proxy_hook(aws.url))
        with RuntimeApi(app=app) as served:
            yield served.url


def test_s3_dynamodb_logs_sts_ecr_through_the_one_url(one_url, tmp_path):
    s3 = local_client("s3", one_url)
    s3.create_bucket(Bucket="models")
    source = tmp_path / "model.tar.gz"
    source.write_bytes(b"\x1f\x8b" + bytes(range(256)) * 50_000)  # 12.8 MB: a multipart upload
    s3.upload_file(str(source), "models", "abalone/model.tar.gz")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="models")["Contents"]] == ["abalone/model.tar.gz"]
    db = local_client("dynamodb", one_url)
    db.create_table(
        TableName="T",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    db.put_item(TableName="T", Item={"k": {"S": "1"}, "v": {"N": "2"}})
    assert db.get_item(TableName="T", Key={"k": {"S": "1"}})["Item"]["v"] == {"N": "2"}
    logs = local_client("logs", one_url)
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    logs.put_log_events(
        logGroupName="g", logStreamName="s", logEvents=[{"timestamp": int(time.time() * 1000), "message": "m"}]
    )
    assert [e["message"] for e in logs.get_log_events(logGroupName="g", logStreamName="s")["events"]] == ["m"]
    assert local_client("sts", one_url).get_caller_identity()["Account"] == ACCOUNT_ID
    assert local_client("ecr", one_url).describe_repositories()["repositories"] == []


def test_a_service_the_image_does_not_hold_is_refused_at_once(one_url):
    for service, call in (("sqs", lambda c: c.list_queues()), ("sns", lambda c: c.list_topics())):
        with pytest.raises(ClientError) as caught:
            call(local_client(service, one_url))
        response = caught.value.response
        assert (response["Error"]["Code"], response["ResponseMetadata"]["RetryAttempts"]) == ("NotImplemented", 0)
        assert f"'{service}'" in response["Error"]["Message"]
    assert local_client("sts", one_url).get_caller_identity()["Account"] == ACCOUNT_ID  # moto still answers


def test_a_model_errors_log_stream_holds_the_containers_output(testbox_image, tmp_path):
    path = write_testbox_definition(tmp_path / "logs.toml", {"good": "", "fail500": "unsupported-500"})
    with LocalEndpoint(path, name=unique("logs"), stream_logs=False) as endpoint:
        runtime = endpoint.client()
        with pytest.raises(ClientError) as caught:
            runtime.invoke_endpoint(
                EndpointName=endpoint.name,
                Body=b"x",
                ContentType="application/x-unsupported",
                TargetContainerHostname="fail500",
            )
        arn = caught.value.response["LogStreamArn"]
        group, stream = unquote(arn).split(":log-group:")[1].split(":log-stream:")
        assert stream == "AllTraffic/i-local/fail500"
        logs = local_client("logs", endpoint.url)  # through the endpoint's own URL
        deadline, messages = time.monotonic() + 10, []
        while not any("POST /invocations" in m for m in messages) and time.monotonic() < deadline:
            assert endpoint.group.shipper.flush()  # the container logs the request after answering
            messages = [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]]
        assert any("POST /invocations" in m for m in messages), messages
