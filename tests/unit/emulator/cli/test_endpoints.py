"""`byoc up/invoke/down` without Docker: arguments, recorded URLs, error messages, `down`'s report."""

import http.server
import json
import os
import socket
import threading

import pytest

from emulator.cli import build_parser
from emulator.cli import endpoints as endpoint_cli
from emulator.cli import main as byoc
from emulator.errors import EndpointError
from emulator.hosting.endpoint import check_endpoint_name
from emulator.hosting.readiness import ping_url
from tests.support import free_port


def test_up_invoke_down_are_registered_with_their_defaults():
    parser = build_parser()
    up = parser.parse_args(["up", "fixtures/pipelines/abalone.toml"])
    assert (up.port, up.name, up.startup_timeout, up.quiet) == (8080, None, 240.0, False)
    invoke = parser.parse_args(["invoke", "abalone", "--body", "1,2"])
    assert (invoke.content_type, invoke.url, invoke.body) == ("text/csv", None, "1,2")
    assert parser.parse_args(["down"]).endpoint is None


def test_invoke_needs_exactly_one_body():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["invoke", "abalone"])
    with pytest.raises(SystemExit):
        build_parser().parse_args(["invoke", "abalone", "--body", "1", "--file", "x.csv"])


def test_invoke_of_a_missing_definition_says_so(capsys):
    assert byoc(["invoke", "nowhere/pipeline.toml", "--body", "1"]) == 2
    err = capsys.readouterr().err
    assert "nowhere/pipeline.toml does not exist" in err and "Traceback" not in err


def test_invoke_of_a_folder_or_a_malformed_name_says_what_to_give(capsys, tmp_path):
    for target in (str(tmp_path), "bad name!"):
        assert byoc(["invoke", target, "--body", "1", "--url", "http://127.0.0.1:9"]) == 2
        assert "is neither a definition file nor an endpoint name" in capsys.readouterr().err


def test_invoke_of_an_unreadable_file_says_so(capsys, tmp_path):
    assert byoc(["invoke", "abalone", "--file", str(tmp_path / "missing.csv"), "--url", "http://127.0.0.1:9"]) == 2
    assert "cannot read --file" in capsys.readouterr().err


def test_invoke_with_nothing_listening_says_how_to_start_one(capsys):
    url = f"http://127.0.0.1:{free_port()}"
    assert byoc(["invoke", "abalone", "--body", "1", "--url", url]) == 2
    err = capsys.readouterr().err
    assert f"nothing answers at {url}" in err and "byoc up" in err


def test_recorded_url_only_while_the_recording_process_lives(tmp_path, monkeypatch):
    monkeypatch.setattr(endpoint_cli, "STATE_DIR", tmp_path)
    (tmp_path / "alive.json").write_text(json.dumps({"url": "http://127.0.0.1:1234", "pid": os.getpid()}))
    (tmp_path / "dead.json").write_text(json.dumps({"url": "http://127.0.0.1:1235", "pid": 2**22 + 12345}))
    (tmp_path / "junk.json").write_text("{")
    assert endpoint_cli.recorded_url("alive") == "http://127.0.0.1:1234"
    assert endpoint_cli.recorded_url("dead") is None
    assert endpoint_cli.recorded_url("junk") is None
    assert endpoint_cli.recorded_url("never") is None


class FakeLayer:
    removed: list[str] = []

    def remove_labelled(self, labels):
        FakeLayer.labels = labels
        return list(FakeLayer.removed)


def test_down_reports_what_it_removed_and_filters_by_endpoint(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(endpoint_cli, "STATE_DIR", tmp_path)  # no local SageMaker recorded
    monkeypatch.setattr("emulator.docker.launcher.DockerLayer", FakeLayer)
    FakeLayer.removed = ["container byoc-x-a", "network byoc-x-net"]
    assert byoc(["down", "--endpoint", "x"]) == 0
    assert capsys.readouterr().out.splitlines() == ["removed container byoc-x-a", "removed network byoc-x-net"]
    assert FakeLayer.labels == {"com.byoc.managed": "true", "com.byoc.endpoint": "x"}
    FakeLayer.removed = []
    assert byoc(["down"]) == 0
    assert "nothing to remove" in capsys.readouterr().out
    assert FakeLayer.labels == {"com.byoc.managed": "true"}


def test_down_of_a_name_no_endpoint_can_have_is_an_error_and_removes_nothing(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(endpoint_cli, "STATE_DIR", tmp_path)
    monkeypatch.setattr("emulator.docker.launcher.DockerLayer", FakeLayer)
    FakeLayer.labels = None
    assert byoc(["down", "--endpoint", "bad name!"]) == 2
    assert "breaks SageMaker's rule" in capsys.readouterr().err and FakeLayer.labels is None


@pytest.mark.parametrize("name", ["abalone", "a-b-1", "A" * 63])
def test_endpoint_names_sagemaker_accepts(name):
    assert check_endpoint_name(name) == name


@pytest.mark.parametrize("name", ["-lead", "trail-", "under_score", "A" * 64, ""])
def test_endpoint_names_sagemaker_refuses(name):
    with pytest.raises(EndpointError, match="breaks SageMaker's rule"):
        check_endpoint_name(name)


def test_ping_url_reads_the_status_and_none_when_refused():
    class Ping(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/ping" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ping)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert ping_url("127.0.0.1", server.server_address[1]) == 200
    finally:
        server.shutdown()
        server.server_close()
    assert ping_url("127.0.0.1", free_port()) is None


def test_a_taken_api_port_is_a_clear_error():
    from emulator.hosting.endpoint import LocalEndpoint
    from tests.unit.emulator.hosting.fakes import FakeDocker, images_for, make_spec

    spec = make_spec(2)
    docker = FakeDocker(images_for(spec))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EndpointError, match=f"cannot serve the local SageMaker on 127.0.0.1:{port}") as caught:
            LocalEndpoint(spec, port=port, docker=docker, stream_logs=False).start()
    assert "--port" in caught.value.hint
    assert docker.plans == []


def test_up_prints_container_latency_when_it_stops(capsys):
    from types import SimpleNamespace

    from emulator.invocation.chain import PipelineStats

    stats = PipelineStats(["featurizer", "predictor"])
    stats.record({"featurizer": 2.0, "predictor": 1.0})
    stats.record({"featurizer": 4.0, "predictor": 3.0})
    stats.record_error("featurizer")
    endpoint_cli._print_latencies(SimpleNamespace(name="abalone", pipeline=SimpleNamespace(stats=stats)))
    out = capsys.readouterr().out
    assert "abalone: 2 invocation(s) answered, 1 failed" in out
    assert "featurizer" in out and "errors 1" in out and "p50     4.00 ms" in out


def test_up_prints_no_latency_without_calls(capsys):
    from types import SimpleNamespace

    endpoint_cli._print_latencies(SimpleNamespace(name="abalone", pipeline=None))
    assert capsys.readouterr().out == ""
