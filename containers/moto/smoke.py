"""Start this image's moto server, call each service the emulator uses once through boto3, stop it.

Run in the build stage (`python smoke.py`): a trim that broke a service fails the build, and the
modules these calls import are compiled once there (the running image writes no bytecode).
"""

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3

PORT = 5099
URL = f"http://127.0.0.1:{PORT}"
CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def client(service: str):
    return boto3.client(service, endpoint_url=URL, **CREDENTIALS)


def check_all() -> None:
    """Call S3, DynamoDB, Logs, STS, IAM and ECR as the emulator does, then reset moto; raise on any failure."""
    s3 = client("s3")
    s3.create_bucket(Bucket="smoke")
    s3.put_object(Bucket="smoke", Key="k", Body=b"v")
    assert s3.get_object(Bucket="smoke", Key="k")["Body"].read() == b"v"
    part = 5 * 1024 * 1024  # S3's smallest part but the last
    upload = s3.create_multipart_upload(Bucket="smoke", Key="big")["UploadId"]
    etags = [
        s3.upload_part(Bucket="smoke", Key="big", UploadId=upload, PartNumber=n, Body=b"x" * size)["ETag"]
        for n, size in ((1, part), (2, 1))
    ]
    s3.complete_multipart_upload(
        Bucket="smoke",
        Key="big",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in enumerate(etags, 1)]},
    )
    assert s3.list_objects_v2(Bucket="smoke")["KeyCount"] == 2
    ddb = client("dynamodb")
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="t", Item={"k": {"S": "a"}})
    assert ddb.scan(TableName="t")["Count"] == 1
    assert (
        ddb.query(TableName="t", KeyConditionExpression="k = :k", ExpressionAttributeValues={":k": {"S": "a"}})["Count"]
        == 1
    )
    logs = client("logs")
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    logs.put_log_events(
        logGroupName="g", logStreamName="s", logEvents=[{"timestamp": int(time.time() * 1000), "message": "m"}]
    )
    assert logs.get_log_events(logGroupName="g", logStreamName="s")["events"][0]["message"] == "m"
    assert logs.filter_log_events(logGroupName="g")["events"][0]["message"] == "m"
    assert client("sts").get_caller_identity()["Account"]
    iam = client("iam")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    assert iam.get_role(RoleName="r")["Role"]["RoleName"] == "r"
    client("sts").assume_role(RoleArn=iam.get_role(RoleName="r")["Role"]["Arn"], RoleSessionName="smoke")
    ecr = client("ecr")
    ecr.create_repository(repositoryName="repo")
    assert ecr.describe_repositories()["repositories"][0]["repositoryName"] == "repo"
    assert ecr.get_authorization_token()["authorizationData"]
    urllib.request.urlopen(urllib.request.Request(f"{URL}/moto-api/reset", method="POST"), timeout=10).read()
    assert not client("s3").list_buckets()["Buckets"]


def main() -> int:
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("serve.py")), "--host", "127.0.0.1", "--port", str(PORT)]
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(URL, timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    print("smoke: the moto server did not start", file=sys.stderr)
                    return 1
                time.sleep(0.2)
        check_all()
        print("smoke: s3, dynamodb, logs, sts, iam, ecr answer", file=sys.stderr)
        return 0
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
