"""The requests a deploy sends: CreateModel, CreateEndpointConfig, CreateEndpoint / UpdateEndpoint, named by content.

    plan = build_plan(spec, target, images={"byoc/featurizer:latest": "REG/byoc/featurizer:sha256-..."},
                      model_urls={"featurizer": "s3://bucket/prefix/<sha256>/model.tar.gz"})
    validate("sagemaker", "CreateModel", plan.create_model)      # botocore's own parameter validation

Names carry a hash of what they describe, so deploying unchanged content twice asks for nothing new.
"""

import hashlib
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.validate import ParamValidator

from emulator.config import DEPLOY_INSTANCE_TYPE
from emulator.definitions.pipeline import PipelineSpec
from emulator.errors import ByocError
from emulator.sagemaker import DEFAULT_VARIANT

NAME_MAX = 63  # ModelName, EndpointConfigName, EndpointName: max 63 (botocore sagemaker 2017-07-24 model)
HASH_CHARS = 12
# S3 user guide, "General purpose bucket naming rules": 3 to 63 characters; lowercase letters, numbers,
# dots and hyphens; begin and end with a letter or number; no two adjacent periods; not an IP address
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# An instance type's form, not botocore's list of them: AWS adds types faster than a pinned botocore
# learns them, and SageMaker itself refuses one it does not have
INSTANCE_TYPE = re.compile(r"ml\.[a-z0-9-]+\.[a-z0-9-]+")


class DeployError(ByocError):
    """A deploy could not be planned, was refused, or failed on the way."""


@dataclass(frozen=True)
class Target:
    """Where the definition goes: endpoint, role, bucket, instances."""

    endpoint_name: str
    role_arn: str
    bucket: str
    prefix: str = "byoc"
    instance_type: str = DEPLOY_INSTANCE_TYPE
    instance_count: int = 1
    region: str | None = None  # None: from boto3's chain


@dataclass(frozen=True)
class Plan:
    """The SageMaker requests of one deploy, AWS field names at this edge only."""

    model_name: str
    config_name: str
    create_model: dict
    create_endpoint_config: dict
    create_endpoint: dict
    update_endpoint: dict


def check_target(target: Target) -> None:
    """Raise DeployError when the role, bucket or instance type is one SageMaker or S3 would refuse."""
    role = operation_model("sagemaker", "CreateModel").input_shape.members["ExecutionRoleArn"]
    if not re.fullmatch(role.metadata["pattern"], target.role_arn):  # RoleArn's pattern in botocore's model
        raise DeployError(
            f"--role {target.role_arn!r} is not an IAM role ARN",
            "pass the execution role's ARN, e.g. arn:aws:iam::123456789012:role/SageMakerExecution",
        )
    bucket = target.bucket
    if not BUCKET.fullmatch(bucket) or ".." in bucket or _is_ip_address(bucket):
        raise DeployError(
            f"--bucket {bucket!r} is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens, "
            "beginning and ending with a letter or digit)",
            "pass the bucket's name alone, e.g. --bucket my-models (the key prefix goes in --prefix)",
        )
    if not INSTANCE_TYPE.fullmatch(target.instance_type):
        types = operation_model("sagemaker", "CreateEndpointConfig").input_shape.members["ProductionVariants"]
        allowed = types.member.members["InstanceType"].enum
        close = [t for t in allowed if t.endswith(target.instance_type) or target.instance_type in t][:3]
        raise DeployError(
            f"--instance-type {target.instance_type!r} is not a SageMaker instance type (ml.FAMILY.SIZE)",
            f"pass one such as {', '.join(close or ['ml.m5.large'])} (botocore lists {len(allowed)})",
        )


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def content_name(base: str, content: object) -> str:
    """Return `base-<hash of content>`, cut to SageMaker's 63 characters and its name pattern."""
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:HASH_CHARS]
    head = base[: NAME_MAX - HASH_CHARS - 1].rstrip("-")
    return f"{head}-{digest}"


def build_plan(spec: PipelineSpec, target: Target, images: Mapping[str, str], model_urls: Mapping[str, str]) -> Plan:
    """Return the requests for `spec` with images and model data rewritten to what was pushed and uploaded.

    `images` maps each local image to its pushed reference; `model_urls` each container hostname with
    model data to its s3:// URL.
    """
    containers = []
    for c in spec.containers:
        entry: dict = {"Image": images[c.image]}
        if c.hostname_given:
            entry["ContainerHostname"] = c.hostname
        if c.model_data is not None:
            entry["ModelDataUrl"] = model_urls[c.hostname]
        if c.environment:
            entry["Environment"] = dict(c.environment)
        containers.append(entry)
    body: dict = {"Containers": containers, "ExecutionRoleArn": target.role_arn}
    if len(containers) > 1:
        body["InferenceExecutionConfig"] = {"Mode": spec.mode}
    model_name = content_name(spec.name, body)
    variants = [
        {
            "VariantName": DEFAULT_VARIANT,
            "ModelName": model_name,
            "InitialInstanceCount": target.instance_count,
            "InstanceType": target.instance_type,
            "InitialVariantWeight": 1.0,
        }
    ]
    config_name = content_name(target.endpoint_name, variants)
    return Plan(
        model_name,
        config_name,
        {"ModelName": model_name, **body},
        {"EndpointConfigName": config_name, "ProductionVariants": variants},
        {"EndpointName": target.endpoint_name, "EndpointConfigName": config_name},
        {"EndpointName": target.endpoint_name, "EndpointConfigName": config_name},
    )


_MODELS: dict[str, object] = {}


def operation_model(service: str, operation: str):
    """Return botocore's model of `service`'s `operation` (loaded once per service)."""
    if service not in _MODELS:
        _MODELS[service] = botocore.session.Session().get_service_model(service)
    return _MODELS[service].operation_model(operation)  # type: ignore[attr-defined]


def validate(service: str, operation: str, params: dict) -> None:
    """Raise DeployError when `params` break botocore's model of the operation (what boto3 checks before sending)."""
    try:
        report = ParamValidator().validate(params, operation_model(service, operation).input_shape)
    except ParamValidationError as err:  # pragma: no cover - validate() reports, it does not raise
        raise DeployError(f"{operation}: {err}") from None
    if report.has_errors():
        raise DeployError(
            f"{operation} would be refused by botocore: {report.generate_report()}", "fix the option or field named"
        )
    broken = constraint_errors(params, operation_model(service, operation).input_shape, operation)
    if broken:
        raise DeployError(f"{operation} would be refused by SageMaker: {'; '.join(broken)}", "fix the values named")


def constraint_errors(value, shape, where: str) -> list[str]:
    """Return what breaks the model's patterns (checked by AWS, not by botocore's validator)."""
    if shape.type_name == "structure" and isinstance(value, dict):
        return [
            e
            for k, v in value.items()
            if k in shape.members
            for e in constraint_errors(v, shape.members[k], f"{where}.{k}")
        ]
    if shape.type_name == "list" and isinstance(value, list):
        return [e for i, v in enumerate(value) for e in constraint_errors(v, shape.member, f"{where}[{i}]")]
    if shape.type_name == "map" and isinstance(value, dict):
        return [e for k, v in value.items() for e in constraint_errors(v, shape.value, f"{where}.{k}")]
    if shape.type_name != "string" or not isinstance(value, str):
        return []
    # enums are left to AWS: it adds values (instance types above all) that a pinned botocore does not list
    pattern = shape.metadata.get("pattern")
    try:
        matches = pattern is None or re.fullmatch(pattern, value) is not None
    except re.error:  # a Java-only construct such as \p{L}: left to AWS
        return []
    return [] if matches else [f"{where} {value!r} does not match the pattern {pattern}"]
