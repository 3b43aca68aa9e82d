"""Base-image choice and image builds, with the Docker layer faked."""

import pytest
from docker.errors import APIError, ImageNotFound

from emulator.config import DEFAULT_BASE_IMAGE, OWN_BASE_IMAGE, Settings
from emulator.docker import images
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


class FakeApi:
    """The low-level build: a stream of decoded chunks as Docker's classic builder sends them."""

    def __init__(self, images: FakeImages):
        self.images = images

    def build(self, **kwargs):
        yield {"stream": "Step 1/9 : ARG BASE_IMAGE\n"}
        yield {"stream": " ---> Running in 0123\n"}
        if "broken" in kwargs["dockerfile"]:
            yield {"stream": "Step 3/9 : RUN false"}
            yield {"error": "The command '/bin/sh -c false' returned a non-zero code: 1"}
            return
        yield {"stream": 'Step 9/9 : CMD ["serve"]\n'}
        self.images.built.append(kwargs)
        self.images.present.add(kwargs["tag"])


class FakeClient:
    def __init__(self, **kwargs):
        self.images = FakeImages(**kwargs)
        self.api = FakeApi(self.images)


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


def test_a_build_says_each_step_and_with_verbose_every_line():
    said = []
    images.build_image(FakeClient(), "predictor", "base", say=said.append)
    assert said == [
        "build: byoc/predictor:latest: Step 1/9 : ARG BASE_IMAGE",
        'build: byoc/predictor:latest: Step 9/9 : CMD ["serve"]',
    ]
    said.clear()
    images.build_image(FakeClient(), "predictor", "base", say=said.append, verbose=True)
    assert said == ["Step 1/9 : ARG BASE_IMAGE", " ---> Running in 0123", 'Step 9/9 : CMD ["serve"]']


def test_images_are_labelled_with_their_name_not_the_project_label():
    client = FakeClient()
    images.build_image(client, "moto", "base", say=lambda m: None)
    assert client.images.built[0]["labels"] == {"org.opencontainers.image.title": "moto", "com.byoc.image": "moto"}


def test_build_images_ends_with_each_images_time_and_size(monkeypatch):
    client = FakeClient(present=[OWN_BASE_IMAGE])
    monkeypatch.setattr("emulator.docker.engine.ensure_engine", lambda settings, fix, say: client)
    said = []
    assert images.build_images(settings(), ["predictor", "moto"], say=said.append) == ["predictor", "moto"]
    assert said[-2].startswith("build: byoc/predictor:latest") and said[-2].endswith(" 123 MB")
    assert said[-1].startswith("build: byoc/moto:latest") and " s " in said[-1]
