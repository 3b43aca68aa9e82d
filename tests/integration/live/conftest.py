"""A real registry (Debian's docker-registry on loopback, as the push test uses) and a local SageMaker in this
process.
"""

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
def broken_image(docker_client):  # noqa: F811
    """Return a builder of fixtures/broken images under this suite's own tags; they are removed afterwards."""
    from emulator.config import Settings
    from emulator.docker.images import build_image, choose_base

    broken, built = load_broken_build(), []
    say = lambda _: None  # noqa: E731
    base = "byoc-deploy/broken-no-label:test"

    def build(fault: str) -> str:
        if not built:
            start = choose_base(docker_client, Settings.from_env(), fix=False).image
            build_image(docker_client, base, start, say, dockerfile="Dockerfile", context=broken.HERE, tag=base)
            built.append(base)
        tag = f"byoc-deploy/broken-{fault}:test"
        build_image(
            docker_client,
            tag,
            base,
            say,
            dockerfile="fault.Dockerfile",
            context=broken.HERE,
            tag=tag,
            buildargs={"FAULT": fault},
        )
        built.insert(0, tag)
        return tag

    yield build
    for image in built:
        docker_client.images.remove(image)


@pytest.fixture(scope="module")
def broken_port(broken_image):
    """The image that ignores SAGEMAKER_BIND_TO_PORT (the contract's bind-to-port fails)."""
    return broken_image("port")


@pytest.fixture(scope="module")
def broken_ping(broken_image):
    """The image whose /ping answers too slowly: no endpoint with it becomes InService."""
    return broken_image("slow-ping")
