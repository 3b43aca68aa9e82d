"""containers/moto/serve.py without Docker: moto's app under cheroot keeps connections alive, lists moto's
service folders once, refuses services it was not told to serve, and ends with 0 on SIGTERM."""

import http.client
import importlib.util
import signal
import socket
import subprocess
import sys
import time

import pytest
from botocore.exceptions import ClientError

from emulator.aws import local_client
from emulator.config import CONTAINERS_DIR

SERVE = CONTAINERS_DIR / "moto/serve.py"
START_TIMEOUT_S = 30


def load_serve():
    pytest.importorskip("moto.server")
    spec = importlib.util.spec_from_file_location("byoc_moto_serve", SERVE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def connect(port: int, server: subprocess.Popen) -> http.client.HTTPConnection:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.connect()
            return connection
        except OSError:
            assert server.poll() is None, f"serve.py exited with {server.returncode}: {server.stderr.read()}"
            assert time.monotonic() < deadline, f"serve.py did not listen within {START_TIMEOUT_S} s"
            time.sleep(0.1)


def test_moto_folders_are_listed_once(monkeypatch):
    serve = load_serve()
    import moto.backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    calls = []

    def listing():
        calls.append(1)
        return iter(["s3", "sts"])

    monkeypatch.setattr(moto.backends, "list_of_moto_modules", listing)
    assert serve.freeze_module_list() == ("s3", "sts")
    app = DomainDispatcherApplication(create_backend_app)
    for _ in range(3):
        assert app.get_backend_for_host("s3") == "s3" and app.get_backend_for_host("sts") == "sts"
    assert app.get_backend_for_host("dynamodb") is None
    assert len(calls) == 1


def test_answers_on_one_kept_alive_connection_refuses_other_services_and_sigterm_ends_it_with_0():
    load_serve()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(SERVE), "--port", str(port), "--services", "s3", "sts"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        connection = connect(port, server)
        sockets = set()
        for _ in range(3):
            connection.request("POST", "/moto-api/reset")
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200 and not answer.will_close
            sockets.add(id(connection.sock))
        assert len(sockets) == 1  # werkzeug's server, moto's own, closes every connection after one answer
        url = f"http://127.0.0.1:{port}"
        assert local_client("sts", url).get_caller_identity()["Account"].isdigit()
        for service, call in (("sqs", lambda c: c.list_queues()), ("sns", lambda c: c.list_topics())):  # JSON, XML
            with pytest.raises(ClientError) as caught:
                call(local_client(service, url))
            error, metadata = caught.value.response["Error"], caught.value.response["ResponseMetadata"]
            assert (error["Code"], metadata["HTTPStatusCode"], metadata["RetryAttempts"]) == ("NotImplemented", 501, 0)
            assert f"signed for the AWS service '{service}'" in error["Message"] and "serve s3, sts" in error["Message"]
        connection.close()
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=10) == 0
        assert "signal 15 received, stopping" in server.stderr.read()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
