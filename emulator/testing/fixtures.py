"""pytest fixtures for your own tests: real local endpoints, started once per session.

Enable them in a conftest.py:

    pytest_plugins = ["emulator.testing.fixtures"]

    def test_abalone(byoc_endpoint):
        ep = byoc_endpoint("fixtures/pipelines/abalone.toml")
        answer = ep.client().invoke_endpoint(EndpointName=ep.name, ContentType="text/csv", Body=b"M,0.6,...")

Needs a Docker engine and the pipeline's images (`byoc build`); set TESTCONTAINERS_RYUK_DISABLED=true.
"""

from pathlib import Path

import pytest

from emulator.hosting.endpoint import LocalEndpoint
from emulator.hosting.group import DEFAULT_DEADLINE_S


@pytest.fixture(scope="session")
def byoc_startup_timeout_s() -> float:
    """Seconds every container's /ping has to answer 200 (session scope, float, default 240); override to change."""
    return DEFAULT_DEADLINE_S


@pytest.fixture(scope="session")
def byoc_stream_logs() -> bool:
    """Whether containers' logs stream to stderr (session scope, bool, default False); override to change."""
    return False


@pytest.fixture(scope="session")
def byoc_endpoint(byoc_startup_timeout_s, byoc_stream_logs):
    """Session-scoped factory `byoc_endpoint(definition, name=None) -> LocalEndpoint`, started once per
    (definition, name) and torn down (containers and network removed) when the session ends."""
    started: dict[tuple[str, str | None], LocalEndpoint] = {}

    def factory(definition: str | Path, name: str | None = None) -> LocalEndpoint:
        key = (str(Path(definition).resolve()), name)
        if key not in started:
            endpoint = LocalEndpoint(definition, name=name, startup_timeout_s=byoc_startup_timeout_s,
                                     stream_logs=byoc_stream_logs)
            started[key] = endpoint.start()
        return started[key]

    try:
        yield factory
    finally:
        for endpoint in started.values():
            endpoint.stop()
