"""bind-to-port and sigterm with a fake launcher whose containers are in-process servers."""

import pytest

from contract_tests import lifecycle
from contract_tests.containers import StartFailure
from contract_tests.verdict import RuleFailure

from .conftest import FakeRun


class FakeLauncher:
    """Starts 'containers' whose ports map to given URLs; records what it was asked."""

    def __init__(self, urls: dict[int, str], exit_after: float | None = 0.0, fail: str | None = None):
        self.urls, self.exit_after, self.fail, self.env, self.runs = urls, exit_after, fail, None, []

    def start(self, env=None, ports=(8080,), wait_port=8080, deadline_s=240.0):
        if self.fail:
            raise StartFailure(self.fail)
        self.env = env
        closed = "http://127.0.0.1:9"  # nothing listens on the discard port
        run = FakeRun({p: self.urls.get(p, closed) for p in ports}, exit_after=self.exit_after)
        self.runs.append(run)
        return run


def test_bind_to_port_passes_when_the_given_port_answers(serve, limits):
    launcher = FakeLauncher({limits.bind_port: serve()})
    assert "port 23456 answered /ping 200" in lifecycle.bind_to_port(launcher, limits)
    assert launcher.env == {"SAGEMAKER_BIND_TO_PORT": "23456"}
    assert launcher.runs[0].removed


def test_bind_to_port_fails_when_only_8080_answers(serve, limits):
    launcher = FakeLauncher({8080: serve("port")})
    with pytest.raises(RuleFailure) as err:
        lifecycle.bind_to_port(launcher, limits)
    assert str(err.value) == ("bind-to-port: started with SAGEMAKER_BIND_TO_PORT=23456, nothing listened there "
                              "within 0.5 s; port 8080 answered instead")
    assert launcher.runs[0].removed


def test_sigterm_passes_when_the_container_exits(serve, limits):
    assert "exited with status 0" in lifecycle.sigterm(FakeLauncher({8080: serve()}), limits)


def test_sigterm_fails_when_the_container_keeps_running(serve, limits):
    launcher = FakeLauncher({8080: serve()}, exit_after=None)
    with pytest.raises(RuleFailure, match="sigterm: sent SIGTERM .* expected it to exit within 1 s; it was still running"):
        lifecycle.sigterm(launcher, limits)
    assert launcher.runs[0].removed


def test_a_start_failure_reads_as_the_rule_failing(limits):
    with pytest.raises(RuleFailure, match="sigterm: could not get a serving container to stop: boom"):
        lifecycle.sigterm(FakeLauncher({}, fail="boom"), limits)
