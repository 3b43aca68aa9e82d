"""Transform jobs through a real boto3 `sagemaker` client: real HTTP, an in-process moto for S3, fake containers.

The containers are a stand-in (no Docker): each CSV line of a mini-batch is answered with the sum of its
fields, a field that is not a number is the model's 400. Everything else is the real thing: the control
plane, DockerBatchHost's S3 input and output, the transform runner.
"""

import contextlib
import gzip
import json
import re
import threading
import time

import pytest
from botocore.exceptions import ClientError, WaiterError

from emulator.api.control import ControlPlane
from emulator.api.proxy import proxy_hook
from emulator.api.server import RuntimeApi
from emulator.aws import local_client
from emulator.hosting.batch import DockerBatchHost
from emulator.resources.endpoints import Endpoints
from emulator.resources.store import Store
from emulator.resources.transform_jobs import TransformJobs
from emulator.transform import ModelInvocationError, parse_execution_parameters
from tests.unit.emulator.inprocess_moto import moto_url

FAST = {"Delay": 0.05, "MaxAttempts": 400}
BUCKET = "data"


class SumModel:
    """Answers each CSV line with the sum of its fields; records what it was sent; `gate` holds every call."""

    def __init__(self):
        self.calls: list[tuple[bytes, str | None, str | None]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.specs = []
        self.parameters = None

    @contextlib.contextmanager
    def containers(self, job_name, spec, timeout_s, stop):
        self.specs.append(spec)
        yield self

    def execution_parameters(self):
        return self.parameters

    def invoke(self, body, content_type, accept, timeout_s):
        self.calls.append((body, content_type, accept))
        self.gate.wait(10)
        out = []
        for line in body.decode().splitlines():
            try:
                out.append(f"{sum(float(x) for x in line.split(',')):g}")
            except ValueError:
                raise ModelInvocationError(
                    f"ModelError: Received client error (400) from c1: bad row {line!r}", 400
                ) from None
        return ("\n".join(out) + "\n").encode(), "text/csv"


class FakeDeployer:
    def prepare(self, *args):
        raise AssertionError("no endpoint in these tests")

    def serve(self, *args): ...

    def unserve(self, *args): ...


class Aws:
    def __init__(self, url):
        self.url = url

    def client(self, service, region=None):
        return local_client(service, self.url, region or "us-east-1")


@pytest.fixture(scope="module")
def local():
    model = SumModel()
    with moto_url() as aws_url:
        server = RuntimeApi()
        store = Store()
        jobs = TransformJobs(store, DockerBatchHost(None, Aws(aws_url), containers=model.containers))
        server.app.hooks.insert(0, ControlPlane(store, Endpoints(store, FakeDeployer()), None, jobs).hook)
        server.app.hooks.append(proxy_hook(aws_url))
        with server:
            yield server, model, jobs
            jobs.shutdown()


@pytest.fixture()
def model(local):
    local[1].calls.clear()
    local[1].gate.set()
    local[1].parameters = None
    return local[1]


@pytest.fixture(scope="module")
def sm(local):
    client = local_client("sagemaker", local[0].url)
    client.create_model(
        ModelName="summer",
        Containers=[
            {"ContainerHostname": "c1", "Image": "img/a:1", "Environment": {"FROM_MODEL": "m", "SHARED": "model"}}
        ],
    )
    return client


@pytest.fixture(scope="module")
def s3(local):
    client = local_client("s3", local[0].url)
    client.create_bucket(Bucket=BUCKET)
    return client


def job(name, prefix, **extra):
    request = {
        "TransformJobName": name,
        "ModelName": "summer",
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/{prefix}"}},
            "ContentType": "text/csv",
            "SplitType": "Line",
        },
        "TransformOutput": {"S3OutputPath": f"s3://{BUCKET}/out/{name}", "Accept": "text/csv", "AssembleWith": "Line"},
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and key in request:
            request[key] = {**request[key], **value}
        else:
            request[key] = value
    return request


def put(s3, key, body: bytes):
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)


def read(s3, key) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def outputs(s3, name) -> list[str]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"out/{name}/").get("Contents", [])
    return sorted(item["Key"][len(f"out/{name}/") :] for item in listed)


def wait(sm, name):
    sm.get_waiter("transform_job_completed_or_stopped").wait(TransformJobName=name, WaiterConfig=FAST)
    return sm.describe_transform_job(TransformJobName=name)


def code_of(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_a_job_reads_every_object_under_the_prefix_and_writes_key_out(sm, s3, model):
    put(s3, "in/a/part-0.csv", b"1,2\n3,4\n")
    put(s3, "in/a/sub/part-1.csv", b"10,20\n")
    put(s3, "in/a/sub/", b"")  # a "folder" object: skipped
    arn = sm.create_transform_job(**job("plain", "in/a/", Environment={"FROM_JOB": "j", "SHARED": "job"}))
    assert arn["TransformJobArn"] == "arn:aws:sagemaker:us-east-1:000000000000:transform-job/plain"
    described = wait(sm, "plain")
    assert described["TransformJobStatus"] == "Completed"
    assert outputs(s3, "plain") == ["part-0.csv.out", "sub/part-1.csv.out"]
    assert read(s3, "out/plain/part-0.csv.out") == b"3\n7\n"
    assert read(s3, "out/plain/sub/part-1.csv.out") == b"30\n"
    assert described["TransformStartTime"] <= described["TransformEndTime"]
    assert described["CreationTime"] <= described["TransformStartTime"]
    assert described["ModelName"] == "summer"
    assert described["TransformInput"]["CompressionType"] == "None"
    assert (described["BatchStrategy"], described["MaxPayloadInMB"], described["MaxConcurrentTransforms"]) == (
        "MultiRecord",
        6,
        1,
    )
    assert "FailureReason" not in described
    env = model.specs[-1].containers[0].environment
    assert env["FROM_MODEL"] == "m" and env["FROM_JOB"] == "j" and env["SHARED"] == "job"
    assert env["SAGEMAKER_BATCH"] == "true" and "SAGEMAKER_MAX_PAYLOAD_IN_MB" not in env
    assert all(ct == "text/csv" and accept == "text/csv" for _, ct, accept in model.calls)


def test_the_containers_execution_parameters_are_used_when_the_job_sets_none(sm, s3, model):
    model.parameters = parse_execution_parameters(
        b'{"MaxConcurrentTransforms": 3, "BatchStrategy": "SINGLE_RECORD", "MaxPayloadInMB": 2}'
    )
    put(s3, "in/ep/x.csv", b"1,1\n2,2\n")
    sm.create_transform_job(**job("ep", "in/ep/"))
    described = wait(sm, "ep")
    assert (described["BatchStrategy"], described["MaxPayloadInMB"], described["MaxConcurrentTransforms"]) == (
        "SingleRecord",
        2,
        3,
    )
    assert sorted(body for body, _, _ in model.calls) == [b"1,1", b"2,2"]  # one record per call, framing removed


def test_a_bad_row_fails_its_file_only_and_the_job_names_it(sm, s3, model):
    put(s3, "in/bad/good.csv", b"1,2\n")
    put(s3, "in/bad/broken.csv", b"1,2\nx,3\n")
    sm.create_transform_job(**job("bad", "in/bad/", ModelClientConfig={"InvocationsMaxRetries": 0}))
    with pytest.raises(WaiterError):
        wait(sm, "bad")
    described = sm.describe_transform_job(TransformJobName="bad")
    assert described["TransformJobStatus"] == "Failed"
    assert described["FailureReason"].startswith(
        "AlgorithmError: See job logs for more information. 1 of 2 input file(s) failed; first: broken.csv, records 1-2"
    )
    assert "bad row 'x,3'" in described["FailureReason"]
    assert outputs(s3, "bad") == ["good.csv.out"]


def test_the_data_log_stream_has_the_limits_and_each_failed_file_in_sagemakers_shape(sm, s3, model, local):
    put(s3, "in/dl/good.csv", b"1,2\n")
    put(s3, "in/dl/broken.csv", b"x,3\n")
    sm.create_transform_job(**job("dl", "in/dl/", ModelClientConfig={"InvocationsMaxRetries": 0}))
    with pytest.raises(WaiterError):
        wait(sm, "dl")
    logs = local_client("logs", local[0].url)
    events = logs.get_log_events(logGroupName="/aws/sagemaker/TransformJobs", logStreamName="dl/i-local/data-log")
    lines = [e["message"] for e in events["events"]]
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}:\[sagemaker logs\]: "
    assert all(re.match(stamp, line) for line in lines), lines
    said = [re.sub(stamp, "", line) for line in lines]
    assert said[0].startswith("MaxConcurrentTransforms=") and "BatchStrategy=MULTI_RECORD" in said[0]
    failed = [line for line in said if line.startswith(f"{BUCKET}/in/dl/broken.csv: ")]
    # each failed attempt, then the file's verdict: its kind, an empty line, "Message:", the message
    assert failed[0].startswith(f"{BUCKET}/in/dl/broken.csv: records 1-1: attempt 1 of 1 failed: ModelError")
    assert failed[1:4] == [
        f"{BUCKET}/in/dl/broken.csv: ClientError: 400",
        f"{BUCKET}/in/dl/broken.csv: ",
        f"{BUCKET}/in/dl/broken.csv: Message:",
    ]
    assert "bad row 'x,3'" in failed[4] and len(failed) == 5
    assert not [line for line in said if "good.csv" in line]  # only failures are logged per file


def test_gzip_objects_are_read_uncompressed(sm, s3, model):
    put(s3, "in/gz/a.csv.gz", gzip.compress(b"1,2,3\n4,5,6\n"))
    sm.create_transform_job(**job("gz", "in/gz/", TransformInput={"CompressionType": "Gzip"}))
    assert wait(sm, "gz")["TransformJobStatus"] == "Completed"
    assert read(s3, "out/gz/a.csv.gz.out") == b"6\n15\n"


def test_a_manifest_names_the_objects_and_their_output_keys(sm, s3, model):
    put(s3, "in/m/x/one.csv", b"1,1\n")
    put(s3, "in/m/y/two.csv", b"2,2\n")
    put(s3, "in/m/y/not-listed.csv", b"9,9\n")
    put(s3, "manifests/m.json", json.dumps([{"prefix": f"s3://{BUCKET}/in/m/"}, "x/one.csv", "y/two.csv"]).encode())
    source = {
        "DataSource": {"S3DataSource": {"S3DataType": "ManifestFile", "S3Uri": f"s3://{BUCKET}/manifests/m.json"}}
    }
    sm.create_transform_job(**job("mf", "", TransformInput=source))
    assert wait(sm, "mf")["TransformJobStatus"] == "Completed"
    assert outputs(s3, "mf") == ["x/one.csv.out", "y/two.csv.out"]
    assert read(s3, "out/mf/y/two.csv.out") == b"4\n"


def test_an_empty_prefix_fails_the_job_with_sagemakers_words(sm, s3, model):
    sm.create_transform_job(**job("empty", "in/nothing-here/"))
    with pytest.raises(WaiterError):
        wait(sm, "empty")
    reason = sm.describe_transform_job(TransformJobName="empty")["FailureReason"]
    assert reason.startswith(f'ClientError: No S3 objects found under S3 URL "s3://{BUCKET}/in/nothing-here/"')
    assert model.calls == []


def test_stop_makes_the_job_stopping_then_stopped_and_sends_no_new_request(sm, s3, model):
    put(s3, "in/stop/a.csv", b"1,1\n")
    put(s3, "in/stop/b.csv", b"2,2\n")
    model.gate.clear()
    sent_before = len(model.calls)
    sm.create_transform_job(**job("halt", "in/stop/", MaxConcurrentTransforms=1))
    assert sm.describe_transform_job(TransformJobName="halt")["TransformJobStatus"] == "InProgress"
    # stop once a.csv's request is under way (held by the gate); a stop that lands while the job is still
    # listing its input ends it Stopped at once, and Stopping would not be seen
    deadline = time.monotonic() + 10
    while len(model.calls) == sent_before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [body for body, _, _ in model.calls[sent_before:]] == [b"1,1\n"]
    sm.stop_transform_job(TransformJobName="halt")
    assert sm.describe_transform_job(TransformJobName="halt")["TransformJobStatus"] == "Stopping"
    model.gate.set()
    described = wait(sm, "halt")
    assert described["TransformJobStatus"] == "Stopped"
    # the request under way finishes and completes its file; b.csv is never sent and gets no .out
    assert len(model.calls) == sent_before + 1
    assert outputs(s3, "halt") == ["a.csv.out"]
    code, message = code_of(lambda: sm.stop_transform_job(TransformJobName="halt"))
    assert code == "ValidationException" and "already ended (Stopped)" in message


def test_names_models_and_fields_are_checked_as_sagemaker_does(sm, s3, model):
    put(s3, "in/dup/a.csv", b"1\n")
    sm.create_transform_job(**job("dup", "in/dup/"))
    code, message = code_of(lambda: sm.create_transform_job(**job("dup", "in/dup/")))
    assert code == "ResourceInUse"
    assert message == (
        "Job name must be unique within an AWS account and region, and a job with this name already "
        "exists (arn:aws:sagemaker:us-east-1:000000000000:transform-job/dup)"
    )
    code, message = code_of(lambda: sm.create_transform_job(**job("nomodel", "in/dup/", ModelName="nope")))
    assert (code, message) == (
        "ValidationException",
        'Could not find model "arn:aws:sagemaker:us-east-1:000000000000:model/nope".',
    )
    code, message = code_of(lambda: sm.create_transform_job(**job("big", "in/dup/", MaxPayloadInMB=101)))
    assert message == (
        "1 validation error detected: Value '101' at 'maxPayloadInMB' failed to satisfy constraint: "
        "Member must have value less than or equal to 100"
    )
    code, message = code_of(
        lambda: sm.create_transform_job(**job("many", "in/dup/", MaxPayloadInMB=10, MaxConcurrentTransforms=11))
    )
    assert code == "ValidationException" and "11 x 10 = 110" in message
    code, message = code_of(lambda: sm.describe_transform_job(TransformJobName="ghost"))
    assert (code, message) == ("ValidationException", "Could not find requested job with name ghost")
    assert code_of(lambda: sm.stop_transform_job(TransformJobName="ghost"))[0] == "ValidationException"
    wait(sm, "dup")


def test_list_filters_sorts_and_pages_as_sagemaker(sm, s3, model):
    for name in ("list-b", "list-a", "list-c"):
        put(s3, f"in/{name}/x.csv", b"1\n")
        sm.create_transform_job(**job(name, f"in/{name}/"))
        wait(sm, name)
    listed = sm.list_transform_jobs(NameContains="list-", SortBy="Name", SortOrder="Ascending")
    assert [j["TransformJobName"] for j in listed["TransformJobSummaries"]] == ["list-a", "list-b", "list-c"]
    summary = listed["TransformJobSummaries"][0]
    assert set(summary) >= {
        "TransformJobArn",
        "CreationTime",
        "LastModifiedTime",
        "TransformEndTime",
        "TransformJobStatus",
    }
    newest = sm.list_transform_jobs(NameContains="list-", MaxResults=2)
    assert [j["TransformJobName"] for j in newest["TransformJobSummaries"]] == ["list-c", "list-a"]
    rest = sm.list_transform_jobs(NameContains="list-", MaxResults=2, NextToken=newest["NextToken"])
    assert [j["TransformJobName"] for j in rest["TransformJobSummaries"]] == ["list-b"]
    failed = sm.list_transform_jobs(StatusEquals="Failed")["TransformJobSummaries"]
    assert all(j["TransformJobStatus"] == "Failed" for j in failed)
    code, _ = code_of(lambda: sm.list_transform_jobs(SortBy="Size"))
    assert code in ("ValidationException", "ParamValidation")
