"""Real images, the `byoc` command in a subprocess, and a real registry (Debian's docker-registry) for the contract
tests.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import docker
import pytest

from contract_tests.probe import call
from emulator.config import IMAGE_NAMES, REPO_ROOT, SESSION_LABEL, image_tag
from emulator.docker.images import has_image
from emulator.hosting.readiness import NotHealthy, wait_healthy
from tests.support import free_port, labelled

BROKEN_DIR = REPO_ROOT / "fixtures" / "broken"
TARGETS_DIR = REPO_ROOT / "contract_tests" / "targets"
OUR_TARGETS = [
    TARGETS_DIR / f"{name}.toml" for name in ("featurizer-abalone", "predictor-abalone", "postprocessor-support")
]


def load_broken_build():
    """Import fixtures/broken/build.py (fixtures/broken is not a package)."""
    spec = importlib.util.spec_from_file_location("broken_build", BROKEN_DIR / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


broken = load_broken_build()


def run_byoc(*args, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `byoc ARGS...` in a subprocess (a pytest run of the suite inside this one would share its state)."""
    env = dict(os.environ, TESTCONTAINERS_RYUK_DISABLED="true")
    return subprocess.run(
        [sys.executable, "-m", "emulator.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO_ROOT,
        env=env,
        check=False,
    )


def junit_cases(path: Path) -> dict[str, str | None]:
    """Return test name -> failure message (None when it did not fail) from a JUnit XML report."""
    cases = {}
    for case in ET.parse(path).iter("testcase"):
        failure = case.find("failure")
        cases[case.get("name")] = None if failure is None else (failure.get("message") or "").removeprefix("Failed: ")
    return cases


def junit_properties(path: Path) -> dict[str, dict[str, str]]:
    """Return test name -> its <property> values (verdict, observed) from a JUnit XML report."""
    return {
        case.get("name"): {p.get("name"): p.get("value") for p in case.iter("property")}
        for case in ET.parse(path).iter("testcase")
    }


def junit_verdicts(path: Path) -> dict[str, str]:
    """Return test name -> verdict (passed, failed, not judged, warning); a start failure has no property."""
    return {name: found.get("verdict", "failed") for name, found in junit_properties(path).items()}


def by_verdict(verdicts: dict[str, str], suffix: str) -> dict[str, set[str]]:
    """Return verdict -> rules of the tests whose id ends in `-{suffix}]`."""
    found: dict[str, set[str]] = {}
    for name, verdict in verdicts.items():
        case = name.removeprefix("test_rule[").removesuffix("]")
        if case.endswith("-" + suffix):
            found.setdefault(verdict, set()).add(case.removesuffix("-" + suffix))
    return found


def run_session(report: Path) -> str:
    """Return the byoc session of the contract run that wrote `report` (its containers' com.byoc.session)."""
    sessions = {found["byoc_session"] for found in junit_properties(report).values() if "byoc_session" in found}
    assert len(sessions) == 1, f"one byoc_session expected in {report}, found {sessions}"
    return sessions.pop()


def contract_containers(client: docker.DockerClient, session: str) -> list[str]:
    """Return the names of the containers and networks that the contract run `session` made and left.

    By the run's own session label, not by name: other tests (in parallel workers) run the suite too.
    """
    return labelled(client, {SESSION_LABEL: session})


@pytest.fixture(scope="session")
def docker_client():
    client = docker.from_env(timeout=120)
    yield client
    client.close()


@pytest.fixture(scope="session")
def broken_images(docker_client) -> dict[str, str]:
    """Build the images of fixtures/broken (seconds: stdlib only) and return fault -> tag ("" -> the good one)."""
    return broken.build_all(docker_client, say=lambda _: None)


@pytest.fixture(scope="session")
def our_images(docker_client) -> None:
    """Fail unless the project's images are built (`byoc build`; tox does it before the tests)."""
    missing = [tag for tag in map(image_tag, (*IMAGE_NAMES, "moto")) if not has_image(docker_client, tag)]
    if missing:
        pytest.fail(f"images not built: {', '.join(missing)}; run `byoc build`")


def _registry_binary() -> str:
    found = shutil.which("docker-registry")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(
            "Debian's docker-registry is not installed and cannot be (needs root and apt-get): "
            "apt-get install docker-registry"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "docker-registry"]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=False)
        done = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.fail(f"apt-get install docker-registry failed: {done.stderr[-500:]}")
    return shutil.which("docker-registry")


@pytest.fixture(scope="session")
def registry(tmp_path_factory) -> str:
    """Serve a throw-away registry on 127.0.0.1:<free port> and return `host:port` (Docker pushes to loopback over
    HTTP).
    """
    binary, root, port = _registry_binary(), tmp_path_factory.mktemp("registry"), free_port()
    config = root / "config.yml"
    config.write_text(
        f"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    with open(root / "registry.log", "wb") as log:
        process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        try:  # the one polling helper, with the registry's /v2/ standing in for /ping
            wait_healthy(_Registry(process), port, port, 20, threading.Event())
        except NotHealthy as err:
            pytest.fail(f"docker-registry did not answer: {err}: {(root / 'registry.log').read_text()[-1000:]}")
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


class _Registry:
    """The registry as the readiness wait sees it: GET /v2/ per port, and whether the process exited."""

    def __init__(self, process: subprocess.Popen):
        self.process = process

    def ping(self, port: int) -> int | None:
        return call(f"http://127.0.0.1:{port}", "GET", "/v2/", timeout=1).status

    def exit_code(self) -> int | None:
        return self.process.poll()
