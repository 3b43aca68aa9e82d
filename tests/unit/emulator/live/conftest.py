"""A local SageMaker without Docker for the deploy's unit tests: the control plane (fake containers) and moto on
one URL.
"""

import pytest

from emulator.api.control import ControlPlane
from emulator.api.proxy import proxy_hook
from emulator.api.server import RuntimeApi
from emulator.aws import local_client
from emulator.resources.endpoints import Endpoints
from emulator.resources.store import Store
from tests.unit.emulator.api.test_control import FakeDeployer
from tests.unit.emulator.inprocess_moto import moto_url


@pytest.fixture(scope="module")
def local():
    """A control plane with fake containers, and moto behind the same URL (as LocalSageMaker, without Docker)."""
    with moto_url() as aws_url:
        server = RuntimeApi()
        store = Store()
        endpoints = Endpoints(store, FakeDeployer(server.app))
        server.app.hooks.insert(0, ControlPlane(store, endpoints).hook)
        with server:
            server.app.hooks.append(proxy_hook(aws_url))
            local_client("s3", server.url).create_bucket(Bucket="models")
            yield server.url
            endpoints.shutdown()


@pytest.fixture(autouse=True)
def dummy_credentials(monkeypatch):
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
