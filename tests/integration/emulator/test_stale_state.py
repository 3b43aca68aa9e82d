"""Finding 7 on a real `byoc up`: SIGKILL leaves a state file that ls/invoke ignore and down removes;
a second Ctrl-C while starting prints no traceback and everything is still removed."""

import os
import signal
import subprocess
import sys
import time

from emulator.config import REPO_ROOT
from tests.integration.emulator.helpers import UpProcess, leftovers, unique, write_testbox_definition


def byoc(state_dir, *args):
    env = dict(os.environ, BYOC_STATE_DIR=str(state_dir), TESTCONTAINERS_RYUK_DISABLED="true")
    return subprocess.run(
        [sys.executable, "-m", "emulator.cli", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_stale_state_after_sigkill_is_ignored_by_ls_and_invoke_and_removed_by_down(
    testbox_image, tmp_path, docker_client
):
    path = write_testbox_definition(tmp_path / "stale.toml", {"good": ""})
    name, state_dir = unique("stale"), tmp_path / "state"
    up = UpProcess(path, name, state_dir)
    up.wait_for(f"endpoint {name} ready")
    up.proc.kill()  # SIGKILL: no teardown, the file stays
    up.proc.wait(timeout=30)
    assert (state_dir / f"{name}.json").exists()
    listed = byoc(state_dir, "ls")
    assert listed.returncode == 0 and "no local SageMaker is running" in listed.stdout, listed.stdout + listed.stderr
    invoked = byoc(state_dir, "invoke", name, "--body", "1,2,3", "--target-container", "good")
    assert invoked.returncode == 2 and "Traceback" not in invoked.stderr
    assert "nothing answers at http://127.0.0.1:8080" in invoked.stderr or "ValidationError" in invoked.stderr
    down = byoc(state_dir, "down", "--endpoint", name)
    assert down.returncode == 0, down.stderr
    assert f"removed stale state file {state_dir / (name + '.json')}" in down.stdout
    assert "skipped" not in down.stdout  # the dead URL was never asked
    assert not (state_dir / f"{name}.json").exists()
    assert leftovers(docker_client, name) == []


def test_stale_state_second_ctrl_c_while_starting_prints_no_traceback_and_cleans_up(
    testbox_image, tmp_path, docker_client
):
    path = write_testbox_definition(tmp_path / "slow.toml", {"good": "", "slow": "slow-ping"})
    name = unique("twice")
    up = UpProcess(path, name, tmp_path / "state", "--startup-timeout", "120")
    try:
        deadline = time.monotonic() + 60
        while len(leftovers(docker_client, name)) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(leftovers(docker_client, name)) == 5, up.output()
        up.proc.send_signal(signal.SIGINT)
        time.sleep(0.1)
        up.proc.send_signal(signal.SIGINT)  # impatient: a second Ctrl-C
        assert up.proc.wait(timeout=60) == 0
    finally:
        if up.proc.poll() is None:
            up.proc.kill()
    assert "Traceback" not in up.output() and "KeyboardInterrupt" not in up.output()
    assert "stopped before it was ready" in up.output()
    assert leftovers(docker_client, name) == []
    assert list((tmp_path / "state").glob("*.json")) == []
