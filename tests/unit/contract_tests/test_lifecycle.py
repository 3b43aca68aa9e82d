"""bind-to-port and sigterm on fake runs whose ports are in-process servers."""

import pytest

from contract_tests import lifecycle
from contract_tests.verdict import RuleFailure

from .conftest import FakeRun

CLOSED = "http://127.0.0.1:9"  # nothing listens on the discard port


def run_of(urls: dict[int, str], **kwargs) -> FakeRun:
    return FakeRun({port: urls.get(port, CLOSED) for port in (23456, 8080)}, **kwargs)


class FakeLauncher:
    """Records what the lifecycle container was started with."""

    def __init__(self):
        self.asked = None

    def start(self, **kwargs):
        self.asked = kwargs
        return run_of({})


def test_the_lifecycle_container_gets_the_port_variable_and_both_ports(limits):
    launcher = FakeLauncher()
    lifecycle.start(launcher, limits)
    assert launcher.asked == {"env": {"SAGEMAKER_BIND_TO_PORT": "23456"}, "ports": (23456, 8080), "wait_port": None}


def test_bind_to_port_passes_when_the_given_port_answers(serve, limits):
    assert "port 23456 answered /ping 200" in lifecycle.bind_to_port(run_of({23456: serve()}), limits)


def test_bind_to_port_fails_when_only_8080_answers(serve, limits):
    with pytest.raises(RuleFailure) as err:
        lifecycle.bind_to_port(run_of({8080: serve("port")}), limits)
    assert str(err.value) == (
        "bind-to-port: started with SAGEMAKER_BIND_TO_PORT=23456, nothing listened there "
        "within 0.5 s; port 8080 answered instead"
    )


def test_sigterm_passes_when_the_container_exits(serve, limits):
    assert "exited with status 0" in lifecycle.sigterm(run_of({23456: serve()}), limits)


def test_sigterm_is_judged_on_8080_when_the_port_variable_is_ignored(serve, limits):
    assert "exited with status 0" in lifecycle.sigterm(run_of({8080: serve("port")}), limits)


def test_sigterm_fails_when_the_container_keeps_running(serve, limits):
    run = run_of({23456: serve()}, exit_after=None)
    with pytest.raises(
        RuleFailure, match="sigterm: sent SIGTERM .* expected it to exit within 1 s; it was still running"
    ):
        lifecycle.sigterm(run, limits)


def test_sigterm_without_a_serving_container_says_so(limits):
    with pytest.raises(RuleFailure, match="sigterm: could not get a serving container to stop: it exited with code 1"):
        lifecycle.sigterm(run_of({}, running=False), limits)
