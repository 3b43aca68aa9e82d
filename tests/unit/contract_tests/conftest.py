"""Fakes for the contract checks: the stdlib server of fixtures/broken run in-process, and a fake started container."""

import importlib.util
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from contract_tests.config import Limits, TargetConfig
from emulator.config import REPO_ROOT
from emulator.hosting.readiness import ping_url, wait_healthy

SERVER_PATH = REPO_ROOT / "fixtures" / "broken" / "server.py"
SAMPLE = b"1,2,3\n4,5,6\n"


def load_server_module():
    """Import fixtures/broken/server.py (not a package) by path."""
    spec = importlib.util.spec_from_file_location("broken_server", SERVER_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


server_module = load_server_module()


@dataclass
class FakeRun:
    """A started container as the checks see it, backed by in-process servers (port -> URL)."""

    urls: dict[int, str]
    running: bool = True
    mount: dict | None = field(default_factory=lambda: {"Destination": "/opt/ml/model", "RW": False, "Source": "/m"})
    ready_after_s: float = 0.1
    exit_after: float | None = 0.0  # what wait_exit reports: seconds to exit, or None (ignores SIGTERM)
    removed: bool = False

    def url(self, port: int = 8080) -> str:
        return self.urls[port]

    def is_running(self) -> bool:
        return self.running

    def exit_code(self):
        return None if self.running else 1

    def ping(self, port: int):
        parts = urlsplit(self.urls[port])
        return ping_url(parts.hostname, parts.port, 2.0)

    def wait_ready(self, port: int, fallback: int, deadline_s: float):
        return wait_healthy(self, port, fallback, deadline_s, threading.Event())

    def state(self) -> str:
        return "running" if self.running else "exited with status 1"

    def logs(self, tail: int = 15) -> str:
        return "fake log line"

    def model_mount(self):
        return self.mount

    def sigterm(self) -> None:
        pass

    def wait_exit(self, timeout_s: float):
        return 0 if self.exit_after is not None and self.exit_after <= timeout_s else None

    def remove(self) -> None:
        self.removed = True


@pytest.fixture
def serve():
    """Return a function that starts the broken-images server with one fault in-process and returns its URL."""
    servers = []

    def start(fault: str = "") -> str:
        server = server_module.make_server(fault, 0, host="127.0.0.1")

        def die():  # what the container's os._exit does to its listening socket
            server.socket.close()
            threading.Thread(target=server.shutdown).start()

        server.RequestHandlerClass.on_fatal = staticmethod(die)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def target() -> TargetConfig:
    return TargetConfig("fake", "byoc/fake:latest", None, SAMPLE, "text/csv", ("application/json",), "text/csv")


@pytest.fixture
def limits() -> Limits:
    return Limits(start_deadline_s=5.0, port_grace_s=0.5, sigterm_grace_s=1.0, concurrency=8)
