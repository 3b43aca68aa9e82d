"""`deploy`: one definition to a SageMaker endpoint, step by step; returns the endpoint's description.

    target = Target("abalone", ROLE_ARN, "my-bucket")
    description = deploy("fixtures/pipelines/abalone.toml", target, Options(registry="127.0.0.1:5000"))

Steps: contract gate, images pushed by content tag, model data uploaded by sha256, CreateModel and
CreateEndpointConfig (named by content: skipped when they exist), CreateEndpoint or UpdateEndpoint,
wait for InService, smoke test and parity with the local emulator. `dry_run` prints the requests.
"""

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from emulator.config import PARITY_TOLERANCE
from emulator.definitions.pipeline import PipelineSpec, load_pipeline
from emulator.errors import EndpointError
from emulator.live import images as img
from emulator.live import modeldata
from emulator.live import smoke as smoke_test
from emulator.live.aws import LiveClients, live_clients
from emulator.live.plan import DeployError, Plan, Target, build_plan, check_target, validate
from emulator.live.waiting import describe, wait_in_service

# EndpointStatus values during which UpdateEndpoint is refused (botocore sagemaker model, EndpointStatus)
BUSY = ("Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting", "UpdateRollbackFailed")


@dataclass(frozen=True)
class Options:
    """How to deploy: what to check, where images go, how long to wait."""

    registry: str | None = None  # host[:port]; None: this account's ECR
    endpoint_url: str | None = None  # every AWS service at one URL (a local SageMaker)
    dry_run: bool = False
    skip_contract: bool = False
    wait: bool = True
    smoke: bool = True
    parity: bool = True
    tolerance: float = PARITY_TOLERANCE
    sample: Path | None = None
    poll_s: float = 15.0
    timeout_s: float = 3600.0


def deploy(
    definition: str | Path | PipelineSpec,
    target: Target,
    options: Options | None = None,
    say: Callable[[str], None] = print,
    docker_client=None,
) -> dict:
    """Deploy `definition` to `target`; return DescribeEndpoint's answer ({"DryRun": requests} with dry_run)."""
    options = options or Options()
    spec = definition if isinstance(definition, PipelineSpec) else load_pipeline(Path(definition))
    clients = live_clients(target.region, options.endpoint_url)
    target = Target(**{**target.__dict__, "region": clients.region})
    try:
        return _deploy(spec, target, options, clients, say, docker_client)
    except NoCredentialsError:
        raise DeployError(
            "no AWS credentials: boto3's chain (environment, profile, role) gave none",
            "set AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role applies",
        ) from None
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        hint = "docs/deploy.md lists the IAM permissions" if "Denied" in code else "read the message above"
        raise DeployError(f"AWS refused a request: {err}", hint) from None
    except BotoCoreError as err:
        raise DeployError(f"AWS did not answer: {err}", "check --endpoint-url, --region and the network") from None


def _deploy(spec: PipelineSpec, target: Target, options: Options, clients: LiveClients, say, docker_client) -> dict:
    from emulator.hosting.endpoint import check_endpoint_name  # hosting only when a deploy runs

    try:
        check_endpoint_name(target.endpoint_name)
    except EndpointError as err:
        raise DeployError(err.message, "pass another --endpoint-name") from None
    check_target(target)
    sample = smoke_test.sample_of(spec, options.sample) if options.smoke else None
    if not options.skip_contract and not options.dry_run:
        from emulator.live.gate import check_contract

        if spec.source is None:
            raise DeployError("the contract gate needs the definition's file", "pass a path, or skip_contract")
        say(f"contract: {check_contract(spec.source, options.sample)} checks passed")
    for table in spec.tables:  # [Local] side services are this machine's stand-ins: in AWS they must exist
        say(f"note: DynamoDB table {table.name} ([Local]) is not created by deploy; it must exist in the account")
    docker_client = docker_client or _docker()
    with tempfile.TemporaryDirectory(prefix="byoc-deploy-") as work:
        registry = _registry(options, clients)
        images = {i: img.remote_ref(i, img.image_id(docker_client, i), registry.host) for i in _images_of(spec)}
        archives = _archives(spec, target, Path(work))
        urls = {**_given_urls(spec), **{hostname: url for hostname, (_, url) in archives.items()}}
        plan = build_plan(spec, target, images, urls)
        requests = dry_run_requests(plan, [_upload_request(archive, url) for archive, url in archives.values()])
        if options.dry_run:  # every request built and validated; nothing sent
            say(json.dumps(requests, indent=2))
            return {"DryRun": requests}
        for image, ref in images.items():
            pushed = img.push(docker_client, image, ref, registry)
            say(f"image: {image} -> {ref} ({'pushed' if pushed else 'already there'})")
        for hostname, (archive, url) in archives.items():
            bucket, _, key = url.removeprefix("s3://").partition("/")
            sent = modeldata.upload(clients.s3, archive, bucket, key)
            say(f"model data: {hostname} -> {url} ({'uploaded' if sent else 'already there'})")
        description = _apply(plan, target, options, clients, say)
    if sample is not None and options.wait:
        _smoke(spec, target.endpoint_name, sample, options, clients, say)
    return description


def _docker():
    import docker

    try:
        return docker.from_env(timeout=600)
    except docker.errors.DockerException as err:
        raise DeployError(f"no Docker engine answers: {err}", "run `byoc doctor --fix`") from None


def _registry(options: Options, clients: LiveClients) -> img.Registry:
    if options.registry:
        return img.Registry.given(options.registry)
    if options.dry_run:  # no login: the account alone names the registry
        account = clients.sts.get_caller_identity()["Account"]  # type: ignore[attr-defined]
        return img.Registry(f"{account}.dkr.ecr.{clients.region}.amazonaws.com")
    return img.Registry.for_ecr(clients.ecr)


def _images_of(spec: PipelineSpec) -> list[str]:
    return list(dict.fromkeys(c.image for c in spec.containers))


def _given_urls(spec: PipelineSpec) -> dict[str, str]:
    """Return hostname -> ModelDataUrl for models the definition already gives as s3:// (used as they are)."""
    return {c.hostname: c.model_data for c in spec.containers if isinstance(c.model_data, str)}


def _archives(spec: PipelineSpec, target: Target, work: Path) -> dict[str, tuple[Path, str]]:
    """Return hostname -> (archive, its s3:// URL) for every local model, folders packed into `work`."""
    found = {}
    for c in spec.containers:
        if isinstance(c.model_data, Path):
            archive = modeldata.archive_of(c.model_data, work)
            found[c.hostname] = (archive, f"s3://{target.bucket}/{modeldata.key_of(archive, target.prefix)}")
    return found


def _upload_request(archive: Path, url: str) -> dict:
    bucket, _, key = url.removeprefix("s3://").partition("/")
    return {"Bucket": bucket, "Key": key, "Body": f"<{archive.stat().st_size} bytes>"}


def dry_run_requests(plan: Plan, uploads: list[dict]) -> list[dict]:
    """Return every request a deploy would send, each checked against botocore's model of its operation."""
    requests: list[dict[str, Any]] = [{"service": "s3", "operation": "PutObject", "params": u} for u in uploads]
    requests += [
        {"service": "sagemaker", "operation": "CreateModel", "params": plan.create_model},
        {"service": "sagemaker", "operation": "CreateEndpointConfig", "params": plan.create_endpoint_config},
        {"service": "sagemaker", "operation": "CreateEndpoint", "params": plan.create_endpoint},
        {"service": "sagemaker", "operation": "UpdateEndpoint", "params": plan.update_endpoint},
    ]
    for request in requests:
        params = request["params"]
        validate(request["service"], request["operation"], {**params, "Body": b""} if "Body" in params else params)
    return requests


def _apply(plan: Plan, target: Target, options: Options, clients: LiveClients, say) -> dict:
    sm = clients.sagemaker
    if _exists(lambda: sm.describe_model(ModelName=plan.model_name)):  # type: ignore[attr-defined]
        say(f"model: {plan.model_name} (unchanged, already there)")
    else:
        sm.create_model(**plan.create_model)  # type: ignore[attr-defined]
        say(f"model: created {plan.model_name}")
    if _exists(lambda: sm.describe_endpoint_config(EndpointConfigName=plan.config_name)):  # type: ignore[attr-defined]
        say(f"endpoint config: {plan.config_name} (unchanged, already there)")
    else:
        sm.create_endpoint_config(**plan.create_endpoint_config)  # type: ignore[attr-defined]
        say(f"endpoint config: created {plan.config_name}")
    current = describe(sm, target.endpoint_name)
    if current is None:
        sm.create_endpoint(**plan.create_endpoint)  # type: ignore[attr-defined]
        say(f"endpoint: creating {target.endpoint_name}")
    elif current.get("EndpointConfigName") == plan.config_name and current["EndpointStatus"] == "InService":
        say(f"endpoint: {target.endpoint_name} already serves {plan.config_name}; nothing to change")
        return current
    elif current["EndpointStatus"] in BUSY:
        raise DeployError(
            f"endpoint {target.endpoint_name} is {current['EndpointStatus']}; SageMaker refuses an update meanwhile",
            "wait until it is InService (or gone), then deploy again",
        )
    elif current["EndpointStatus"] == "Failed":
        raise DeployError(
            f"endpoint {target.endpoint_name} is Failed ({current.get('FailureReason', '')}); it cannot be updated",
            f"remove it with `byoc teardown {target.endpoint_name}`, then deploy again",
        )
    else:
        sm.update_endpoint(**plan.update_endpoint)  # type: ignore[attr-defined]
        say(f"endpoint: updating {target.endpoint_name} to {plan.config_name} (blue/green)")
    if not options.wait:
        return describe(sm, target.endpoint_name) or {}
    return wait_in_service(
        sm, clients.logs, target.endpoint_name, plan.config_name, say, options.poll_s, options.timeout_s
    )


def _exists(call) -> bool:
    try:
        call()
        return True
    except ClientError as err:
        if "Could not find" in str(err):
            return False
        raise


def _smoke(
    spec: PipelineSpec, name: str, sample: smoke_test.Sample, options: Options, clients: LiveClients, say
) -> None:
    live = smoke_test.invoke(clients.runtime, name, sample)
    say(f"smoke test: {sample.source or 'sample'} -> {_one_line(live)}")
    if not options.parity:
        return
    local = smoke_test.local_answer(spec, sample)
    say(f"parity: the local emulator answers {_one_line(local)}")
    found = smoke_test.differences(live, local, options.tolerance)
    if found:
        raise DeployError(
            f"parity: the endpoint's answer differs from the local emulator's: {'; '.join(found[:5])}",
            "the same images and model data should answer alike; compare the images' digests and the model data",
        )
    say(f"parity: equal within {options.tolerance:g}")


def _one_line(answer: bytes, width: int = 200) -> str:
    """Return an answer on one line (records joined by ' | '), cut to `width` characters."""
    text = " | ".join(line.strip() for line in answer.decode(errors="replace").strip().splitlines())
    return text if len(text) <= width else text[: width - 3] + "..."
