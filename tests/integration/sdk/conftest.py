"""Session fixtures of the SDK tests: a Docker client to look for leftovers."""

import docker
import pytest


@pytest.fixture(scope="session")
def docker_client():
    client = docker.from_env()
    yield client
    client.close()
