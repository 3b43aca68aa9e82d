"""The deploy's requests: named by content, and accepted by botocore's own model of SageMaker and S3."""

from dataclasses import replace
from pathlib import Path

import pytest

from emulator.definitions.pipeline import load_pipeline
from emulator.live import DeployError, Target, build_plan, dry_run_requests, validate
from emulator.live.plan import check_target, content_name

ROOT = Path(__file__).resolve().parents[4]
ABALONE = ROOT / "fixtures" / "pipelines" / "abalone.toml"
SUPPORT = ROOT / "fixtures" / "pipelines" / "support.toml"
TARGET = Target("abalone", "arn:aws:iam::123456789012:role/byoc", "bucket", region="us-east-1")


def plan_of(path=ABALONE, target=TARGET, spec=None):
    spec = spec or load_pipeline(path)
    images = {c.image: f"reg.example:5000/{c.image.split(':')[0]}:sha256-{'a' * 64}" for c in spec.containers}
    urls = {c.hostname: f"s3://bucket/byoc/{c.hostname}/model.tar.gz" for c in spec.containers}
    return spec, build_plan(spec, target, images, urls)


@pytest.mark.parametrize("path", [ABALONE, SUPPORT], ids=["abalone", "support"])
def test_dry_run_requests_pass_botocores_validation(path):
    spec, plan = plan_of(path)
    uploads = [{"Bucket": "bucket", "Key": "byoc/x/model.tar.gz", "Body": "<10 bytes>"}]
    requests = dry_run_requests(plan, uploads)
    assert [r["operation"] for r in requests] == [
        "PutObject",
        "CreateModel",
        "CreateEndpointConfig",
        "CreateEndpoint",
        "UpdateEndpoint",
    ]
    model = plan.create_model
    assert [c["ContainerHostname"] for c in model["Containers"]] == [c.hostname for c in spec.containers]
    assert all(c["Image"].startswith("reg.example:5000/byoc/") for c in model["Containers"])
    assert all(c["ModelDataUrl"].startswith("s3://bucket/") for c in model["Containers"])
    assert model["InferenceExecutionConfig"] == {"Mode": "Serial"}
    assert model["ExecutionRoleArn"] == TARGET.role_arn
    assert plan.create_endpoint_config["ProductionVariants"][0]["ModelName"] == plan.model_name
    assert plan.create_endpoint == {"EndpointName": "abalone", "EndpointConfigName": plan.config_name}


def test_botocore_refuses_what_sagemaker_would():
    with pytest.raises(DeployError, match="Missing required parameter.*ModelName"):
        validate("sagemaker", "CreateModel", {"Containers": []})
    with pytest.raises(DeployError, match="InitialInstanceCount"):
        validate(
            "sagemaker",
            "CreateEndpointConfig",
            {
                "EndpointConfigName": "x",
                "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": "m", "InitialInstanceCount": "one"}],
            },
        )


def test_names_follow_content_only():
    spec, first = plan_of()
    _, again = plan_of()
    assert (first.model_name, first.config_name) == (again.model_name, again.config_name)
    changed = replace(spec, containers=(replace(spec.containers[0], environment={"X": "1"}), spec.containers[1]))
    _, other = plan_of(spec=changed)
    assert other.model_name != first.model_name and other.config_name != first.config_name
    _, bigger = plan_of(target=replace(TARGET, instance_type="ml.c5.large"))
    assert bigger.model_name == first.model_name and bigger.config_name != first.config_name


def test_long_names_stay_within_sagemakers_63_characters():
    name = content_name("a" * 80, {"x": 1})
    assert len(name) == 63 and name.startswith("a" * 50 + "-")
    assert content_name("abc-", {}).startswith("abc-") and "--" not in content_name("abc-", {})


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"role_arn": "this-is-not-an-arn-at-all"}, "--role 'this-is-not-an-arn-at-all' is not an IAM role ARN"),
        ({"role_arn": "arn:aws:iam::123456789012:user/bob"}, "is not an IAM role ARN"),
        ({"bucket": "My_Bucket"}, "--bucket 'My_Bucket' is not an S3 bucket name"),
        ({"bucket": "s3://my-models/x"}, "is not an S3 bucket name"),
        ({"bucket": "a..b"}, "is not an S3 bucket name"),
        ({"bucket": "192.168.1.1"}, "is not an S3 bucket name"),
        ({"instance_type": "m5.large"}, "--instance-type 'm5.large' is not a SageMaker instance type"),
    ],
)
def test_a_target_sagemaker_or_s3_would_refuse_is_refused_first(change, said):
    with pytest.raises(DeployError, match=said) as err:
        check_target(replace(TARGET, **change))
    assert err.value.hint


def test_a_good_target_passes_an_instance_type_newer_than_botocore_too():
    check_target(replace(TARGET, bucket="my.models-2", instance_type="ml.c5.xlarge"))
    check_target(replace(TARGET, instance_type="ml.z99.large"))  # not in botocore's list: SageMaker decides


def test_patterns_of_the_model_are_checked_too():
    _, plan = plan_of()
    broken = {**plan.create_model, "Containers": [{**plan.create_model["Containers"][0], "ContainerHostname": "a_b"}]}
    with pytest.raises(DeployError, match=r"CreateModel.Containers\[0\].ContainerHostname 'a_b' does not match"):
        validate("sagemaker", "CreateModel", broken)
    config = plan.create_endpoint_config
    variants = [{**config["ProductionVariants"][0], "InstanceType": "ml.z99.large"}]
    validate("sagemaker", "CreateEndpointConfig", {**config, "ProductionVariants": variants})  # enums: AWS's call
