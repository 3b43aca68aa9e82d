"""`byoc transform` without Docker: options, settings, the job's container environment, local files,
/execution-parameters.
"""

import argparse
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from emulator.transform import cli
from emulator.transform.errors import ExecutionParametersError, TransformError, TransformValidationError
from emulator.transform.local import LocalInput, LocalOutput
from emulator.transform.result import Progress
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[4]
ABALONE = ROOT / "fixtures" / "pipelines" / "abalone.toml"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="byoc")
    cli.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["transform", str(ABALONE), "--input", "in", "--output", "out", *argv])


def test_options_carry_sagemakers_names_in_kebab_case():
    args = parse(
        "--content-type",
        "text/csv",
        "--split-type",
        "Line",
        "--compression-type",
        "Gzip",
        "--batch-strategy",
        "SingleRecord",
        "--max-payload-in-mb",
        "2",
        "--max-concurrent-transforms",
        "3",
        "--accept",
        "text/csv",
        "--assemble-with",
        "Line",
        "--input-filter",
        "$[1:]",
        "--output-filter",
        "$[0,-1]",
        "--join-source",
        "Input",
        "--invocations-timeout-in-seconds",
        "30",
        "--invocations-max-retries",
        "0",
        "--environment",
        "A=1",
        "B=x=y",
    )
    s = cli.settings_from_args(args)
    assert (s.content_type, s.split_type, s.compression_type, s.batch_strategy) == (
        "text/csv",
        "Line",
        "Gzip",
        "SingleRecord",
    )
    assert (s.max_payload_in_mb, s.max_concurrent_transforms, s.accept, s.assemble_with) == (2, 3, "text/csv", "Line")
    assert (s.input_filter, s.output_filter, s.join_source) == ("$[1:]", "$[0,-1]", "Input")
    assert (s.invocations_timeout_s, s.invocations_max_retries) == (30, 0)
    assert s.environment == {"A": "1", "B": "x=y"}
    assert args.func is cli.run


def test_defaults_leave_the_limits_to_the_container():
    s = cli.settings_from_args(parse())
    assert (s.batch_strategy, s.max_payload_in_mb, s.max_concurrent_transforms) == (None, None, None)
    assert (s.invocations_timeout_s, s.invocations_max_retries) == (600, 3)


def test_bad_values_are_refused(capsys):
    with pytest.raises(SystemExit):
        parse("--split-type", "Lines")
    assert "invalid choice: 'Lines'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse("--environment", "NOEQUALS")
    with pytest.raises(TransformValidationError, match="maxPayloadInMB"):
        cli.settings_from_args(parse("--max-payload-in-mb", "101"))


def test_main_renders_a_validation_error_without_a_traceback(capsys):
    code = cli.main(
        [
            "transform",
            str(ABALONE),
            "--input",
            "in",
            "--output",
            "out",
            "--join-source",
            "Input",
            "--content-type",
            "text/csv",
            "--accept",
            "text/csv",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("byoc transform: error: 1 validation error detected: JoinSource Input with text/csv needs")
    assert "Traceback" not in err


def test_the_containers_get_the_jobs_environment():
    s = cli.settings_from_args(parse("--split-type", "Line", "--max-payload-in-mb", "2", "--environment", "X=1"))
    spec = cli.job_spec(str(ABALONE), s)
    featurizer, predictor = spec.containers
    assert featurizer.environment == {
        "FEATURIZER_INPUT": "tabular",
        "X": "1",
        "SAGEMAKER_BATCH": "true",
        "SAGEMAKER_MAX_PAYLOAD_IN_MB": "2",
    }
    assert predictor.environment["SAGEMAKER_BATCH"] == "true"


def test_local_input_lists_files_in_order_keyed_relative_to_the_folder(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.csv").write_bytes(b"3\n")
    (tmp_path / "a.csv").write_bytes(b"1\n2\n")
    (tmp_path / ".hidden").write_bytes(b"skip")
    (tmp_path / "c.csv.gz").write_bytes(gzip.compress(b"0123456789"))
    source = LocalInput(tmp_path)
    assert [k for k, _ in source] == ["a.csv", "b/x.csv", "c.csv.gz"]
    assert source.total_bytes(gzipped=True) == 4 + 2 + 10
    assert [k for k, _ in LocalInput(tmp_path / "a.csv")] == ["a.csv"]


def test_local_input_and_output_errors_say_what_to_pass(tmp_path):
    with pytest.raises(TransformError, match="does not exist"):
        LocalInput(tmp_path / "missing")
    with pytest.raises(TransformError, match="holds no files"):
        LocalInput(tmp_path)
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(TransformError, match="is a file"):
        LocalOutput(tmp_path / "file")


def test_local_output_writes_nested_outs(tmp_path):
    sink = LocalOutput(tmp_path / "out")
    sink(str(tmp_path / "out" / "b" / "x.csv.out"), b"6\n")
    assert (tmp_path / "out" / "b" / "x.csv.out").read_bytes() == b"6\n"
    assert not list((tmp_path / "out").rglob("*.partial"))


class Answer(BaseHTTPRequestHandler):
    status, body = 200, b"{}"

    def do_GET(self):
        self.send_response(self.status if self.path == "/execution-parameters" else 404)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def container():
    server = HTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_execution_parameters_are_read_from_the_container(container):
    _, url = container
    Answer.status, Answer.body = (
        200,
        json.dumps({"MaxConcurrentTransforms": 8, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 6}).encode(),
    )
    params = cli.execution_parameters(url)
    assert (params.max_concurrent_transforms, params.batch_strategy, params.max_payload_in_mb) == (8, "MultiRecord", 6)


def test_no_execution_parameters_means_defaults(container):
    _, url = container
    Answer.status, Answer.body = 404, b"not found"
    assert cli.execution_parameters(url) is None
    assert cli.execution_parameters("http://127.0.0.1:9") is None  # nothing listens on the discard port


def test_a_bad_execution_parameters_answer_is_an_error(container):
    _, url = container
    Answer.status, Answer.body = 200, b'{"BatchStrategy": "ALL"}'
    with pytest.raises(
        ExecutionParametersError, match="first container's /execution-parameters gave BatchStrategy='ALL'"
    ):
        cli.execution_parameters(url)


def test_the_progress_bar_follows_the_counts(capsys):
    with cli.ProgressBar(100, disabled=False) as bar:
        bar.update(Progress(records=2, bytes=40, files=0))
        bar.update(Progress(records=5, bytes=100, files=1))
        assert bar.bar.n == 100
        bar.bar.refresh()
    shown = capsys.readouterr().err
    assert "100/100" in shown and "5 records" in shown and "1 files" in shown


class Runtime(BaseHTTPRequestHandler):
    """A stand-in for the local runtime API: echoes the body, or answers ModelError as botocore parses it."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if body == b"fail":
            payload = json.dumps(
                {
                    "Message": 'Received client error (400) from featurizer with message "bad"',
                    "OriginalStatusCode": 400,
                    "OriginalMessage": "bad",
                    "LogStreamArn": "arn",
                }
            ).encode()
            self.send_response(424)
            self.send_header("x-amzn-errortype", "ModelError")
        else:
            payload = body[::-1]
            self.send_response(200)
        self.send_header("Content-Type", self.headers.get("Accept") or "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def test_endpoint_invoke_maps_model_errors_to_model_invocation_error():
    from types import SimpleNamespace

    from emulator.transform.errors import ModelInvocationError

    server = HTTPServer(("127.0.0.1", 0), Runtime)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ep = SimpleNamespace(
            url=f"http://127.0.0.1:{server.server_port}", name="abalone", spec=SimpleNamespace(region="us-east-1")
        )
        invoke = cli.endpoint_invoke(ep, concurrency=2, timeout_s=5)
        assert invoke(b"abc", "text/csv", "text/csv", 5.0) == (b"cba", "text/csv")
        with pytest.raises(ModelInvocationError) as caught:
            invoke(b"fail", "text/csv", "text/csv", 5.0)
        assert caught.value.status == 400
        assert caught.value.message.startswith("ModelError: Received client error (400) from featurizer")
    finally:
        server.shutdown()
        server.server_close()


def test_a_local_manifest_lists_files_under_its_prefix(tmp_path):
    from emulator.transform.local import LocalManifestInput

    (tmp_path / "data" / "day1").mkdir(parents=True)
    (tmp_path / "data" / "day1" / "a.csv").write_bytes(b"1\n")
    (tmp_path / "data" / "b.csv").write_bytes(b"2\n")
    manifest = tmp_path / "input.manifest"
    manifest.write_text('[{"prefix": "data/"}, "day1/a.csv", "b.csv"]')
    assert list(LocalManifestInput(manifest)) == [("day1/a.csv", b"1\n"), ("b.csv", b"2\n")]
    assert parse("--s3-data-type", "ManifestFile").s3_data_type == "ManifestFile"
    manifest.write_text('[{"prefix": "data/"}, "nope.csv"]')
    with pytest.raises(TransformError, match="1 file\\(s\\) missing .*nope.csv"):
        LocalManifestInput(manifest)
    manifest.write_text('[{"prefix": "s3://bucket/data/"}, "b.csv"]')
    with pytest.raises(TransformError, match="not a local folder"):
        LocalManifestInput(manifest)


def test_s3_input_and_output_live_in_the_local_sagemakers_s3(tmp_path, monkeypatch):
    from emulator.aws import local_client
    from emulator.transform.s3 import S3Input, S3Output
    from tests.unit.emulator.inprocess_moto import moto_url

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with pytest.raises(TransformError, match="--endpoint-url"):
        args = parse()
        args.input = "s3://bucket/in/"
        cli.data_of(args, cli.settings_from_args(args))
    with moto_url() as url:
        s3 = local_client("s3", url)
        s3.create_bucket(Bucket="bucket")
        s3.put_object(Bucket="bucket", Key="in/a.csv", Body=b"1\n")
        s3.put_object(Bucket="bucket", Key="in/b/c.csv", Body=b"22\n")
        args = parse("--endpoint-url", url)
        args.input, args.output = "s3://bucket/in/", "s3://bucket/out"
        source, sink = cli.data_of(args, cli.settings_from_args(args))
        assert isinstance(source, S3Input) and isinstance(sink, S3Output)
        assert list(source) == [("a.csv", b"1\n"), ("b/c.csv", b"22\n")]
        assert source.total_bytes(gzipped=False) == 5 and source.total_bytes(gzipped=True) is None
        sink("s3://bucket/out/a.csv.out", b"x")
        assert s3.get_object(Bucket="bucket", Key="out/a.csv.out")["Body"].read() == b"x"
        args = parse("--endpoint-url", url)
        args.input, args.output = str(tmp_path), "s3://bucket/out"
        (tmp_path / "f.csv").write_text("1\n")
        source, sink = cli.data_of(args, cli.settings_from_args(args))
        assert isinstance(source, LocalInput) and isinstance(sink, S3Output)


def test_an_s3_input_where_nothing_answers_says_to_start_byoc_serve():
    args = parse("--endpoint-url", f"http://127.0.0.1:{free_port()}")
    args.input = "s3://bucket/in/"
    with pytest.raises(TransformError, match="cannot list the input s3://bucket/in/") as err:
        cli.data_of(args, cli.settings_from_args(args))
    assert "byoc serve" in err.value.hint and "create the bucket" not in err.value.hint


def test_a_folder_given_as_a_manifest_is_called_a_folder(tmp_path):
    args = parse("--s3-data-type", "ManifestFile")
    args.input = str(tmp_path)
    with pytest.raises(TransformError, match="is a folder; with --s3-data-type ManifestFile"):
        cli.data_of(args, cli.settings_from_args(args))


def test_an_environment_key_given_twice_is_refused_not_overwritten():
    with pytest.raises(TransformError, match="--environment gives A more than once"):
        cli.settings_from_args(parse("--environment", "A=1", "B=2", "A=3"))
