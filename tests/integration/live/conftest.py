"""A real registry (Debian's docker-registry on loopback, as the push test uses) and a local SageMaker in this process."""

import pytest

from emulator import LocalSageMaker
from tests.integration.contract_tests.conftest import docker_client, load_broken_build, registry  # noqa: F401

ROLE = "arn:aws:iam::123456789012:role/byoc-deploy"
BUCKET = "byoc-models"


@pytest.fixture(scope="module")
def sagemaker():
    """A started local SageMaker (control plane, runtime, moto) with the models bucket."""
    with LocalSageMaker() as sm:
        sm.client("s3").create_bucket(Bucket=BUCKET)
        yield sm


@pytest.fixture(scope="module")
def broken_port(docker_client):  # noqa: F811
    """Build the image that ignores SAGEMAKER_BIND_TO_PORT under this suite's own tag; removed afterwards."""
    broken = load_broken_build()
    base = "byoc-deploy/broken-no-label:test"
    tag = "byoc-deploy/broken-port:test"
    from emulator.config import Settings
    from emulator.docker.images import build_image, choose_base

    say = lambda _: None  # noqa: E731
    build_image(docker_client, base, choose_base(docker_client, Settings.from_env(), fix=False).image, say,
                dockerfile="Dockerfile", context=broken.HERE, tag=base)
    build_image(docker_client, tag, base, say, dockerfile="fault.Dockerfile", context=broken.HERE, tag=tag,
                buildargs={"FAULT": "port"})
    yield tag
    for image in (tag, base):
        docker_client.images.remove(image, noprune=False)
