"""Engine set-up decisions, with the Docker layer and the host faked."""

import pytest

from emulator.config import Settings
from emulator.docker import engine
from emulator.errors import EngineUnavailable


class FakeClient:
    def ping(self):
        return True


def settings(docker_host=None):
    return Settings(docker_host=docker_host, base_image_override=None, ci=False)


def test_returns_client_when_engine_answers(monkeypatch):
    client = FakeClient()
    monkeypatch.setattr(engine, "connect", lambda: client)
    assert engine.ensure_engine(settings(), fix=False) is client


def test_without_fix_says_how_to_fix(monkeypatch):
    monkeypatch.setattr(engine, "connect", lambda: None)
    with pytest.raises(EngineUnavailable) as err:
        engine.ensure_engine(settings(), fix=False)
    assert "no Docker engine answers" in err.value.message
    assert "byoc doctor --fix" in err.value.hint


def test_remote_docker_host_is_not_replaced_by_a_local_engine(monkeypatch):
    monkeypatch.setattr(engine, "connect", lambda: None)
    started = []
    monkeypatch.setattr(engine, "_start_dockerd", lambda: started.append(True))
    with pytest.raises(EngineUnavailable) as err:
        engine.ensure_engine(settings("tcp://10.0.0.5:2376"), fix=True)
    assert "DOCKER_HOST=tcp://10.0.0.5:2376" in err.value.message
    assert started == []


@pytest.mark.parametrize(
    "system, euid, apt, expected",
    [
        ("Darwin", 0, "/usr/bin/apt-get", "this is Darwin"),
        ("Linux", 1000, "/usr/bin/apt-get", "needs root"),
        ("Linux", 0, None, "no apt-get"),
    ],
)
def test_refuses_to_install_where_it_cannot(monkeypatch, system, euid, apt, expected):
    monkeypatch.setattr(engine, "connect", lambda: None)
    monkeypatch.setattr(engine.platform, "system", lambda: system)
    monkeypatch.setattr(engine.os, "geteuid", lambda: euid)
    monkeypatch.setattr(engine.shutil, "which", lambda name: apt if name == "apt-get" else None)
    with pytest.raises(EngineUnavailable) as err:
        engine.ensure_engine(settings(), fix=True)
    assert expected in err.value.message
    assert "install Docker" in err.value.hint


def test_installs_then_starts_dockerd_and_waits(monkeypatch):
    answers = iter([None, None, None, FakeClient()])
    monkeypatch.setattr(engine, "connect", lambda: next(answers))
    monkeypatch.setattr(engine.platform, "system", lambda: "Linux")
    monkeypatch.setattr(engine.os, "geteuid", lambda: 0)
    monkeypatch.setattr(engine.shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None)
    monkeypatch.setattr(engine.time, "sleep", lambda s: None)
    calls = []
    monkeypatch.setattr(engine, "_apt_install", lambda *p: calls.append(("apt", p)))
    monkeypatch.setattr(engine, "_start_dockerd", lambda: calls.append(("start",)))
    client = engine.ensure_engine(settings(), fix=True, say=lambda msg: None)
    assert isinstance(client, FakeClient)
    assert calls == [("apt", ("docker.io",)), ("start",)]


def test_dockerd_that_never_answers_reports_its_log(monkeypatch, tmp_path):
    log = tmp_path / "dockerd.log"
    log.write_text("line one\nfailed to start daemon: iptables missing\n")
    monkeypatch.setattr(engine, "DOCKERD_LOG", log)
    monkeypatch.setattr(engine, "connect", lambda: None)
    monkeypatch.setattr(engine.platform, "system", lambda: "Linux")
    monkeypatch.setattr(engine.os, "geteuid", lambda: 0)
    monkeypatch.setattr(engine.shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(engine, "_start_dockerd", lambda: None)
    monkeypatch.setattr(engine, "START_TIMEOUT_S", 0.01)
    with pytest.raises(EngineUnavailable) as err:
        engine.ensure_engine(settings(), fix=True, say=lambda msg: None)
    assert "iptables missing" in err.value.message
