"""deploy, redeploy, update, failure and teardown through real boto3 against the control plane (fake containers)
and moto.
"""

from dataclasses import replace
from pathlib import Path

import pytest

from emulator.aws import local_client
from emulator.definitions.pipeline import load_pipeline
from emulator.live import DeployError, Options, Target, deploy, teardown

from .fakedocker import FakeDocker

ROOT = Path(__file__).resolve().parents[4]
ABALONE = ROOT / "fixtures" / "pipelines" / "abalone.toml"
ROLE = "arn:aws:iam::123456789012:role/byoc"
IDS = {
    "byoc/featurizer:latest": "sha256:" + "1" * 64,
    "byoc/predictor:latest": "sha256:" + "2" * 64,
    "byoc/broken-port:latest": "sha256:" + "3" * 64,
}


def run(local, spec, name="abalone", docker=None, lines=None):
    target = Target(name, ROLE, "models", region="us-east-1")
    options = Options(registry="127.0.0.1:5000", endpoint_url=local, skip_contract=True, parity=False, poll_s=0.05)
    say = lines.append if lines is not None else lambda _: None
    return deploy(spec, target, options, say=say, docker_client=docker or FakeDocker(IDS))


def test_deploy_redeploy_update_teardown(local):
    sm, docker, lines = local_client("sagemaker", local), FakeDocker(IDS), []
    spec = load_pipeline(ABALONE)
    first = run(local, spec, docker=docker, lines=lines)
    assert first["EndpointStatus"] == "InService"
    assert len(docker.pushes) == 2 and any(line.startswith("smoke test:") for line in lines)
    keys = [o["Key"] for o in local_client("s3", local).list_objects_v2(Bucket="models")["Contents"]]
    assert len(keys) == 2 and all(k.startswith("byoc/") and k.endswith("/model.tar.gz") for k in keys)
    model = sm.describe_model(
        ModelName=sm.describe_endpoint_config(EndpointConfigName=first["EndpointConfigName"])["ProductionVariants"][0][
            "ModelName"
        ]
    )
    assert all(c["Image"].startswith("127.0.0.1:5000/byoc/") and ":sha256-" in c["Image"] for c in model["Containers"])
    assert all(c["ModelDataUrl"].startswith("s3://models/byoc/") for c in model["Containers"])

    lines.clear()
    again = run(local, spec, docker=docker, lines=lines)
    assert again["EndpointConfigName"] == first["EndpointConfigName"] and len(docker.pushes) == 2
    assert any("nothing to change" in line for line in lines)

    changed = replace(
        spec,
        containers=(
            replace(spec.containers[0], environment={"FEATURIZER_INPUT": "tabular", "X": "1"}),
            spec.containers[1],
        ),
    )
    updated = run(local, changed, docker=docker)
    assert updated["EndpointStatus"] == "InService"
    assert updated["EndpointConfigName"] != first["EndpointConfigName"]

    broken = replace(
        spec, containers=(replace(spec.containers[0], image="byoc/broken-port:latest"), spec.containers[1])
    )
    with pytest.raises(DeployError, match="rolled back to .*did not pass the ping health check"):
        run(local, broken, docker=docker)
    assert sm.describe_endpoint(EndpointName="abalone")["EndpointConfigName"] == updated["EndpointConfigName"]

    said = []
    deleted = teardown(sm, "abalone", said.append, poll_s=0.05)
    assert [kind for kind, _ in deleted].count("endpoint-config") == 3
    assert sm.list_endpoints()["Endpoints"] == [] and sm.list_endpoint_configs()["EndpointConfigs"] == []
    assert sm.list_models()["Models"] == []
    assert said[0] == "teardown: deleting endpoint abalone"
    with pytest.raises(DeployError, match="no endpoint abalone"):
        teardown(sm, "abalone", said.append, poll_s=0.05)


def test_a_failed_create_says_the_failure_reason(local):
    spec = load_pipeline(ABALONE)
    broken = replace(
        spec, containers=(replace(spec.containers[0], image="byoc/broken-port:latest"), spec.containers[1])
    )
    with pytest.raises(DeployError, match="endpoint failing failed: The predictor for production variant AllTraffic"):
        run(local, broken, name="failing")
    teardown(local_client("sagemaker", local), "failing", lambda _: None, poll_s=0.05)


def test_dry_run_sends_nothing(local, capsys):
    sm = local_client("sagemaker", local)
    target = Target("dry", ROLE, "models", region="us-east-1")
    options = Options(registry="127.0.0.1:5000", endpoint_url=local, dry_run=True)
    docker = FakeDocker(IDS)
    answer = deploy(ABALONE, target, options, say=print, docker_client=docker)
    assert [r["operation"] for r in answer["DryRun"]][-3:] == [
        "CreateEndpointConfig",
        "CreateEndpoint",
        "UpdateEndpoint",
    ]
    assert '"operation": "CreateModel"' in capsys.readouterr().out
    assert docker.pushes == [] and sm.list_models()["Models"] == []


def test_a_missing_region_is_a_clear_error(local):
    with pytest.raises(DeployError, match="no AWS region"):
        deploy(
            ABALONE,
            Target("x", ROLE, "models"),
            Options(endpoint_url=local, dry_run=True),
            docker_client=FakeDocker(IDS),
        )


def test_no_credentials_is_a_clear_error(local, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    with pytest.raises(DeployError, match="no AWS credentials"):
        deploy(
            ABALONE,
            Target("x", ROLE, "models", region="us-east-1"),
            Options(endpoint_url=local, dry_run=True),
            docker_client=FakeDocker(IDS),
        )


def test_bad_names_and_requests_are_refused_before_anything_is_sent(local):
    docker = FakeDocker(IDS)
    options = Options(registry="127.0.0.1:5000", endpoint_url=local, skip_contract=True, parity=False)
    with pytest.raises(DeployError, match="endpoint name 'no_underscores' breaks SageMaker's rule"):
        deploy(ABALONE, Target("no_underscores", ROLE, "models", region="us-east-1"), options, docker_client=docker)
    with pytest.raises(DeployError, match="--role 'short' is not an IAM role ARN"):
        deploy(ABALONE, Target("fine", "short", "models", "fresh", region="us-east-1"), options, docker_client=docker)
    assert docker.pushes == []
    assert "Contents" not in local_client("s3", local).list_objects_v2(Bucket="models", Prefix="fresh/")
