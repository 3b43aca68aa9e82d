"""Sources against the real engine and the real byoc/moto: an S3 model mounted, an ECR URI that nothing serves."""

import io
import tarfile
import time

import docker as docker_sdk
import pytest

from emulator.docker.launcher import DockerLayer
from emulator.errors import EndpointError
from emulator.hosting.localaws import LocalAws
from emulator.hosting.sources import local_image, model_dir

pytestmark = pytest.mark.integration


def test_an_s3_model_from_the_session_moto_is_unpacked_and_readable_in_a_container(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("weights.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"42.0\n"))
    with LocalAws() as aws:
        s3 = aws.client("s3")
        s3.create_bucket(Bucket="models")
        s3.put_object(Bucket="models", Key="a/model.tar.gz", Body=buffer.getvalue())
        folder = model_dir("s3://models/a/model.tar.gz", s3, cache_dir=tmp_path)
        client = docker_sdk.from_env()
        output = client.containers.run(
            aws.image,
            entrypoint=["cat", "/opt/ml/model/weights.txt"],
            remove=True,
            volumes={str(folder): {"bind": "/opt/ml/model", "mode": "ro"}},
            labels=dict(aws.labels),
            user="65534",
        )
        client.close()
    assert output == b"42.0\n"


def test_an_ecr_uri_nothing_serves_fails_fast_with_what_to_do():
    uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/byoc-nowhere:1"
    started = time.monotonic()
    with pytest.raises(EndpointError, match="byoc-nowhere") as caught:
        local_image(uri, DockerLayer(), {}, environ={}, pull_timeout_s=5)
    assert time.monotonic() - started < 8
    assert "[Local.Images]" in caught.value.hint


def test_an_ecr_uri_mapped_to_our_image():
    uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/featurizer:1"
    assert (
        local_image(uri, DockerLayer(), {}, environ={"BYOC_IMAGE_MAP": f"{uri}=byoc/moto:latest"}) == "byoc/moto:latest"
    )
