"""The runtime API through a real, unmodified boto3 sagemaker-runtime client (fake hops, no Docker)."""

import http.client
import json
import socket
import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator.api.server import RuntimeApi
from emulator.invocation.chain import MAX_REQUEST_BYTES, HopResponse, Pipeline

REGION = "us-east-1"


class EchoHop:
    """A container that appends its name, sets a Content-Type and optionally custom attributes."""

    def __init__(self, hostname, status=200, content_type="text/csv; charset=utf-8", attributes=None):
        self.hostname, self.status, self.content_type, self.attributes = hostname, status, content_type, attributes
        self.calls = []

    def post(self, body, headers, timeout_s):
        self.calls.append(dict(headers))
        out = {"content-type": self.content_type}
        if self.attributes:
            out["x-amzn-sagemaker-custom-attributes"] = self.attributes
        text = body + b">" + self.hostname.encode() if self.status == 200 else b"unsupported content type"
        return HopResponse(self.status, text, out)


class BrokenHop:
    hostname = "broken"

    def post(self, body, headers, timeout_s):
        raise RuntimeError("a bug in a hop")


@pytest.fixture(scope="module")
def api():
    with RuntimeApi() as api:
        api.add("abalone", Pipeline("abalone", [EchoHop("featurizer"), EchoHop("predictor", attributes="trace=7")]))
        api.add("failing", Pipeline("failing", [EchoHop("featurizer", status=415), EchoHop("predictor")]))
        api.add("direct", Pipeline("direct", [EchoHop("first"), EchoHop("second")], mode="Direct"))
        api.add("buggy", Pipeline("buggy", [BrokenHop()]))
        api.add("starting", None)
        yield api


def make_client(**kwargs):
    return boto3.client(
        "sagemaker-runtime",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
        **kwargs,
    )


@pytest.fixture(scope="module")
def client(api):
    return make_client(endpoint_url=api.url)


def error_of(client, **kwargs):
    with pytest.raises(ClientError) as err:
        client.invoke_endpoint(**kwargs)
    return err.value.response


def test_invoke_returns_body_content_type_variant_and_custom_attributes(client):
    r = client.invoke_endpoint(
        EndpointName="abalone", Body=b"1,2", ContentType="text/csv", Accept="text/csv", CustomAttributes="trace=1"
    )
    assert r["Body"].read() == b"1,2>featurizer>predictor"
    assert r["ContentType"] == "text/csv; charset=utf-8"
    assert r["InvokedProductionVariant"] == "AllTraffic"
    assert r["CustomAttributes"] == "trace=7"
    assert r["ResponseMetadata"]["RequestId"]


def test_headers_reach_the_containers(api, client):
    featurizer, predictor = api.endpoints["abalone"].pipelines["AllTraffic"].hops
    client.invoke_endpoint(
        EndpointName="abalone",
        Body=b"x",
        ContentType="text/csv; charset=utf-8",
        Accept="application/json",
        CustomAttributes="c=1",
    )
    assert featurizer.calls[-1] == {
        "Content-Type": "text/csv; charset=utf-8",
        "X-Amzn-SageMaker-Custom-Attributes": "c=1",
    }
    assert predictor.calls[-1]["Accept"] == "application/json"


def test_no_custom_attributes_header_when_the_last_container_sets_none(client):
    r = client.invoke_endpoint(EndpointName="direct", Body=b"x", TargetContainerHostname="first")
    assert "CustomAttributes" not in r
    assert r["Body"].read() == b"x>first"


def test_unknown_endpoint_is_a_validation_error_with_sagemakers_wording(client):
    r = error_of(client, EndpointName="nope", Body=b"x")
    assert r["Error"] == {"Code": "ValidationError", "Message": "Endpoint nope of account 000000000000 not found."}
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_container_error_is_a_model_error_with_original_fields(client):
    r = error_of(client, EndpointName="failing", Body=b"{}", ContentType="application/json")
    assert r["Error"]["Code"] == "ModelError"
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert r["OriginalStatusCode"] == 415
    assert r["OriginalMessage"] == "unsupported content type"
    assert r["LogStreamArn"].endswith(
        ":log-group:/aws/sagemaker/Endpoints/failing:log-stream:AllTraffic/i-local/featurizer"
    )
    assert r["Error"]["Message"].startswith('Received client error (415) from featurizer with message "unsupported')


def test_model_error_is_botocores_modeled_exception(client):
    with pytest.raises(client.exceptions.ModelError):
        client.invoke_endpoint(EndpointName="failing", Body=b"x")


def test_oversize_body_is_a_validation_error_and_the_connection_survives(client):
    r = error_of(client, EndpointName="abalone", Body=b"x" * (MAX_REQUEST_BYTES + 1))
    assert r["Error"]["Code"] == "ValidationError"
    assert "has oversize body" in r["Error"]["Message"]
    assert client.invoke_endpoint(EndpointName="abalone", Body=b"ok")["Body"].read().startswith(b"ok")


def test_model_not_ready_while_starting(client):
    r = error_of(client, EndpointName="starting", Body=b"x")
    assert r["Error"]["Code"] == "ModelNotReadyException"
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 429


def test_direct_mode_through_boto3(client):
    r = client.invoke_endpoint(EndpointName="direct", Body=b"x", TargetContainerHostname="second")
    assert r["Body"].read() == b"x>second"
    assert error_of(client, EndpointName="direct", Body=b"x")["Error"]["Code"] == "ValidationError"
    r = error_of(client, EndpointName="abalone", Body=b"x", TargetContainerHostname="featurizer")
    assert "not configured for direct invocation" in r["Error"]["Message"]


def test_wrong_target_variant_and_target_model_are_refused(client):
    r = error_of(client, EndpointName="abalone", Body=b"x", TargetVariant="Canary")
    assert r["Error"]["Code"] == "ValidationError" and "Canary" in r["Error"]["Message"]
    assert client.invoke_endpoint(EndpointName="abalone", Body=b"x", TargetVariant="AllTraffic")
    assert (
        error_of(client, EndpointName="abalone", Body=b"x", TargetModel="m.tar.gz")["Error"]["Code"]
        == "ValidationError"
    )


def test_a_bug_in_the_emulator_is_an_internal_failure(client):
    r = error_of(client, EndpointName="buggy", Body=b"x")
    assert r["Error"]["Code"] == "InternalFailure"
    assert "a bug in a hop" in r["Error"]["Message"]


def test_endpoint_url_from_the_environment(api, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", api.url)
    r = make_client().invoke_endpoint(EndpointName="abalone", Body=b"env")
    assert r["Body"].read() == b"env>featurizer>predictor"


def raw(api, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(api.host, api.port, timeout=5)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    return conn, resp, resp.read()


def test_bad_path_is_a_404_json_error(api):
    conn, resp, body = raw(api, "GET", "/nothing/here")
    assert resp.status == 404
    assert resp.getheader("x-amzn-ErrorType") == "UnknownOperationException"
    assert "POST /endpoints/ENDPOINT_NAME/invocations" in json.loads(body)["Message"]
    conn.close()


@pytest.mark.parametrize(
    "path",
    ["/endpoints/abalone/invocations/", "/endpoints/ab%61lone/invocations"],
    ids=["trailing slash", "percent-encoded name"],
)
def test_invocation_paths_beside_botos_form_are_answered_alike(api, path):
    conn, resp, body = raw(api, "POST", path, b"1,2")
    assert (resp.status, body) == (200, b"1,2>featurizer>predictor")
    assert resp.getheader("x-Amzn-Invoked-Production-Variant") == "AllTraffic"
    assert resp.getheader("x-amzn-RequestId") and resp.getheader("Content-Length") == "24"
    conn.close()


def test_an_endpoint_name_sagemaker_would_refuse_is_still_looked_up(api):
    api.add("a_b", Pipeline("a_b", [EchoHop("only")]))
    try:
        conn, resp, body = raw(api, "POST", "/endpoints/a_b/invocations", b"x")
        assert (resp.status, body) == (200, b"x>only")
        conn.close()
    finally:
        api.remove("a_b")


def test_invocations_with_another_method_is_an_unknown_operation(api):
    conn, resp, body = raw(api, "GET", "/endpoints/abalone/invocations")
    assert resp.status == 404 and resp.getheader("x-amzn-ErrorType") == "UnknownOperationException"
    assert "GET /endpoints/abalone/invocations" in json.loads(body)["Message"]
    conn.close()


def test_one_connection_object_serves_many_requests_errors_included(api):
    conn = http.client.HTTPConnection(api.host, api.port, timeout=5)
    for i in range(3):
        conn.request("POST", "/endpoints/abalone/invocations", body=b"%d" % i)
        resp = conn.getresponse()
        assert resp.read() == b"%d>featurizer>predictor" % i
    conn.request("POST", "/endpoints/nope/invocations", body=b"x")  # an error keeps it open too
    assert conn.getresponse().read()
    conn.request("POST", "/endpoints/abalone/invocations", body=b"again")
    assert conn.getresponse().read() == b"again>featurizer>predictor"
    conn.close()


def test_oversize_content_length_is_refused_without_reading_the_body(api):
    conn = http.client.HTTPConnection(api.host, api.port, timeout=5)
    conn.putrequest("POST", "/endpoints/abalone/invocations")
    conn.putheader("Content-Length", str(10 * 1024**3))  # 10 GiB announced, never sent
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 400 and "oversize body" in json.loads(resp.read())["Message"]
    assert resp.getheader("Connection") == "close"
    conn.close()


def test_chunked_body_is_read(api):
    conn = http.client.HTTPConnection(api.host, api.port, timeout=5)
    conn.request("POST", "/endpoints/abalone/invocations", body=iter([b"ab", b"cd"]))  # sent chunked
    assert conn.getresponse().read() == b"abcd>featurizer>predictor"
    conn.close()


def test_add_remove_and_stop():
    api = RuntimeApi().start()
    client = make_client(endpoint_url=api.url)
    api.add("later", None)
    assert error_of(client, EndpointName="later", Body=b"x")["Error"]["Code"] == "ModelNotReadyException"
    api.add("later", Pipeline("later", [EchoHop("only")]))
    assert client.invoke_endpoint(EndpointName="later", Body=b"x")["Body"].read() == b"x>only"
    api.remove("later")
    assert error_of(client, EndpointName="later", Body=b"x")["Error"]["Code"] == "ValidationError"
    api.stop()
    with pytest.raises(OSError):
        http.client.HTTPConnection(api.host, api.port, timeout=2).request("GET", "/")


def test_a_burst_of_new_connections_is_accepted_at_once():
    """128 callers connecting together all get in without waiting for TCP's 1 s SYN retransmission.

    cheroot's default listen backlog (5) drops the SYNs of such a burst: the slowest connect took 1.0 s.
    """
    with RuntimeApi() as api:
        seconds: list[float] = []
        opened: list[socket.socket] = []

        def connect():
            started = time.perf_counter()
            opened.append(socket.create_connection(("127.0.0.1", api.port), timeout=5))
            seconds.append(time.perf_counter() - started)

        threads = [threading.Thread(target=connect) for _ in range(128)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for sock in opened:
            sock.close()
    assert len(seconds) == 128
    assert max(seconds) < 0.9, f"slowest connect {max(seconds):.3f} s: SYNs were dropped (listen backlog too small)"
