"""`byoc down` removes only what byoc itself created: bystanders of every kind are outside its selection.

The test asks Docker for exactly what `byoc down` would remove (the same labels, the same filter)
instead of running it: a real `byoc down` here would also remove the endpoints other tests of this
session (and anyone else's `byoc up` on this engine) are using.
"""

import io
import uuid

import docker
import pytest

from emulator.cli.endpoints import down_labels
from emulator.config import LABEL, OWN_BASE_IMAGE, image_tag

pytestmark = pytest.mark.integration


@pytest.fixture
def bystanders(docker_client):
    """Containers and a network byoc did not create, some from byoc's own images; removed afterwards."""
    tag = f"byoc-test-bystander:{uuid.uuid4().hex[:8]}"
    base = OWN_BASE_IMAGE if _has(docker_client, OWN_BASE_IMAGE) else image_tag("predictor")
    dockerfile = f'FROM {base}\nCMD ["sleep", "600"]\n'.encode()
    docker_client.images.build(fileobj=io.BytesIO(dockerfile), tag=tag, rm=True)
    made = [
        docker_client.containers.run(image_tag("predictor"), ["serve"], detach=True),  # hand-run, our image
        docker_client.containers.run(tag, detach=True),  # a user's image FROM our base
        docker_client.containers.run(image_tag("moto"), detach=True),  # hand-run side service
        docker_client.containers.create(image_tag("predictor"), ["serve"]),  # created, never started
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


def selected(docker_client) -> tuple[set[str], set[str]]:
    """Return the ids of the containers and networks `byoc down` would remove."""
    filters = {"label": [f"{k}={v}" for k, v in down_labels().items()]}
    return (
        # sparse: no inspect per container, which raises NotFound for one another test removes meanwhile
        {c.id for c in docker_client.containers.list(all=True, filters=filters, sparse=True)},
        {n.id for n in docker_client.networks.list(filters=filters)},
    )


def test_byoc_down_selects_no_bystander(docker_client, bystanders):
    made, network = bystanders
    containers, networks = selected(docker_client)
    assert not containers & {c.id for c in made}
    assert network.id not in networks
    for container in made:
        assert LABEL not in (container.labels or {})


def test_byoc_down_selects_what_byoc_started(docker_client, abalone):
    containers, networks = selected(docker_client)
    assert {docker_client.containers.get(r.container_id).id for r in abalone.containers} <= containers


def test_our_images_do_not_carry_the_ownership_label(docker_client):
    for name in ("featurizer", "predictor", "postprocessor", "moto"):
        assert LABEL not in (docker_client.images.get(image_tag(name)).labels or {})
