"""Decide how an endpoint's containers run: names, labels, ports, environment, and how the host reaches them."""

import os
import platform
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from emulator.aws import DUMMY_CREDENTIALS
from emulator.config import ENDPOINT_LABEL, LABEL, LABEL_VALUE, PUBLISH_PORTS_ENV, SESSION_LABEL, UNIT_LABEL, image_tag
from emulator.definitions.pipeline import ContainerSpec, PipelineSpec
from emulator.docker.launcher import ContainerPlan
from emulator.hosting.modeldata import unpack_model
from emulator.hosting.sources import model_dir
from emulator.sagemaker import DEFAULT_PORT

SESSION = uuid.uuid4().hex[:12]  # one per process: teardown removes only what this run made

FALLBACK_PORT = DEFAULT_PORT  # where a container that ignores SAGEMAKER_BIND_TO_PORT listens
PORT_BASE = 9000  # container i gets SAGEMAKER_SAFE_PORT_RANGE 9000+100i .. +99
PORT_SPAN = 100
MOTO_IMAGE = image_tag("moto")
MOTO_ALIAS = "dynamodb"
MOTO_PORT = 5000
PUBLISH_ENV = PUBLISH_PORTS_ENV
WORKERS_ENV = "MODEL_SERVER_WORKERS"  # our images' gunicorn workers (default: one per CPU), docs/serving.md


@dataclass(frozen=True)
class Access:
    """How the host reaches containers: by container IP, or through ports published on `host`."""

    publish: bool
    host: str
    reason: str


def choose_access(
    system: str, docker_host: str | None, engine_os: str, force_publish: bool, gateway_is_local: bool
) -> Access:
    """Return container IPs on a local Linux engine whose bridge is routable, else published ports."""
    remote = urlparse(docker_host).hostname if docker_host and not docker_host.startswith(("unix:", "npipe:")) else None
    host = remote or "127.0.0.1"
    if force_publish:
        return Access(True, host, f"{PUBLISH_ENV}=1")
    if remote:
        return Access(True, host, f"remote engine at DOCKER_HOST={docker_host}")
    if system != "Linux":
        return Access(True, host, f"{system}: container addresses are inside Docker's VM")
    if "docker desktop" in engine_os.lower():
        return Access(True, host, "Docker Desktop: container addresses are inside its VM")
    if not gateway_is_local:
        return Access(True, host, "the endpoint network's gateway is not on this host")
    return Access(False, host, "local Linux engine: container IPs are routable")


def access_from_env(engine_os: str, gateway_is_local: bool, environ=os.environ) -> Access:
    """Return `choose_access` fed from this host and its environment."""
    force = environ.get(PUBLISH_ENV, "").lower() in ("1", "true", "yes")
    return choose_access(platform.system(), environ.get("DOCKER_HOST") or None, engine_os, force, gateway_is_local)


def labels_for(endpoint: str, session: str = SESSION, unit: str | None = None) -> dict[str, str]:
    """Return the labels every container and network of an endpoint (and of one of its units) carries."""
    labels = {LABEL: LABEL_VALUE, ENDPOINT_LABEL: endpoint, SESSION_LABEL: session}
    return labels | {UNIT_LABEL: unit} if unit else labels


def port_range(index: int) -> tuple[int, int]:
    """Return the inclusive SAGEMAKER_SAFE_PORT_RANGE of the container at `index` (0-based)."""
    low = PORT_BASE + PORT_SPAN * index
    return low, low + PORT_SPAN - 1


def aws_env(region: str) -> dict[str, str]:
    """Return the environment pointing a container's AWS SDK at the local moto server, never AWS."""
    return {
        "AWS_ENDPOINT_URL_DYNAMODB": f"http://{MOTO_ALIAS}:{MOTO_PORT}",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        **DUMMY_CREDENTIALS,
    }


# Variables that would send an SDK past AWS_ENDPOINT_URL to AWS itself (per-service URLs win over it).
ESCAPE_ENV_PREFIXES = ("AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_PROFILE")


def shared_workers(cpus: int, containers: int) -> int | None:
    """Return the workers each of `containers` containers on `cpus` CPUs should run (None: the image's default).

    Every container of a pipeline defaults to a worker per CPU, so two or more on a small machine
    start (and load their models) several times over on the same CPUs: give each its share instead.
    """
    if containers < 2:
        return None
    share = max(1, cpus // containers)
    return share if share < cpus else None


def container_env(
    spec: PipelineSpec,
    container: ContainerSpec,
    index: int,
    local_aws: dict[str, str] | None = None,
    workers: int | None = None,
) -> dict[str, str]:
    """Return a container's environment: the definition's, then the port contract and local AWS.

    `local_aws` is the session's LocalAws.env() (AWS_ENDPOINT_URL, dummy credentials, region); with
    it, definition variables that would point an SDK elsewhere are dropped. Without it, a pipeline
    with tables gets the per-endpoint DynamoDB stand-in. `workers` sets MODEL_SERVER_WORKERS unless
    the definition sets it.
    """
    low, high = port_range(index)
    env = dict(container.environment)
    if workers is not None:
        env.setdefault(WORKERS_ENV, str(workers))
    if local_aws is not None:
        env = {k: v for k, v in env.items() if not k.startswith(ESCAPE_ENV_PREFIXES)}
    env.update(SAGEMAKER_BIND_TO_PORT=str(low), SAGEMAKER_SAFE_PORT_RANGE=f"{low}-{high}")
    if local_aws is not None:
        env.update(local_aws)
    elif spec.needs_dynamodb:
        env.update(aws_env(spec.region))
    return env


def docker_name(endpoint: str, alias: str, session: str = SESSION, unit: str | None = None) -> str:
    """Return a container name unique to this run (and unit), readable in `docker ps`."""
    return f"byoc-{endpoint}-{unit}-{alias}-{session[:6]}" if unit else f"byoc-{endpoint}-{alias}-{session[:6]}"


def container_plans(
    spec: PipelineSpec,
    endpoint: str,
    access: Access,
    session: str = SESSION,
    *,
    local_aws: dict[str, str] | None = None,
    unit: str | None = None,
    workers: int | None = None,
    s3=None,
) -> list[ContainerPlan]:
    """Return one plan per pipeline container, models unpacked once (s3:// ones read through `s3`).

    `workers`: MODEL_SERVER_WORKERS for each container, see container_env.
    """
    plans = []
    for index, container in enumerate(spec.containers):
        bind = port_range(index)[0]
        plans.append(
            ContainerPlan(
                name=docker_name(endpoint, container.hostname, session, unit),
                image=container.image,
                alias=container.hostname,
                env=container_env(spec, container, index, local_aws, workers),
                labels=labels_for(endpoint, session, unit),
                ports=(bind, FALLBACK_PORT) if access.publish else (),
                publish_ip=_publish_ip(access),
                model_dir=_model_dir(container.model_data, s3),
            )
        )
    return plans


def _model_dir(model_data: Path | str | None, s3) -> Path | None:
    if model_data is None:
        return None
    if isinstance(model_data, str):  # s3://: from the session's local S3, downloaded once per ETag
        return model_dir(model_data, s3)
    return unpack_model(model_data)


def moto_plan(
    spec: PipelineSpec, endpoint: str, access: Access, session: str = SESSION, *, unit: str | None = None
) -> ContainerPlan:
    """Return the plan of the moto server standing in for DynamoDB on the endpoint's network."""
    return ContainerPlan(
        name=docker_name(endpoint, MOTO_ALIAS, session, unit),
        image=MOTO_IMAGE,
        alias=MOTO_ALIAS,
        env={"AWS_REGION": spec.region, "AWS_DEFAULT_REGION": spec.region, **DUMMY_CREDENTIALS},
        labels=labels_for(endpoint, session, unit),
        ports=(MOTO_PORT,) if access.publish else (),
        publish_ip=_publish_ip(access),
        command=None,
    )


def _publish_ip(access: Access) -> str:
    return "127.0.0.1" if access.host == "127.0.0.1" else "0.0.0.0"
