"""Helpers of the emulator's integration tests: test definitions, unique names, leftovers, `byoc up`."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from emulator.config import ENDPOINT_LABEL, FIXTURES_DIR, REPO_ROOT
from emulator.hosting.plan import SESSION
from tests.support import labelled

PIPELINES = FIXTURES_DIR / "pipelines"
TESTBOX = "byoc/emulator-testbox:latest"
TESTBOX_BASE = "byoc/emulator-testbox-base:latest"
BROKEN_DIR = FIXTURES_DIR / "broken"
ABALONE = FIXTURES_DIR / "abalone"
ROLE = "arn:aws:iam::000000000000:role/x"


def abalone_containers(model_url=lambda part: str(ABALONE / part / "model.tar.gz")) -> list[dict]:
    """CreateModel's Containers for the abalone pipeline, each ModelDataUrl from `model_url(part)`."""
    containers = [
        {"ContainerHostname": part, "Image": f"byoc/{part}:latest", "ModelDataUrl": model_url(part)}
        for part in ("featurizer", "predictor")
    ]
    containers[0]["Environment"] = {"FEATURIZER_INPUT": "tabular"}
    return containers


def abalone_model(sm, name: str) -> str:
    """CreateModel of the abalone pipeline (models as local paths) through boto3; return its name."""
    sm.create_model(ModelName=name, Containers=abalone_containers(), ExecutionRoleArn=ROLE)
    return name


def write_testbox_definition(
    path: Path, faults: dict[str, str], mode: str = "Direct", tables_seed: Path | None = None, name: str = "testbox"
) -> Path:
    """Write a definition of testbox containers, hostname -> BYOC_FAULT, and return its path."""
    lines = [f'ModelName = "{name}"', f'InferenceExecutionConfig = {{ Mode = "{mode}" }}']
    for hostname, fault in faults.items():
        lines += [
            "[[Containers]]",
            f'ContainerHostname = "{hostname}"',
            f'Image = "{TESTBOX}"',
            f'Environment = {{ BYOC_FAULT = "{fault}" }}',
        ]
    if tables_seed is not None:
        lines += ["[Local]", 'Region = "eu-west-1"', "[[Local.DynamoDBTables]]", f'Seed = "{tables_seed}"']
    path.write_text("\n".join(lines) + "\n")
    return path


def unique(prefix: str) -> str:
    """Return an endpoint name unique to this test session."""
    unique.count = getattr(unique, "count", 0) + 1
    return f"{prefix}-{SESSION[:6]}-{unique.count}"


def leftovers(client, endpoint: str) -> list[str]:
    """Return the containers and networks still carrying `endpoint`'s label."""
    return labelled(client, {ENDPOINT_LABEL: endpoint})


class UpProcess:
    """`byoc up` run as a subprocess, its stdout read line by line in a thread."""

    def __init__(self, definition: Path, name: str, state_dir: Path, *extra: str):
        env = dict(os.environ, BYOC_STATE_DIR=str(state_dir), TESTCONTAINERS_RYUK_DISABLED="true", PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "emulator.cli",
                "up",
                str(definition),
                "--name",
                name,
                "--port",
                "0",
                "--quiet",
                *extra,
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout_s: float = 90) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for line in self.lines:
                if text in line:
                    return line
            if self.proc.poll() is not None and not any(text in line for line in self.lines):
                break
            time.sleep(0.05)
        raise AssertionError(f"`byoc up` never printed {text!r}; output:\n" + "\n".join(self.lines))

    def output(self) -> str:
        return "\n".join(self.lines)


class Serve:
    """`byoc serve --port 0` as a subprocess; its output read in a thread."""

    def __init__(self, state_dir, *extra: str):
        env = dict(os.environ, BYOC_STATE_DIR=str(state_dir), TESTCONTAINERS_RYUK_DISABLED="true", PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "emulator.cli", "serve", "--port", "0", "--quiet", *extra],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._wait_for_url()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            for line in self.lines:
                if line.startswith("local SageMaker at "):
                    return line.split()[3]
            time.sleep(0.05)
        raise AssertionError("byoc serve never said where it listens:\n" + "\n".join(self.lines))

    def stop(self, signum=signal.SIGTERM) -> int:
        self.proc.send_signal(signum)
        try:
            return self.proc.wait(timeout=120)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
