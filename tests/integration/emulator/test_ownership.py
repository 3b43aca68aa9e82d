"""`byoc down` removes only what byoc itself created: bystanders of every kind survive it."""

import io
import uuid

import docker
import pytest

from emulator.cli import main as byoc
from emulator.config import LABEL, OWN_BASE_IMAGE, image_tag

pytestmark = pytest.mark.integration


@pytest.fixture
def bystanders(docker_client):
    """Containers and a network byoc did not create, some from byoc's own images; removed afterwards."""
    tag = f"byoc-test-bystander:{uuid.uuid4().hex[:8]}"
    base = OWN_BASE_IMAGE if _has(docker_client, OWN_BASE_IMAGE) else image_tag("predictor")
    dockerfile = f"FROM {base}\nCMD [\"sleep\", \"600\"]\n".encode()
    docker_client.images.build(fileobj=io.BytesIO(dockerfile), tag=tag, rm=True)
    made = [
        docker_client.containers.run(image_tag("predictor"), ["serve"], detach=True),       # hand-run, our image
        docker_client.containers.run(tag, detach=True),                                     # a user's image FROM our base
        docker_client.containers.run(image_tag("moto"), detach=True),                       # hand-run side service
        docker_client.containers.create(image_tag("predictor"), ["serve"]),                 # created, never started
    ]
    network = docker_client.networks.create(f"byoc-test-bystander-{uuid.uuid4().hex[:6]}")
    yield made, network
    for container in made:
        container.remove(force=True)
    network.remove()
    docker_client.images.remove(tag, force=True)


def _has(client, ref: str) -> bool:
    try:
        client.images.get(ref)
        return True
    except docker.errors.ImageNotFound:
        return False


def test_byoc_down_leaves_every_bystander_alone(docker_client, bystanders, capsys):
    made, network = bystanders
    assert byoc(["down"]) == 0
    for container in made:
        container.reload()                       # raises NotFound if byoc down removed it
        assert LABEL not in (container.labels or {})
    network.reload()
    assert not any(c.name in capsys.readouterr().out for c in made)


def test_our_images_do_not_carry_the_ownership_label(docker_client):
    for name in ("featurizer", "predictor", "postprocessor", "moto"):
        assert LABEL not in (docker_client.images.get(image_tag(name)).labels or {})
