"""Transform jobs through plain boto3 against the session's local SageMaker, real abalone containers, the local S3.

The abalone test set (418 rows, label `rings` last) is three CSV objects under one S3 prefix. The job splits
by Line, sends MultiRecord mini-batches, drops the label with the InputFilter `$[0:7]` (slice end included:
columns 0..7) and joins every answer to its whole input row (JoinSource Input): each `.out` row must be the
input row plus the predicted rings, equal to what a direct InvokeEndpoint of the same rows answers.
"""

import csv
import gzip
import io
import json
import time

import pytest
from botocore.exceptions import WaiterError

from emulator.config import FIXTURES_DIR
from tests.integration.emulator.helpers import abalone_model, unique

pytestmark = pytest.mark.integration

ABALONE = FIXTURES_DIR / "abalone"
TEST_SET = ABALONE / "data" / "test.csv"
WAIT = {"Delay": 0.2, "MaxAttempts": 900}


@pytest.fixture(scope="module")
def sm(api):
    return api.client("sagemaker")


@pytest.fixture(scope="module")
def s3(api):
    client = api.client("s3")
    bucket = unique("transform")
    client.create_bucket(Bucket=bucket)
    client.bucket = bucket
    return client


@pytest.fixture(scope="module")
def model(sm) -> str:
    return abalone_model(sm, unique("tj-abalone"))


@pytest.fixture(scope="module")
def test_rows() -> list[list[str]]:
    header, *rows = [row for row in csv.reader(io.StringIO(TEST_SET.read_text())) if row]
    assert header[-1] == "rings" and len(rows) == 418
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def put_parts(s3, prefix: str, rows: list[list[str]], parts: int = 3) -> list[list[list[str]]]:
    chunks = [rows[i::parts] for i in range(parts)]
    for i, chunk in enumerate(chunks):
        s3.put_object(Bucket=s3.bucket, Key=f"{prefix}part-{i}.csv", Body=csv_bytes(chunk))
    return chunks


def request(name: str, model: str, uri: str, s3, **extra) -> dict:
    base = {
        "TransformJobName": name,
        "ModelName": model,
        "BatchStrategy": "MultiRecord",
        "MaxConcurrentTransforms": 2,
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
            "ContentType": "text/csv",
            "SplitType": "Line",
        },
        "TransformOutput": {
            "S3OutputPath": f"s3://{s3.bucket}/out/{name}",
            "Accept": "text/csv",
            "AssembleWith": "Line",
        },
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
        "DataProcessing": {"InputFilter": "$[0:7]", "JoinSource": "Input"},
    }
    for key, value in extra.items():
        base[key] = {**base[key], **value} if isinstance(value, dict) and key in base else value
    return base


def out_rows(s3, key: str) -> list[list[str]]:
    body = s3.get_object(Bucket=s3.bucket, Key=key)["Body"].read().decode()
    return [row for row in csv.reader(io.StringIO(body)) if row]


def outputs(s3, name: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=s3.bucket, Prefix=f"out/{name}/").get("Contents", [])
    return sorted(item["Key"][len(f"out/{name}/") :] for item in listed)


def finished(sm, name: str) -> dict:
    try:
        sm.get_waiter("transform_job_completed_or_stopped").wait(TransformJobName=name, WaiterConfig=WAIT)
    except WaiterError:
        pass
    return sm.describe_transform_job(TransformJobName=name)


def direct_predictions(abalone, rows: list[list[str]]) -> list[str]:
    body = csv_bytes([row[:8] for row in rows])
    answer = abalone.client().invoke_endpoint(
        EndpointName=abalone.name, ContentType="text/csv", Accept="text/csv", Body=body
    )
    return answer["Body"].read().decode().split()


def test_every_out_row_is_the_input_row_plus_the_prediction(api, sm, s3, model, test_rows, abalone):
    name = unique("tj-join")
    chunks = put_parts(s3, f"{name}/in/", test_rows)
    sm.create_transform_job(**request(name, model, f"s3://{s3.bucket}/{name}/in/", s3))
    assert sm.describe_transform_job(TransformJobName=name)["TransformJobStatus"] == "InProgress"
    described = finished(sm, name)
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    assert outputs(s3, name) == ["part-0.csv.out", "part-1.csv.out", "part-2.csv.out"]
    for i, chunk in enumerate(chunks):
        rows = out_rows(s3, f"out/{name}/part-{i}.csv.out")
        assert [row[:9] for row in rows] == chunk
        assert all(len(row) == 10 for row in rows)
        assert [row[9] for row in rows] == direct_predictions(abalone, chunk)
    assert (described["BatchStrategy"], described["MaxConcurrentTransforms"]) == ("MultiRecord", 2)
    assert described["TransformStartTime"] < described["TransformEndTime"]
    listed = sm.list_transform_jobs(NameContains=name)["TransformJobSummaries"]
    assert [(j["TransformJobName"], j["TransformJobStatus"]) for j in listed] == [(name, "Completed")]
    logs = api.client("logs")
    streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/TransformJobs", logStreamNamePrefix=f"{name}/")[
        "logStreams"
    ]
    assert sorted(s["logStreamName"] for s in streams) == [
        f"{name}/i-local-featurizer",
        f"{name}/i-local-predictor",
        f"{name}/i-local/data-log",
    ]
    group, stream = "/aws/sagemaker/TransformJobs", f"{name}/i-local/data-log"
    data_log = logs.get_log_events(logGroupName=group, logStreamName=stream)
    said = [e["message"].split("[sagemaker logs]: ", 1)[1] for e in data_log["events"]]
    assert said == ["MaxConcurrentTransforms=2, MaxPayloadInMB=6, BatchStrategy=MULTI_RECORD"]  # no file failed


def test_a_malformed_row_fails_its_file_only_and_the_job_names_it(sm, s3, model, test_rows):
    name = unique("tj-bad")
    put_parts(s3, f"{name}/in/", test_rows[:30])
    bad = test_rows[1][:]
    bad[2] = "not-a-number"
    s3.put_object(Bucket=s3.bucket, Key=f"{name}/in/part-1.csv", Body=csv_bytes([test_rows[0], bad]))
    sm.create_transform_job(
        **request(name, model, f"s3://{s3.bucket}/{name}/in/", s3, ModelClientConfig={"InvocationsMaxRetries": 1})
    )
    described = finished(sm, name)
    assert described["TransformJobStatus"] == "Failed"
    assert described["FailureReason"].startswith(
        "AlgorithmError: See job logs for more information. 1 of 3 input "
        "file(s) failed; first: part-1.csv, records 1-2: the model failed "
        "2 attempt(s)"
    )
    assert "not-a-number" in described["FailureReason"]  # the featurizer's own 400 message
    assert outputs(s3, name) == ["part-0.csv.out", "part-2.csv.out"]


def test_a_manifest_of_gzipped_objects(sm, s3, model, test_rows, abalone):
    name = unique("tj-gzip")
    chunks = [test_rows[:50], test_rows[50:120]]
    keys = ["a/first.csv.gz", "b/second.csv.gz"]
    for key, chunk in zip(keys, chunks, strict=True):
        s3.put_object(Bucket=s3.bucket, Key=f"{name}/data/{key}", Body=gzip.compress(csv_bytes(chunk)))
    s3.put_object(Bucket=s3.bucket, Key=f"{name}/data/c/unlisted.csv.gz", Body=gzip.compress(b"garbage\n"))
    manifest = [{"prefix": f"s3://{s3.bucket}/{name}/data/"}, *keys]
    s3.put_object(Bucket=s3.bucket, Key=f"{name}/manifest.json", Body=json.dumps(manifest).encode())
    source = {
        "DataSource": {
            "S3DataSource": {"S3DataType": "ManifestFile", "S3Uri": f"s3://{s3.bucket}/{name}/manifest.json"}
        },
        "CompressionType": "Gzip",
    }
    sm.create_transform_job(**request(name, model, "", s3, TransformInput=source))
    described = finished(sm, name)
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    assert outputs(s3, name) == ["a/first.csv.gz.out", "b/second.csv.gz.out"]
    rows = out_rows(s3, f"out/{name}/b/second.csv.gz.out")
    assert [row[:9] for row in rows] == chunks[1]
    assert [row[9] for row in rows] == direct_predictions(abalone, chunks[1])


def test_stop_transform_job_mid_run(sm, s3, model, test_rows):
    name = unique("tj-stop")
    files = 12
    for i in range(files):
        s3.put_object(Bucket=s3.bucket, Key=f"{name}/in/part-{i:02}.csv", Body=csv_bytes(test_rows))
    sm.create_transform_job(
        **request(
            name, model, f"s3://{s3.bucket}/{name}/in/", s3, BatchStrategy="SingleRecord", MaxConcurrentTransforms=1
        )
    )
    deadline = time.monotonic() + 120
    while not outputs(s3, name) and time.monotonic() < deadline:  # the first file is done: stop now
        assert sm.describe_transform_job(TransformJobName=name)["TransformJobStatus"] == "InProgress"
        time.sleep(0.1)
    sm.stop_transform_job(TransformJobName=name)
    assert sm.describe_transform_job(TransformJobName=name)["TransformJobStatus"] in ("Stopping", "Stopped")
    described = finished(sm, name)
    assert described["TransformJobStatus"] == "Stopped"
    assert 1 <= len(outputs(s3, name)) < files
    assert "FailureReason" not in described


def test_support_pipeline_json_lines_with_filters_and_join(api, sm, s3, support):
    from dataclasses import replace

    from emulator.api.shapes import request_of
    from emulator.definitions.pipeline import load_pipeline

    spec = load_pipeline(FIXTURES_DIR / "pipelines/support.toml")  # with its DynamoDB table
    spec = replace(spec, name=unique("tj-support"))
    api.store.create_model(spec, request_of(spec))
    tickets = [row for row in csv.reader(io.StringIO((FIXTURES_DIR / "support/data/test.csv").read_text())) if row][
        1:41
    ]
    lines = [{"id": f"t{i}", "keywords": row[1:]} for i, row in enumerate(tickets)]
    name = unique("tj-jsonl")
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
    s3.put_object(Bucket=s3.bucket, Key=f"{name}/in/tickets.jsonl", Body=body)
    sm.create_transform_job(
        **request(
            name,
            spec.name,
            f"s3://{s3.bucket}/{name}/in/",
            s3,
            TransformInput={"ContentType": "application/jsonlines"},
            TransformOutput={"Accept": "application/jsonlines"},
            DataProcessing={
                "InputFilter": "$.keywords",
                "JoinSource": "Input",
                "OutputFilter": "$['id','SageMakerOutput']",
            },
        )
    )
    described = finished(sm, name)
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    out = s3.get_object(Bucket=s3.bucket, Key=f"out/{name}/tickets.jsonl.out")["Body"].read().decode()
    joined = [json.loads(line) for line in out.splitlines()]
    direct = support.client().invoke_endpoint(
        EndpointName=support.name,
        ContentType="application/jsonlines",
        Accept="application/jsonlines",
        Body="".join(json.dumps(line["keywords"]) + "\n" for line in lines).encode(),
    )
    answers = [json.loads(line) for line in direct["Body"].read().decode().splitlines()]
    assert [j["id"] for j in joined] == [line["id"] for line in lines]
    assert all(set(j) == {"id", "SageMakerOutput"} for j in joined)
    assert [j["SageMakerOutput"] for j in joined] == answers


def test_byoc_transform_reads_and_writes_a_local_sagemakers_s3(api, s3, test_rows, capsys):
    from emulator.transform import cli

    name = unique("tj-cli")
    chunks = put_parts(s3, f"{name}/in/", test_rows[:60], parts=2)
    code = cli.main(
        [
            "transform",
            str(FIXTURES_DIR / "pipelines/abalone.toml"),
            "--input",
            f"s3://{s3.bucket}/{name}/in/",
            "--output",
            f"s3://{s3.bucket}/out/{name}",
            "--endpoint-url",
            api.url,
            "--content-type",
            "text/csv",
            "--accept",
            "text/csv",
            "--split-type",
            "Line",
            "--join-source",
            "Input",
            "--assemble-with",
            "Line",
            "--input-filter",
            "$[0:7]",
            "--no-progress",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert outputs(s3, name) == ["part-0.csv.out", "part-1.csv.out"]
    assert [row[:9] for row in out_rows(s3, f"out/{name}/part-1.csv.out")] == chunks[1]
