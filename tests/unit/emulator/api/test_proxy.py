"""The proxy through boto3: a werkzeug server around `route_by_service(sagemaker, proxy_to(moto))`, moto in-process."""

import http.client
import io
import json
import threading
import time

import pytest
from botocore.exceptions import ClientError
from werkzeug.serving import make_server
from werkzeug.test import Client

from emulator.api.app import LocalApi
from emulator.api.proxy import is_sagemaker, proxy_hook, proxy_to, route_by_service, signing_service
from emulator.api.server import RuntimeApi
from emulator.aws import local_client
from emulator.sagemaker import ACCOUNT_ID
from tests.unit.emulator.inprocess_moto import moto_url as in_process_moto

SIGNED = "AWS4-HMAC-SHA256 Credential=testing/20261125/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=abc"


def sagemaker_stub(environ, start_response):
    """Stands in for the SageMaker API: says it was reached."""
    body = json.dumps({"reached": "sagemaker", "path": environ["PATH_INFO"]}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture(scope="module")
def moto_url():
    with in_process_moto() as url:
        yield url


@pytest.fixture(scope="module")
def one_url(moto_url):
    """The one URL as the emulator serves it: LocalApi on cheroot, the proxy as its hook."""
    app = LocalApi()
    app.hooks.append(proxy_hook(moto_url))
    with RuntimeApi(app=app) as served:
        yield served.url


@pytest.fixture(scope="module")
def routed_url(moto_url):
    """`route_by_service` on werkzeug's server: SageMaker's calls to a stub, the rest to moto."""
    server = make_server("127.0.0.1", 0, route_by_service(sagemaker_stub, proxy_to(moto_url)), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_signing_service_reads_the_credential_scope():
    assert signing_service({"HTTP_AUTHORIZATION": SIGNED.format("dynamodb")}) == "dynamodb"
    query = "X-Amz-Credential=testing%2F20261125%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=x"
    assert signing_service({"QUERY_STRING": query}) == "s3"
    assert signing_service({"HTTP_AUTHORIZATION": "AWS testing:c2lnbmF0dXJl"}) == "s3"
    assert signing_service({"QUERY_STRING": "AWSAccessKeyId=testing&Signature=x&Expires=1"}) == "s3"
    assert signing_service({}) is None


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"HTTP_X_AMZ_TARGET": "SageMaker.CreateModel", "HTTP_AUTHORIZATION": SIGNED.format("sagemaker")}, True),
        ({"REQUEST_METHOD": "POST", "PATH_INFO": "/endpoints/abc/invocations"}, True),
        ({"REQUEST_METHOD": "PUT", "PATH_INFO": "/bucket", "HTTP_AUTHORIZATION": SIGNED.format("s3")}, False),
        ({"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.GetItem", "HTTP_AUTHORIZATION": SIGNED.format("dynamodb")}, False),
        ({"REQUEST_METHOD": "GET", "PATH_INFO": "/ping"}, True),
    ],
)
def test_sagemaker_calls_stay_and_others_go_on(environ, expected):
    assert is_sagemaker(environ) is expected


def test_proxy_to_refuses_a_url_it_cannot_reach_by_http():
    with pytest.raises(ValueError, match="http://HOST:PORT"):
        proxy_to("unix:///var/run/moto.sock")


def test_s3_upload_file_and_list_go_through(one_url, tmp_path):
    s3 = local_client("s3", one_url)
    s3.create_bucket(Bucket="models")
    source = tmp_path / "model.tar.gz"
    source.write_bytes(bytes(range(256)) * 40_000)  # 10 MB: boto3 uploads it in parts
    s3.upload_file(str(source), "models", "abalone/model tar+1.gz")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="models")["Contents"]]
    assert keys == ["abalone/model tar+1.gz"]
    target = tmp_path / "back.gz"
    s3.download_file("models", "abalone/model tar+1.gz", str(target))
    assert target.read_bytes() == source.read_bytes()


def test_s3_missing_object_keeps_its_error_code(one_url):
    s3 = local_client("s3", one_url)
    s3.create_bucket(Bucket="empty")
    with pytest.raises(ClientError) as caught:
        s3.head_object(Bucket="empty", Key="nope")
    assert caught.value.response["Error"]["Code"] == "404"


def test_dynamodb_create_put_get(one_url):
    db = local_client("dynamodb", one_url)
    db.create_table(
        TableName="Agents",
        KeySchema=[{"AttributeName": "ID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "ID", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    db.put_item(TableName="Agents", Item={"ID": {"S": "7"}, "Name": {"S": "Ada"}})
    assert db.get_item(TableName="Agents", Key={"ID": {"S": "7"}})["Item"]["Name"] == {"S": "Ada"}
    with pytest.raises(ClientError) as caught:
        db.describe_table(TableName="Missing")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_calls_with_a_body_keep_their_connection(one_url):
    """A forwarded body is a read body: the connection stays open (each call cost a new one when it closed)."""
    host, port = one_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    signed = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261204/us-east-1/s3/aws4_request, "
        "SignedHeaders=host, Signature=x",
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
    }
    connection.request("PUT", "/kept-open", headers=signed)
    connection.getresponse().read()
    sock = connection.sock
    for body in (b"first", b"second" * 1000):
        connection.request("PUT", "/kept-open/key", body=body, headers=signed)
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 200 and answer.getheader("Connection") is None
    connection.request("GET", "/kept-open/key", headers=signed)
    assert connection.getresponse().read() == b"second" * 1000
    assert connection.sock is sock  # one connection for all four calls
    unserved = dict(signed, Authorization=signed["Authorization"].replace("/s3/", "/kinesis/"))
    connection.request("POST", "/", body=b"{}", headers=unserved)
    refused = connection.getresponse()
    refused.read()
    assert refused.status == 501 and refused.getheader("Connection") == "close"  # a body nobody read
    connection.close()


def test_logs_create_put_get(one_url):
    logs = local_client("logs", one_url)
    logs.create_log_group(logGroupName="/aws/sagemaker/Endpoints/demo")
    logs.create_log_stream(logGroupName="/aws/sagemaker/Endpoints/demo", logStreamName="AllTraffic/i-local/a")
    logs.put_log_events(
        logGroupName="/aws/sagemaker/Endpoints/demo",
        logStreamName="AllTraffic/i-local/a",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": "hello"}],
    )
    events = logs.get_log_events(logGroupName="/aws/sagemaker/Endpoints/demo", logStreamName="AllTraffic/i-local/a")
    assert [e["message"] for e in events["events"]] == ["hello"]


def test_sts_and_ecr_answer(one_url):
    identity = local_client("sts", one_url).get_caller_identity()
    assert identity["Arn"].startswith("arn:aws:")
    ecr = local_client("ecr", one_url)
    ecr.create_repository(repositoryName="featurizer")
    names = [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]
    assert names == ["featurizer"]


def test_sagemaker_calls_stay_in_the_emulator(one_url):
    runtime = local_client("sagemaker-runtime", one_url)
    with pytest.raises(ClientError) as caught:
        runtime.invoke_endpoint(EndpointName="x", Body=b"1", ContentType="text/csv")
    assert caught.value.response["Error"]["Message"] == f"Endpoint x of account {ACCOUNT_ID} not found."


def test_route_by_service_splits_one_wsgi_app(routed_url):
    runtime = local_client("sagemaker-runtime", routed_url)
    answer = runtime.invoke_endpoint(EndpointName="x", Body=b"1", ContentType="text/csv")
    assert json.loads(answer["Body"].read()) == {"reached": "sagemaker", "path": "/endpoints/x/invocations"}
    s3 = local_client("s3", routed_url)
    s3.create_bucket(Bucket="routed")
    s3.put_object(Bucket="routed", Key="k", Body=b"v")
    assert s3.get_object(Bucket="routed", Key="k")["Body"].read() == b"v"


@pytest.mark.parametrize(
    ("service", "call"),
    [
        ("sqs", lambda c: c.list_queues()),  # json
        ("sns", lambda c: c.list_topics()),  # query (XML errors)
        ("lambda", lambda c: c.list_functions()),  # rest-json, a GET without a body
    ],
)
def test_a_service_the_local_url_does_not_serve_is_refused_naming_what_it_serves(one_url, service, call):
    with pytest.raises(ClientError) as caught:
        call(local_client(service, one_url))
    error, metadata = caught.value.response["Error"], caught.value.response["ResponseMetadata"]
    assert (error["Code"], metadata["HTTPStatusCode"], metadata["RetryAttempts"]) == ("NotImplemented", 501, 0)
    assert f"signed for the AWS service '{service}'" in error["Message"]
    assert "S3, DynamoDB, CloudWatch Logs, STS, IAM, ECR" in error["Message"]


def test_proxy_to_with_no_service_list_forwards_every_service(moto_url):
    client = Client(proxy_to(moto_url, services=None))
    response = client.post(
        "/",
        data="Action=ListTopics&Version=2010-03-31",
        headers={"Authorization": SIGNED.format("sns"), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200 and b"ListTopicsResponse" in response.data


def test_a_dead_moto_answers_503_naming_it():
    client = Client(proxy_to("http://127.0.0.1:9", connect_timeout_s=0.5))
    response = client.get("/", headers={"Authorization": SIGNED.format("s3")})
    assert response.status_code == 503
    assert response.headers["x-amzn-ErrorType"] == "ServiceUnavailable"
    assert "127.0.0.1:9" in response.get_json(force=True)["message"]


def test_the_body_and_query_arrive_unchanged(moto_url):
    """A werkzeug test client around proxy_to alone: the path's escapes and the query survive."""
    s3 = local_client("s3", moto_url)
    s3.create_bucket(Bucket="raw")
    s3.put_object(Bucket="raw", Key="a/b%c", Body=b"payload")
    client = Client(proxy_to(moto_url))
    response = client.get("/raw?list-type=2&prefix=a%2F", headers={"Authorization": SIGNED.format("s3")})
    assert response.status_code == 200
    assert b"<Key>a/b%c</Key>" in response.data
    put = client.put(
        "/raw/x.bin",
        input_stream=io.BytesIO(b"\x00\x01" * 10),
        content_length=20,
        headers={"Authorization": SIGNED.format("s3")},
    )
    assert put.status_code == 200
    assert s3.get_object(Bucket="raw", Key="x.bin")["Body"].read() == b"\x00\x01" * 10


def test_a_presigned_s3_url_is_routed_by_its_query(one_url):
    import urllib.request

    s3 = local_client("s3", one_url)
    s3.create_bucket(Bucket="shared")
    s3.put_object(Bucket="shared", Key="report.csv", Body=b"a,b\n1,2\n")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "shared", "Key": "report.csv"}, ExpiresIn=60)
    assert "Signature=" in url  # boto3 presigns S3 with SigV2 here: still S3's
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == b"a,b\n1,2\n"


def test_a_chunked_upload_arrives_whole(one_url):
    import urllib3

    s3 = local_client("s3", one_url)
    s3.create_bucket(Bucket="chunked")
    pool = urllib3.PoolManager()
    parts = (bytes([n]) * 70_000 for n in range(5))
    answer = pool.request(
        "PUT",
        f"{one_url}/chunked/streamed.bin",
        body=parts,
        chunked=True,
        headers={"Authorization": SIGNED.format("s3")},
    )
    assert answer.status == 200, answer.data
    stored = s3.get_object(Bucket="chunked", Key="streamed.bin")["Body"].read()
    assert stored == b"".join(bytes([n]) * 70_000 for n in range(5))
