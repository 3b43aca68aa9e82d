"""`byoc deploy` and `byoc teardown` end to end: a real registry, a local SageMaker in this process, real containers.

The local SageMaker stands in for AWS (no test reaches it): images are pushed to Debian's
docker-registry on loopback, model data goes to the local S3, and the local control plane pulls
the pushed images from that registry.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest

from contract_tests.probe import call
from emulator.config import REPO_ROOT

from .conftest import BUCKET, ROLE

pytestmark = pytest.mark.integration

ABALONE = REPO_ROOT / "fixtures" / "pipelines" / "abalone.toml"
SUPPORT = REPO_ROOT / "fixtures" / "pipelines" / "support.toml"
SAMPLE = REPO_ROOT / "fixtures" / "abalone" / "featurizer" / "sample.csv"
LOOP_LIMIT_S = 300  # the request loop stops by itself after this, whatever happens


def byoc(sm, *args, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `byoc ARGS` with dummy credentials from the environment (boto3's chain), every request to `sm`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE="/nonexistent",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
        TESTCONTAINERS_RYUK_DISABLED="true",
    )
    return subprocess.run(
        [sys.executable, "-m", "emulator.cli", *map(str, args), "--endpoint-url", sm.url, "--region", "us-east-1"],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO_ROOT,
        env=env,
        check=False,
    )


def deploy_args(definition, name, registry, *more):
    return (
        "deploy",
        definition,
        "--endpoint-name",
        name,
        "--role",
        ROLE,
        "--bucket",
        BUCKET,
        "--registry",
        registry,
        "--poll",
        "0.5",
        *more,
    )


def catalog(registry: str) -> list[str]:
    return json.loads(call(f"http://{registry}", "GET", "/v2/_catalog", timeout=5).body).get("repositories") or []


def s3_keys(sm) -> list[str]:
    return [o["Key"] for o in sm.client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def changed_definition(tmp_path: Path) -> Path:
    """Return abalone with the predictor's model as a folder holding one more file: other model data, same answers."""
    folder = tmp_path / "predictor"
    with tarfile.open(REPO_ROOT / "fixtures" / "abalone" / "predictor" / "model.tar.gz") as tar:
        tar.extractall(folder, filter="data")
    (folder / "NOTE.txt").write_text("redeployed\n")
    text = ABALONE.read_text().replace(
        "../abalone/featurizer/model.tar.gz", str(REPO_ROOT / "fixtures" / "abalone" / "featurizer" / "model.tar.gz")
    )
    text = text.replace('"../abalone/predictor/model.tar.gz"', json.dumps(str(folder)))
    path = tmp_path / "abalone-changed.toml"
    path.write_text(text)
    return path


class RequestLoop:
    """Invoke the endpoint in a loop from a thread, counting answers and failures, until stopped (or a deadline)."""

    def __init__(self, sm, name: str):
        self.runtime, self.name = sm.client("sagemaker-runtime"), name
        self.answers, self.failures, self.stop = 0, [], threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        body, deadline = SAMPLE.read_bytes(), time.monotonic() + LOOP_LIMIT_S
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                self.runtime.invoke_endpoint(EndpointName=self.name, ContentType="text/csv", Body=body)["Body"].read()
                self.answers += 1
            except Exception as err:  # noqa: BLE001 - every failure is what the test counts
                self.failures.append(repr(err))
            self.stop.wait(0.05)

    def __enter__(self) -> "RequestLoop":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(30)


@pytest.fixture(scope="module")
def pushed_tags(docker_client, registry):
    """Remove the registry tags the local control plane pulled (ours only: the images stay)."""
    yield
    for image in docker_client.images.list():
        for tag in image.tags:
            if tag.startswith(registry + "/"):
                docker_client.images.remove(tag)


def test_abalone_deploys_updates_in_place_and_tears_down(sagemaker, registry, docker_client, pushed_tags, tmp_path):
    sm = sagemaker.client("sagemaker")
    done = byoc(sagemaker, *deploy_args(ABALONE, "abalone", registry))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "contract:" in out and "checks passed" in out
    assert {"byoc/featurizer", "byoc/predictor"} <= set(catalog(registry))
    assert len(s3_keys(sagemaker)) == 2
    assert "smoke test:" in out and "parity: equal within" in out
    described = sm.describe_endpoint(EndpointName="abalone")
    assert described["EndpointStatus"] == "InService"
    images = [i["SpecifiedImage"] for v in described["ProductionVariants"] for i in v.get("DeployedImages", [])]
    pulled = {tag for image in docker_client.images.list() for tag in image.tags if tag.startswith(registry + "/")}
    assert pulled, "the local control plane should have pulled the pushed images from the registry"
    assert not images or set(images) <= pulled
    first_config = described["EndpointConfigName"]

    again = byoc(sagemaker, *deploy_args(ABALONE, "abalone", registry, "--skip-contract", "--no-parity"))
    assert again.returncode == 0, again.stderr[-2000:]
    assert "already there" in again.stdout and "nothing to change" in again.stdout

    with RequestLoop(sagemaker, "abalone") as loop:
        updated = byoc(
            sagemaker, *deploy_args(changed_definition(tmp_path), "abalone", registry, "--skip-contract", "--no-parity")
        )
        time.sleep(0.5)
    assert updated.returncode == 0, updated.stdout[-3000:] + updated.stderr[-3000:]
    assert "updating abalone" in updated.stdout
    assert loop.failures == [] and loop.answers > 0
    described = sm.describe_endpoint(EndpointName="abalone")
    assert described["EndpointStatus"] == "InService" and described["EndpointConfigName"] != first_config
    assert len(s3_keys(sagemaker)) == 3

    gone = byoc(sagemaker, "teardown", "abalone", "--poll", "0.5")
    assert gone.returncode == 0, gone.stderr[-2000:]
    assert "teardown: endpoint abalone deleted" in gone.stdout
    assert sm.list_endpoints()["Endpoints"] == []
    assert sm.list_endpoint_configs()["EndpointConfigs"] == [] and sm.list_models()["Models"] == []


def test_support_deploys_with_its_table_and_tears_down(sagemaker, registry, pushed_tags):
    from emulator.definitions.pipeline import load_pipeline
    from emulator.hosting.sidecars import seed_tables

    seed_tables(sagemaker.client("dynamodb"), load_pipeline(SUPPORT).tables)  # in AWS the table exists already
    done = byoc(sagemaker, *deploy_args(SUPPORT, "support", registry, "--skip-contract"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "note: DynamoDB table PipelineLookupTable ([Local]) is not created by deploy" in done.stdout
    assert "byoc/postprocessor" in catalog(registry)
    assert '"category"' in done.stdout and "parity: equal within" in done.stdout
    gone = byoc(sagemaker, "teardown", "support", "--poll", "0.5")
    assert gone.returncode == 0, gone.stderr[-2000:]
    sm = sagemaker.client("sagemaker")
    assert sm.list_endpoints()["Endpoints"] == [] and sm.list_models()["Models"] == []


def test_an_image_that_fails_the_contract_is_refused_before_anything_is_pushed(
    sagemaker, registry, broken_port, tmp_path
):
    model = tmp_path / "model"
    model.mkdir()
    shutil.copy(REPO_ROOT / "fixtures" / "broken" / "sample.csv", model / "sample.csv")
    definition = tmp_path / "broken.toml"
    definition.write_text(
        f'ModelName = "broken"\n[PrimaryContainer]\nImage = "{broken_port}"\nModelDataUrl = {json.dumps(str(model))}\n'
    )
    keys_before = s3_keys(sagemaker)
    done = byoc(sagemaker, *deploy_args(definition, "broken", registry, "--no-parity"))
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "refusing to deploy" in done.stderr and "bind-to-port" in done.stderr
    assert "byoc-deploy/broken-port" not in catalog(registry)
    assert s3_keys(sagemaker) == keys_before
    assert sagemaker.client("sagemaker").list_models()["Models"] == []


def test_a_failed_endpoint_says_why_with_the_containers_last_log_lines(registry, broken_ping, pushed_tags, tmp_path):
    from emulator import LocalSageMaker
    from emulator.hosting.variant import HostSettings

    definition = tmp_path / "failing.toml"
    predictor = REPO_ROOT / "fixtures" / "abalone" / "predictor"
    definition.write_text(
        'ModelName = "failing"\n'
        f'[[Containers]]\nContainerHostname = "bad"\nImage = "{broken_ping}"\n'
        f"ModelDataUrl = {json.dumps(str(predictor))}\n"
        '[[Containers]]\nContainerHostname = "predictor"\nImage = "byoc/predictor:latest"\n'
        f"ModelDataUrl = {json.dumps(str(predictor / 'model.tar.gz'))}\n"
    )
    # the image's /ping answers too slowly: the endpoint fails; 10 s of start deadline is enough to say so
    with LocalSageMaker(settings=HostSettings(startup_timeout_s=10, stream_logs=False)) as sm:
        sm.client("s3").create_bucket(Bucket=BUCKET)
        done = byoc(sm, *deploy_args(definition, "failing", registry, "--skip-contract", "--no-parity"))
        assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
        assert (
            "endpoint failing failed: The bad for production variant AllTraffic did not pass the ping health check"
        ) in done.stderr
        assert "AllTraffic/i-local/bad:" in done.stderr  # its last lines, read from the local CloudWatch Logs
        gone = byoc(sm, "teardown", "failing", "--poll", "0.5")
        assert gone.returncode == 0, gone.stderr[-2000:]
        assert sm.client("sagemaker").list_models()["Models"] == []
