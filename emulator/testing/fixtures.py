"""pytest fixtures for your own tests: a local SageMaker and real local endpoints, started once per session.

Enable them in a conftest.py:

    pytest_plugins = ["emulator.testing.fixtures"]

    def test_abalone(byoc_endpoint):
        ep = byoc_endpoint("fixtures/pipelines/abalone.toml")
        answer = ep.client().invoke_endpoint(EndpointName=ep.name, ContentType="text/csv", Body=b"M,0.6,...")

    def test_my_deploy_code(byoc_sagemaker, monkeypatch):
        monkeypatch.setenv("AWS_ENDPOINT_URL", byoc_sagemaker.url)    # your code's boto3 / SDK calls land here
        client = byoc_sagemaker.client("sagemaker")                     # or a client of your own

Needs a Docker engine and the pipeline's images (`byoc build`); set TESTCONTAINERS_RYUK_DISABLED=true.
"""

from pathlib import Path

import pytest

from emulator.hosting.endpoint import LocalEndpoint
from emulator.hosting.group import DEFAULT_DEADLINE_S
from emulator.hosting.service import LocalSageMaker
from emulator.hosting.variant import HostSettings


@pytest.fixture(scope="session")
def byoc_startup_timeout_s() -> float:
    """Seconds every container's /ping has to answer 200 (session scope, float, default 240); override to change."""
    return DEFAULT_DEADLINE_S


@pytest.fixture(scope="session")
def byoc_stream_logs() -> bool:
    """Whether containers' logs stream to stderr (session scope, bool, default False); override to change."""
    return False


@pytest.fixture(scope="session")
def byoc_sagemaker(byoc_startup_timeout_s, byoc_stream_logs):
    """Session-scoped `LocalSageMaker`: the control plane and Runtime API on 127.0.0.1 (a free port, `.url`);
    every endpoint created through it (containers and networks) is removed when the session ends."""
    settings = HostSettings(startup_timeout_s=byoc_startup_timeout_s, stream_logs=byoc_stream_logs)
    with LocalSageMaker(settings=settings) as sagemaker:
        yield sagemaker


@pytest.fixture(scope="session")
def byoc_endpoint(byoc_sagemaker, byoc_startup_timeout_s):
    """Session-scoped factory `byoc_endpoint(definition, name=None) -> LocalEndpoint`, deployed once per
    (definition, name) on `byoc_sagemaker` and deleted (containers and network removed) when the session ends."""
    started: dict[tuple[str, str | None], LocalEndpoint] = {}

    def factory(definition: str | Path, name: str | None = None) -> LocalEndpoint:
        key = (str(Path(definition).resolve()), name)
        if key not in started:
            endpoint = LocalEndpoint(
                definition, name=name, sagemaker=byoc_sagemaker, startup_timeout_s=byoc_startup_timeout_s
            )
            started[key] = endpoint.start()
        return started[key]

    try:
        yield factory
    finally:
        for endpoint in started.values():
            endpoint.stop()
