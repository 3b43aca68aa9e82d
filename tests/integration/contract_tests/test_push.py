"""`byoc push` against a real registry: refused for an image that breaks a rule, pushed for one that passes."""

import json

import pytest

from contract_tests.probe import call

from .conftest import BROKEN_DIR, run_byoc

pytestmark = pytest.mark.integration


def catalog(registry: str) -> list[str]:
    return json.loads(call(f"http://{registry}", "GET", "/v2/_catalog", timeout=5).body).get("repositories") or []


def test_push_refuses_an_image_that_breaks_a_rule(broken_images, registry):
    done = run_byoc("push", broken_images["port"], "--to", registry, "--sample", BROKEN_DIR / "sample.csv", "-q")
    assert done.returncode == 1
    assert f"refusing to push {broken_images['port']}: it breaks 1 contract rule(s): bind-to-port" in done.stderr
    assert "byoc/broken-port" not in catalog(registry)


def test_push_pushes_an_image_that_passes(broken_images, registry, docker_client):
    good = broken_images[""]
    done = run_byoc("push", good, "--to", registry, "--sample", BROKEN_DIR / "sample.csv", "-q")
    try:
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
        assert f"pushed as {registry}/byoc/contract-good:latest@sha256:" in done.stdout
        assert "byoc/contract-good" in catalog(registry)
        tags = json.loads(call(f"http://{registry}", "GET", "/v2/byoc/contract-good/tags/list", timeout=5).body)["tags"]
        assert tags == ["latest"]
    finally:
        docker_client.images.remove(f"{registry}/byoc/contract-good:latest")  # our tag only; the image stays
