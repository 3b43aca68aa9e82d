"""Starting, failing and stopping: nothing labelled is left behind, whatever way a run ends."""

import os
import signal
import subprocess
import sys
import time

import pytest

from emulator.config import FIXTURES_DIR, REPO_ROOT
from emulator.errors import EndpointError
from emulator.hosting.endpoint import LocalEndpoint
from tests.integration.emulator.helpers import TESTBOX, UpProcess, leftovers, unique, write_testbox_definition

pytestmark = pytest.mark.integration
SEED = FIXTURES_DIR / "support/dynamodb/PipelineLookupTable.json"


def test_start_failure_names_the_container_shows_its_log_and_removes_everything(testbox_image, tmp_path, docker_client):
    path = write_testbox_definition(tmp_path / "bad.toml", {"first": "", "second": "no-such-fault"}, mode="Serial")
    name = unique("badstart")
    with pytest.raises(EndpointError) as caught:
        LocalEndpoint(path, name=name, stream_logs=False).start()
    message = caught.value.message
    assert "The second for production variant AllTraffic did not pass the ping health check" in message
    assert "exited with code" in message
    assert "BYOC_FAULT='no-such-fault' is not one of" in message  # the container's own last log line
    assert leftovers(docker_client, name) == []


def test_normal_exit_and_an_exception_leave_nothing(testbox_image, tmp_path, docker_client):
    path = write_testbox_definition(tmp_path / "ok.toml", {"a": "", "b": ""})
    name = unique("leak")
    with LocalEndpoint(path, name=name, stream_logs=False) as endpoint:
        assert len(leftovers(docker_client, name)) == 5  # two containers and the network, its LocalAws and network
        assert endpoint.ready_s is not None
    assert leftovers(docker_client, name) == []
    with pytest.raises(RuntimeError, match="test body failed"):
        with LocalEndpoint(path, name=name, stream_logs=False):
            raise RuntimeError("test body failed")
    assert leftovers(docker_client, name) == []


def test_published_ports_path_with_dynamodb(testbox_image, tmp_path, docker_client, monkeypatch):
    monkeypatch.setenv("BYOC_PUBLISH_PORTS", "1")
    path = write_testbox_definition(tmp_path / "pub.toml", {"good": "", "portless": "port"}, tables_seed=SEED)
    with LocalEndpoint(path, name=unique("published"), stream_logs=False) as endpoint:
        assert endpoint.group.access.publish
        assert all(c.url.startswith("http://127.0.0.1:") for c in endpoint.containers)
        assert [c.port for c in endpoint.containers] == [9000, 8080]
        client = endpoint.client()
        for hostname, want in (("good", "6.0"), ("portless", "6.0")):
            answer = client.invoke_endpoint(
                EndpointName=endpoint.name, Body=b"1,2,3", ContentType="text/csv", TargetContainerHostname=hostname
            )
            assert answer["Body"].read().decode().strip() == want
        labels = docker_client.containers.get(endpoint.group.container_id("good")).attrs["Config"]["Env"]
        assert "AWS_ENDPOINT_URL=http://byoc-aws:5000" in labels  # the session's LocalAws, seeded
        assert "AWS_REGION=eu-west-1" in labels


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_byoc_up_tears_down_on_signal(signum, testbox_image, tmp_path, docker_client):
    path = write_testbox_definition(tmp_path / "up.toml", {"good": "", "other": ""})
    name = unique("up")
    up = UpProcess(path, name, tmp_path / "state")
    try:
        up.wait_for(f"endpoint {name} ready")
        assert 'boto3.client("sagemaker-runtime", endpoint_url="http://127.0.0.1:' in up.output()
        assert len(leftovers(docker_client, name)) == 5  # with the endpoint's own LocalAws and its network
        invoked = subprocess.run(
            [sys.executable, "-m", "emulator.cli", "invoke", name, "--body", "1,2,3", "--target-container", "good"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env=_env(tmp_path / "state"),
        )
        assert invoked.returncode == 0, invoked.stderr
        assert invoked.stdout.strip() == "6.0"  # found through the recorded URL
        up.proc.send_signal(signum)
        assert up.proc.wait(timeout=60) == 0
    finally:
        if up.proc.poll() is None:
            up.proc.kill()
    assert "stopped; its containers and network are removed" in up.output()
    assert leftovers(docker_client, name) == []


def test_byoc_up_interrupted_while_starting_leaves_nothing(testbox_image, tmp_path, docker_client):
    path = write_testbox_definition(tmp_path / "slow.toml", {"good": "", "slow": "slow-ping"})  # /ping takes 2.5 s
    name = unique("slowup")
    up = UpProcess(path, name, tmp_path / "state", "--startup-timeout", "120")
    try:
        deadline = time.monotonic() + 60
        while len(leftovers(docker_client, name)) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)  # wait until both containers (and LocalAws) exist
        assert len(leftovers(docker_client, name)) == 5, up.output()
        up.proc.send_signal(signal.SIGINT)
        assert up.proc.wait(timeout=60) == 0
    finally:
        if up.proc.poll() is None:
            up.proc.kill()
    assert "stopped before it was ready; its containers and network are removed" in up.output()
    assert "Traceback" not in up.output()
    assert leftovers(docker_client, name) == []


def test_byoc_down_cleans_up_after_a_crash(testbox_image, tmp_path, docker_client):
    path = write_testbox_definition(tmp_path / "crash.toml", {"good": "", "other": ""})
    name = unique("crash")
    up = UpProcess(path, name, tmp_path / "state")
    up.wait_for(f"endpoint {name} ready")
    up.proc.kill()  # SIGKILL: no teardown runs
    up.proc.wait(timeout=30)
    assert len(leftovers(docker_client, name)) == 5
    down = subprocess.run(
        [sys.executable, "-m", "emulator.cli", "down", "--endpoint", name],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert down.returncode == 0, down.stderr
    assert down.stdout.count("removed container") == 3 and "removed network" in down.stdout  # 2 + LocalAws
    assert leftovers(docker_client, name) == []


def _env(state_dir):
    return dict(os.environ, BYOC_STATE_DIR=str(state_dir), TESTCONTAINERS_RYUK_DISABLED="true")


def test_pytest_fixture_starts_once_per_session_and_cleans_up(testbox_image, tmp_path, docker_client):
    path = write_testbox_definition(tmp_path / "fx.toml", {"good": "", "other": ""})
    name = unique("fixture")
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["emulator.testing.fixtures"]\n')
    (tmp_path / "test_user.py").write_text(f'''
SEEN = []

def test_first(byoc_endpoint):
    ep = byoc_endpoint(r"{path}", name="{name}")
    SEEN.append(ep)
    answer = ep.client().invoke_endpoint(EndpointName=ep.name, Body=b"1,2,3", ContentType="text/csv",
                                         TargetContainerHostname="good")
    assert answer["Body"].read().decode().strip() == "6.0"

def test_second_gets_the_same_endpoint(byoc_endpoint):
    assert byoc_endpoint(r"{path}", name="{name}") is SEEN[0]

def test_the_local_sagemaker_takes_create_calls(byoc_sagemaker):
    sm = byoc_sagemaker.client("sagemaker")
    sm.create_model(ModelName="{name}-cp", PrimaryContainer={{"Image": "{TESTBOX}"}})
    sm.create_endpoint_config(EndpointConfigName="{name}-cp",
                              ProductionVariants=[{{"VariantName": "AllTraffic", "ModelName": "{name}-cp"}}])
    sm.create_endpoint(EndpointName="{name}-cp", EndpointConfigName="{name}-cp")
    sm.get_waiter("endpoint_in_service").wait(EndpointName="{name}-cp", WaiterConfig={{"Delay": 0.2}})
    answer = byoc_sagemaker.client("sagemaker-runtime").invoke_endpoint(
        EndpointName="{name}-cp", Body=b"1,2,3", ContentType="text/csv")
    assert answer["Body"].read().decode().strip() == "6.0"
''')
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(tmp_path / "state"),
    )
    assert "3 passed" in done.stdout, done.stdout + done.stderr
    assert leftovers(docker_client, name) == [] and leftovers(docker_client, f"{name}-cp") == []


def test_byoc_invoke_of_a_definition_starts_calls_and_removes_it(testbox_image, tmp_path, docker_client, capsys):
    from emulator.cli import main as byoc

    name = unique("once")
    path = write_testbox_definition(tmp_path / "once.toml", {"good": "", "other": ""}, name=name)
    assert byoc(["invoke", str(path), "--body", "1,2,3\n1,1,1", "--target-container", "good"]) == 0
    assert capsys.readouterr().out.split() == ["6.0", "3.0"]
    assert leftovers(docker_client, name) == []
