"""Base-image choice and image builds, with the Docker layer faked."""

import pytest
from docker.errors import APIError, BuildError, ImageNotFound

from emulator.docker import images
from emulator.config import DEFAULT_BASE_IMAGE, OWN_BASE_IMAGE, Settings
from emulator.errors import ImageError


class FakeImages:
    def __init__(self, present=(), pullable=()):
        self.present = set(present)
        self.pullable = set(pullable)
        self.built = []

    def get(self, ref):
        if ref not in self.present:
            raise ImageNotFound(ref)
        return type("Image", (), {"attrs": {"Size": 123_000_000}})()

    def pull(self, ref):
        if ref not in self.pullable:
            raise APIError("no such host")
        self.present.add(ref)

    def build(self, **kwargs):
        if "broken" in kwargs["dockerfile"]:
            raise BuildError("The command '/bin/sh -c false' returned a non-zero code: 1", [{"stream": "Step 3/9 : RUN false"}])
        self.built.append(kwargs)
        self.present.add(kwargs["tag"])


class FakeClient:
    def __init__(self, **kwargs):
        self.images = FakeImages(**kwargs)


def settings(override=None):
    return Settings(docker_host=None, base_image_override=override, ci=False)


def test_official_image_is_used_when_present():
    choice = images.choose_base(FakeClient(present=[DEFAULT_BASE_IMAGE, OWN_BASE_IMAGE]), settings(), fix=False)
    assert choice.image == DEFAULT_BASE_IMAGE


def test_own_base_is_reused_when_official_is_absent():
    choice = images.choose_base(FakeClient(present=[OWN_BASE_IMAGE]), settings(), fix=True)
    assert choice.image == OWN_BASE_IMAGE
    assert "cannot be had" in choice.reason


def test_official_image_is_pulled_when_reachable():
    client = FakeClient(pullable=[DEFAULT_BASE_IMAGE])
    assert images.choose_base(client, settings(), fix=True).image == DEFAULT_BASE_IMAGE


def test_own_base_is_built_when_nothing_can_be_had(monkeypatch):
    client = FakeClient()
    monkeypatch.setattr(images, "build_own_base", lambda c: c.images.present.add(OWN_BASE_IMAGE))
    said = []
    choice = images.choose_base(client, settings(), fix=True, say=said.append)
    assert choice.image == OWN_BASE_IMAGE
    assert any("debootstrap" in line for line in said)


def test_without_fix_a_missing_base_says_what_to_run():
    with pytest.raises(ImageError) as err:
        images.choose_base(FakeClient(), settings(), fix=False)
    assert "byoc doctor --fix" in err.value.hint


def test_override_must_exist():
    with pytest.raises(ImageError) as err:
        images.choose_base(FakeClient(present=[OWN_BASE_IMAGE]), settings("corp/python:3.11"), fix=True)
    assert "BYOC_BASE_IMAGE=corp/python:3.11" in err.value.message


def test_override_wins_over_defaults():
    client = FakeClient(present=[DEFAULT_BASE_IMAGE, "corp/python:3.11"])
    assert images.choose_base(client, settings("corp/python:3.11"), fix=False).image == "corp/python:3.11"


def test_an_inference_image_is_its_stage_of_the_shared_dockerfile():
    client = FakeClient()
    images.build_image(client, "predictor", "byoc/base:bookworm", say=lambda m: None)
    (call,) = client.images.built
    assert call["path"] == str(images.CONTAINERS_DIR)
    assert (call["dockerfile"], call["target"]) == ("Dockerfile", "predictor")
    assert call["tag"] == "byoc/predictor:latest"
    assert call["buildargs"] == {"BASE_IMAGE": "byoc/base:bookworm"}


def test_a_side_service_image_has_its_own_dockerfile():
    client = FakeClient()
    images.build_image(client, "moto", "byoc/base:bookworm", say=lambda m: None)
    (call,) = client.images.built
    assert (call["dockerfile"], call["target"], call["tag"]) == ("moto/Dockerfile", None, "byoc/moto:latest")


def test_build_failure_names_the_step():
    with pytest.raises(ImageError) as err:
        images.build_image(FakeClient(), "broken", "base", say=lambda m: None)
    assert "byoc/broken:latest" in err.value.message
    assert "RUN false" in err.value.message
