"""The built wheel, installed into a fresh venv outside the repository, runs `byoc --help`, `contract` and `up`.

Proof that what a user installs works without the source tree: runtime dependencies (pytest for
`byoc contract`), package data (the suite's pytest.ini) and entry points.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import docker
import pytest

from emulator.config import REPO_ROOT
from tests.support import free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]
FIXTURES = REPO_ROOT / "fixtures"
READY_S = 120


def run(cmd: list, cwd: Path, env: dict, timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{cmd} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """Return an empty working directory outside the repository."""
    path = tmp_path_factory.mktemp("outside")
    assert REPO_ROOT not in path.parents
    return path


@pytest.fixture(scope="module")
def env(outside) -> dict:
    """Return an environment with nothing of the repository on it (no PYTHONPATH, own state folder)."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return dict(clean, TESTCONTAINERS_RYUK_DISABLED="true", BYOC_STATE_DIR=str(outside / "state"))


@pytest.fixture(scope="module")
def byoc(outside, env) -> Path:
    """Build the wheel, install it (with its dependencies, from the caches) into a fresh venv; return its `byoc`."""
    started = time.monotonic()
    dist, venv = outside / "dist", outside / "venv"
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, REPO_ROOT], outside, env)
    wheels = list(dist.glob("byoc_sagemaker-*.whl"))
    assert len(wheels) == 1
    uv = shutil.which("uv")  # tox-uv's, on PATH where tox was installed with pip (as .ci/run does)
    if uv:  # the same install from the same index and caches: about 1 s where pip takes about 10 CPU-s
        run([sys.executable, "-m", "venv", "--without-pip", venv], outside, env)
        run([uv, "pip", "install", "-q", "--python", venv / "bin" / "python", wheels[0]], outside, env)
    else:
        run([sys.executable, "-m", "venv", venv], outside, env)
        run([venv / "bin" / "pip", "install", "-q", "--disable-pip-version-check", wheels[0]], outside, env)
    print(f"wheel built and installed in {time.monotonic() - started:.1f} s")
    return venv / "bin" / "byoc"


def test_help(byoc, outside, env):
    done = run([byoc, "--help"], outside, env)
    for command in ("contract", "push", "up", "invoke", "down", "serve", "transform", "evaluate", "deploy", "teardown"):
        assert command in done.stdout


def test_evaluate_without_its_extra_says_which_extra_to_install(byoc, outside, env):
    done = subprocess.run(
        [str(byoc), "evaluate", str(FIXTURES / "pipelines/abalone.toml"), "--data", "x.csv", "--label", "rings"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "byoc evaluate needs the `evaluate` extra" in done.stderr and "byoc-sagemaker[evaluate]" in done.stderr
    assert "Traceback" not in done.stderr


def test_contract_on_one_of_our_images(byoc, outside, env):
    predictor = FIXTURES / "abalone" / "predictor"
    done = run(
        [
            byoc,
            "contract",
            "byoc/predictor:latest",
            "--model",
            predictor / "model.tar.gz",
            "--sample",
            predictor / "sample.csv",
            "--returns",
            "text/csv",
            "-q",
        ],
        outside,
        env,
    )
    assert "predictor: 15 passed, 0 failed, 0 not judged, 0 warning(s); nothing to fix" in done.stdout
    assert "ModuleNotFoundError" not in done.stderr


def test_up_serves_until_ctrl_c_and_leaves_no_container(byoc, outside, env):
    name, port = f"wheel-{uuid.uuid4().hex[:6]}", free_port()
    up = subprocess.Popen(
        [str(byoc), "up", str(FIXTURES / "pipelines" / "abalone.toml"), "--name", name, "--port", str(port), "--quiet"],
        cwd=outside,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_line(up, f"endpoint {name} ready")
        answer = run(
            [
                byoc.with_name("byoc"),
                "invoke",
                name,
                "--body",
                "M,0.605,0.455,0.16,1.1035,0.421,0.3015,0.325",
                "--content-type",
                "text/csv",
            ],
            outside,
            env,
            timeout=60,
        )
        assert float(answer.stdout.strip()) > 0
        up.send_signal(signal.SIGINT)
        out, _ = up.communicate(timeout=60)
        assert up.returncode == 0, out[-3000:]
    finally:
        if up.poll() is None:
            up.kill()
    client = docker.from_env()
    left = client.containers.list(all=True, filters={"label": f"com.byoc.endpoint={name}"})
    assert left == [], [c.name for c in left]


def _wait_for_line(process: subprocess.Popen, text: str) -> None:
    """Read the process's output until a line holds `text`; fail with what it printed when it never does."""
    seen, deadline = [], time.monotonic() + READY_S
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return
    pytest.fail(f"`byoc up` never printed {text!r}; it printed:\n{''.join(seen)[-3000:]}")
