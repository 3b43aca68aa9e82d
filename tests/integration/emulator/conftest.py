"""Session fixtures: one started endpoint per pipeline (shared by the tests), and a small test image.

The test image (`byoc/emulator-testbox`) is the stdlib server of fixtures/broken/ with the
bind-to-port label; its `BYOC_FAULT` environment variable picks a misbehaviour per container.
"""

import docker
import pytest

from emulator.config import Settings
from emulator.docker import images
from emulator.hosting.endpoint import LocalEndpoint
from emulator.hosting.service import LocalSageMaker
from tests.integration.emulator.helpers import (
    BROKEN_DIR,
    PIPELINES,
    TESTBOX,
    TESTBOX_BASE,
    unique,
    write_testbox_definition,
)


@pytest.fixture(scope="session")
def docker_client():
    client = docker.from_env()
    yield client
    client.close()


@pytest.fixture(scope="session")
def testbox_image(docker_client) -> str:
    """Build the test image from fixtures/broken (cached layers make a rebuild take a second)."""
    base = images.choose_base(docker_client, Settings.from_env(), fix=False).image
    images.build_image(
        docker_client,
        "testbox-base",
        base,
        say=lambda t: None,
        dockerfile="Dockerfile",
        context=BROKEN_DIR,
        tag=TESTBOX_BASE,
    )
    images.build_image(
        docker_client,
        "testbox",
        TESTBOX_BASE,
        say=lambda t: None,
        dockerfile="fault.Dockerfile",
        context=BROKEN_DIR,
        tag=TESTBOX,
    )
    return TESTBOX


@pytest.fixture(scope="session")
def api():
    with LocalSageMaker() as served:
        yield served


@pytest.fixture(scope="session")
def abalone(api):
    with LocalEndpoint(
        PIPELINES / "abalone.toml", name=unique("abalone"), sagemaker=api, stream_logs=False
    ) as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def support(api):
    with LocalEndpoint(
        PIPELINES / "support.toml", name=unique("support"), sagemaker=api, stream_logs=False
    ) as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def direct(api, testbox_image, tmp_path_factory):
    """A Direct-mode endpoint: a good container, one ignoring its port, one answering 500, one to kill."""
    faults = {"good": "", "portless": "port", "fail500": "unsupported-500", "victim": ""}
    path = write_testbox_definition(tmp_path_factory.mktemp("direct") / "direct.toml", faults)
    with LocalEndpoint(path, name=unique("direct"), sagemaker=api, stream_logs=False) as endpoint:
        yield endpoint
