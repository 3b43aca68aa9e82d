"""HttpHop against tiny in-process HTTP servers standing in for containers (no Docker)."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator.api.server import RuntimeApi
from emulator.invocation.chain import Pipeline
from emulator.invocation.hops import HopUnreachable, HttpHop
from tests.support import free_port


class ContainerHandler(BaseHTTPRequestHandler):
    """/ping answers 200; /invocations echoes with a suffix, or obeys X-Test-Status / X-Test-Sleep."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self._send(200 if self.path == "/ping" else 404, b"", {})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(float(self.headers.get("X-Test-Sleep", "0")))
        if self.headers.get("X-Test-Drop"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        headers = {
            "Content-Type": "text/csv; charset=utf-8",
            "X-Seen-Content-Type": self.headers.get("Content-Type", ""),
        }
        if self.headers.get("X-Amzn-SageMaker-Custom-Attributes"):
            headers["X-Amzn-SageMaker-Custom-Attributes"] = "back=" + self.headers["X-Amzn-SageMaker-Custom-Attributes"]
        self._send(int(self.headers.get("X-Test-Status", "200")), body + b">" + self.server.name, headers)

    def _send(self, status, body, headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class FakeContainer:
    """A ThreadingHTTPServer on a free loopback port that counts the connections it accepted."""

    def __init__(self, name):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), ContainerHandler)
        self.server.daemon_threads = True
        self.server.name = name.encode()
        self.sockets = []
        original = self.server.get_request

        def counted():
            sock, address = original()
            self.sockets.append(sock)
            return sock, address

        self.server.get_request = counted
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def connections(self):
        return len(self.sockets)

    def stop(self):
        """Stop like a killed container: no listener and every open connection cut."""
        self.server.shutdown()
        self.server.server_close()
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture
def container():
    c = FakeContainer("box")
    yield c
    c.stop()


def test_post_returns_status_body_and_lowercase_headers(container):
    hop = HttpHop("box", container.url)
    r = hop.post(b"1,2", {"Content-Type": "text/csv; charset=latin-1"}, 5.0)
    assert (r.status, r.body) == (200, b"1,2>box")
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["x-seen-content-type"] == "text/csv; charset=latin-1"
    hop.close()


def test_non_2xx_is_returned_not_raised(container):
    r = HttpHop("box", container.url).post(b"x", {"X-Test-Status": "415"}, 5.0)
    assert r.status == 415 and r.body == b"x>box"


def test_connections_are_kept_alive_and_reused(container):
    hop = HttpHop("box", container.url)
    for _ in range(5):
        assert hop.post(b"x", {}, 5.0).status == 200
    assert container.connections == 1


def test_an_idle_connection_the_container_closed_is_not_reused(container):
    """nginx closes idle keep-alive connections (keepalive_timeout): the next POST must not be sent on one."""
    hop = HttpHop("box", container.url)
    assert hop.post(b"x", {}, 5.0).status == 200
    for sock in container.sockets:  # the server's end of the idle connection goes away
        sock.shutdown(socket.SHUT_RDWR)
    time.sleep(0.05)
    assert hop.post(b"y", {}, 5.0).body == b"y>box"
    assert container.connections == 2


def test_calls_in_parallel_each_get_a_connection_and_at_most_pool_size_are_kept(container):
    hop = HttpHop("box", container.url, pool_size=2)
    calls = [threading.Thread(target=hop.post, args=(b"x", {"X-Test-Sleep": "0.2"}, 5.0)) for _ in range(4)]
    for call in calls:
        call.start()
    for call in calls:
        call.join()
    assert container.connections == 4
    for _ in range(3):
        hop.post(b"x", {}, 5.0)
    assert container.connections == 4  # two were kept and are reused


def test_a_closed_hop_refuses_calls(container):
    hop = HttpHop("box", container.url)
    hop.close()
    with pytest.raises(HopUnreachable, match="closed"):
        hop.post(b"x", {}, 5.0)


def test_refused_connection_is_unreachable_not_timed_out():
    with pytest.raises(HopUnreachable) as err:
        HttpHop("gone", f"http://127.0.0.1:{free_port()}").post(b"x", {}, 2.0)
    assert err.value.timed_out is False and err.value.hostname == "gone"


def test_slow_answer_is_a_timeout(container):
    started = time.perf_counter()
    with pytest.raises(HopUnreachable) as err:
        HttpHop("box", container.url).post(b"x", {"X-Test-Sleep": "1.0"}, 0.2)
    assert err.value.timed_out is True
    assert time.perf_counter() - started < 0.9


def test_dropped_connection_is_unreachable(container):
    with pytest.raises(HopUnreachable) as err:
        HttpHop("box", container.url).post(b"x", {"X-Test-Drop": "1"}, 2.0)
    assert err.value.timed_out is False


def test_base_url_must_be_http():
    with pytest.raises(ValueError, match="http://HOST:PORT"):
        HttpHop("box", "localhost:8080")


@pytest.fixture
def served_pipeline():
    boxes = [FakeContainer("featurizer"), FakeContainer("predictor")]
    hops = [HttpHop(name, box.url) for name, box in zip(("featurizer", "predictor"), boxes, strict=True)]
    with RuntimeApi() as api:
        api.add("abalone", Pipeline("abalone", hops, timeout_s=1.0))
        client = boto3.client(
            "sagemaker-runtime",
            endpoint_url=api.url,
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            config=Config(retries={"max_attempts": 1}),
        )
        yield client, boxes
    for box in boxes:
        box.stop()


def test_boto3_through_api_and_real_http_hops(served_pipeline):
    client, _ = served_pipeline
    r = client.invoke_endpoint(EndpointName="abalone", Body=b"1,2", ContentType="text/csv", CustomAttributes="t=1")
    assert r["Body"].read() == b"1,2>featurizer>predictor"
    assert r["ContentType"] == "text/csv; charset=utf-8"
    assert r["CustomAttributes"] == "back=t=1"


def test_container_stopped_mid_run_surfaces_as_model_error(served_pipeline):
    client, boxes = served_pipeline
    assert client.invoke_endpoint(EndpointName="abalone", Body=b"x")["Body"].read()
    boxes[1].stop()
    with pytest.raises(ClientError) as err:
        client.invoke_endpoint(EndpointName="abalone", Body=b"x")
    r = err.value.response
    assert r["Error"]["Code"] == "ModelError" and r["OriginalStatusCode"] == 0
    assert "predictor" in r["Error"]["Message"] and r["LogStreamArn"].endswith("/predictor")


def test_a_small_request_goes_out_in_one_send_and_a_large_one_whole(monkeypatch):
    from emulator.invocation import hops as hops_module

    sent = []
    monkeypatch.setattr(hops_module.HTTPConnection, "send", lambda self, data: sent.append(bytes(data)))
    hops_module.OneSendConnection("127.0.0.1", 1).request(
        "POST", "/invocations", body=b"1,2,3\n", headers={"Content-Type": "text/csv"}
    )
    assert len(sent) == 1 and sent[0].startswith(b"POST /invocations HTTP/1.1\r\n")
    assert sent[0].endswith(b"\r\n\r\n1,2,3\n") and b"Content-Length: 6\r\n" in sent[0]
    sent.clear()
    big = b"x" * (hops_module.ONE_SEND_MAX_BYTES + 1)
    hops_module.OneSendConnection("127.0.0.1", 1).request("POST", "/invocations", body=big, headers={})
    assert len(sent) == 2 and sent[1] == big
    sent.clear()
    hops_module.OneSendConnection("127.0.0.1", 1).request("GET", "/ping")
    assert len(sent) == 1 and sent[0].startswith(b"GET /ping")
