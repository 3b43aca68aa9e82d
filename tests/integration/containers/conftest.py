"""Session fixtures that start the built images with testcontainers, the model mounted read-only.

The images must be built first (`byoc build`; tox does it). Every container and network carries
the project label and is removed at the end of the session. BYOC_IMAGE_PREFIX=byocdev runs the tests
against byocdev/<name>:latest instead of byoc/<name>:latest (a developer's own builds).
"""

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import docker
import pytest
import requests
from docker.errors import DockerException, ImageNotFound
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network
from testcontainers.core.wait_strategies import HttpWaitStrategy

from emulator.config import FIXTURES_DIR, LABEL, LABEL_VALUE, image_tag
from emulator.hosting.modeldata import unpack_model

START_TIMEOUT_S = 60
AWS_ENV = {"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
MOTO_ALIAS = "dynamodb"


class Served:
    """A started container and the URL of its HTTP port on the host."""

    def __init__(self, container: DockerContainer, port: int):
        self.container = container
        self.url = f"http://{container.get_container_host_ip()}:{container.get_exposed_port(port)}"

    def ping(self) -> requests.Response:
        return requests.get(f"{self.url}/ping", timeout=5)

    def invoke(
        self, body: bytes, content_type: str | None = "text/csv", accept: str | None = None, **headers
    ) -> requests.Response:
        headers = {k.replace("_", "-"): v for k, v in headers.items()}
        if content_type is not None:
            headers["Content-Type"] = content_type
        if accept is not None:
            headers["Accept"] = accept
        return requests.post(f"{self.url}/invocations", data=body, headers=headers, timeout=30)


@pytest.fixture(scope="session")
def docker_client() -> docker.DockerClient:
    """Return a client of the Docker engine, or fail saying how to get one."""
    try:
        client = docker.from_env()
        client.ping()
    except DockerException as err:
        pytest.fail(f"no Docker engine answers ({err}); run `byoc doctor --fix`")
    return client


@pytest.fixture(scope="session")
def require_image(docker_client) -> Callable[[str], str]:
    """Return a function giving an image's tag, failing the test when it is not built."""

    def tag(name: str) -> str:
        prefix = os.environ.get("BYOC_IMAGE_PREFIX", "").strip()
        ref = f"{prefix}/{name}:latest" if prefix else image_tag(name)
        try:
            docker_client.images.get(ref)
        except ImageNotFound:
            pytest.fail(f"image {ref} is not built; run `byoc build`")
        return ref

    return tag


def model(path: str) -> Path:
    """Return the unpacked folder of fixtures/<path>/model.tar.gz."""
    return unpack_model(FIXTURES_DIR / path / "model.tar.gz")


def start(image: str, port: int, wait_path: str, **options) -> DockerContainer:
    """Start a labelled container and wait until GET wait_path answers 200; fail with its logs if not."""
    container = DockerContainer(image, labels={LABEL: LABEL_VALUE}).with_exposed_ports(port)
    if options.get("model_dir"):
        container.with_command("serve").with_volume_mapping(str(options["model_dir"]), "/opt/ml/model", "ro")
    container.with_envs(**options.get("env", {}))
    if options.get("network"):
        container.with_network(options["network"]).with_network_aliases(*options.get("aliases", []))
    container.waiting_for(
        HttpWaitStrategy(port, wait_path).with_startup_timeout(START_TIMEOUT_S).with_poll_interval(0.2)
    )
    try:
        return container.start()
    except Exception as err:
        logs = (
            b"".join(container.get_logs()).decode(errors="replace")[-3000:] if container.get_wrapped_container() else ""
        )
        container.stop()
        pytest.fail(f"{image} did not become ready: {err}\n--- container log ---\n{logs}")


@pytest.fixture(scope="session")
def serve(require_image) -> Iterator[Callable[..., Served]]:
    """Return a factory starting an image with a model mounted; everything started is removed at the end."""
    started: list[DockerContainer] = []

    def factory(name: str, model_path: str, port: int = 8080, env: dict | None = None, **options) -> Served:
        if port != 8080:
            env = {**(env or {}), "SAGEMAKER_BIND_TO_PORT": str(port)}
        container = start(require_image(name), port, "/ping", model_dir=model(model_path), env=env or {}, **options)
        started.append(container)
        return Served(container, port)

    yield factory
    for container in started:
        container.stop()


@pytest.fixture(scope="session")
def abalone_featurizer(serve) -> Served:
    return serve("featurizer", "abalone/featurizer")


@pytest.fixture(scope="session")
def support_featurizer(serve) -> Served:
    return serve("featurizer", "support/preprocessor")


@pytest.fixture(scope="session")
def abalone_predictor(serve) -> Served:
    return serve("predictor", "abalone/predictor")


@pytest.fixture(scope="session")
def support_predictor(serve) -> Served:
    return serve("predictor", "support/predictor")


@pytest.fixture(scope="session")
def network(docker_client) -> Iterator[Network]:
    """Return a labelled Docker network, removed at the end of the session."""
    with Network(docker_network_kw={"labels": {LABEL: LABEL_VALUE}}) as net:
        yield net


@pytest.fixture(scope="session")
def moto(require_image, network) -> Iterator[Served]:
    """Return the byoc/moto server on the network (alias `dynamodb`), seeded with the agents table."""
    container = start(require_image("moto"), 5000, "/", network=network, aliases=[MOTO_ALIAS])
    served = Served(container, 5000)
    seed = json.loads((FIXTURES_DIR / "support/dynamodb/PipelineLookupTable.json").read_text())
    dynamodb = boto3.resource(
        "dynamodb",
        endpoint_url=served.url,
        region_name=AWS_ENV["AWS_REGION"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    table = dynamodb.create_table(**seed["table"])
    for item in seed["items"]:
        table.put_item(Item=item)
    yield served
    container.stop()


@pytest.fixture(scope="session")
def postprocessor(require_image, moto, network) -> Iterator[Served]:
    """Return the postprocessor on the network, looking agents up in the moto server (removed before it)."""
    env = {**AWS_ENV, "AWS_ENDPOINT_URL_DYNAMODB": f"http://{MOTO_ALIAS}:5000"}
    container = start(
        require_image("postprocessor"),
        8080,
        "/ping",
        model_dir=model("support/postprocessor"),
        env=env,
        network=network,
    )
    yield Served(container, 8080)
    container.stop()
