"""Finding 7 (stale state): files of processes that are gone are told apart, ignored, and removed by `byoc down`."""

import json
import os
import subprocess
import sys

from emulator.cli import endpoints as endpoint_cli
from emulator.cli import main as byoc
from emulator.cli import serve as serve_cli
from emulator.cli import state


def dead_pid() -> int:
    """Return the pid of a process that has just ended."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_stale_state_record_is_private_atomic_and_live_while_this_process_runs(tmp_path):
    path = state.record("ep", "http://127.0.0.1:1234", tmp_path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir()] == ["ep.json"]  # no partial file left
    found = state.read(path)
    assert found.live and found.url == "http://127.0.0.1:1234" and found.pid == os.getpid()
    assert state.recorded_url("ep", tmp_path) == "http://127.0.0.1:1234"


def test_stale_state_of_a_dead_process_or_a_reused_pid_is_not_live(tmp_path):
    (tmp_path / "dead.json").write_text(json.dumps({"url": "http://127.0.0.1:1", "pid": dead_pid()}))
    reused = {"url": "http://127.0.0.1:2", "pid": os.getpid(), "started": "1"}  # our pid, another start time
    (tmp_path / "reused.json").write_text(json.dumps(reused))
    assert [r.live for r in state.records(tmp_path)] == [False, False]
    assert state.live_urls(tmp_path) == [] and state.recorded_url("reused", tmp_path) is None


def test_stale_state_files_are_removed_and_live_ones_kept(tmp_path):
    live = state.record("live", "http://127.0.0.1:3", tmp_path)
    (tmp_path / "dead.json").write_text(json.dumps({"url": "http://127.0.0.1:1", "pid": dead_pid()}))
    (tmp_path / "junk.json").write_text("{")
    removed = state.remove_stale(tmp_path)
    assert sorted(p.name for p in removed) == ["dead.json", "junk.json"]
    assert [p.name for p in tmp_path.iterdir()] == [live.name]


def test_stale_state_byoc_down_removes_the_files_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(endpoint_cli, "STATE_DIR", tmp_path)

    class Layer:
        def remove_labelled(self, labels):
            return []

    monkeypatch.setattr("emulator.docker.launcher.DockerLayer", Layer)
    (tmp_path / "crashed.json").write_text(json.dumps({"url": "http://127.0.0.1:1", "pid": dead_pid()}))
    assert byoc(["down"]) == 0
    out = capsys.readouterr().out
    assert "removed stale state file" in out and "crashed.json" in out and "skipped" not in out
    assert list(tmp_path.iterdir()) == []


def test_stale_state_byoc_ls_and_invoke_ignore_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(endpoint_cli, "STATE_DIR", tmp_path)
    monkeypatch.setattr(serve_cli, "STATE_DIR", tmp_path)
    (tmp_path / "ep.json").write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": dead_pid()}))
    assert byoc(["ls"]) == 0
    assert "no local SageMaker is running" in capsys.readouterr().out
    assert endpoint_cli.recorded_url("ep") is None


def test_stale_state_ls_skips_a_live_process_that_does_not_answer(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(serve_cli, "STATE_DIR", tmp_path)
    state.record("serve-9", "http://127.0.0.1:9", tmp_path)  # this process: alive, nothing listens
    assert byoc(["ls"]) == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:9: not answering" in out and "Traceback" not in out
