"""Images named by content and pushed once; ECR repositories created and its login read from the API (moto)."""

import pytest

from emulator.aws import local_client
from emulator.live import DeployError
from emulator.live.images import Registry, content_tag, image_id, push, remote_ref, repository_of
from tests.unit.emulator.inprocess_moto import moto_url

from .fakedocker import FakeDocker

ID = "sha256:" + "ab" * 32


def test_references_are_named_by_content():
    assert repository_of("byoc/featurizer:latest") == "byoc/featurizer"
    assert repository_of("registry.example:5000/team/model@sha256:" + "0" * 64) == "team/model"
    assert repository_of("localhost/x") == "x"
    assert content_tag(ID) == "sha256-" + "ab" * 32
    assert remote_ref("byoc/predictor:1", ID, "127.0.0.1:5000") == f"127.0.0.1:5000/byoc/predictor:sha256-{'ab' * 32}"


def test_a_registry_is_a_host():
    assert Registry.given("http://127.0.0.1:5000/").host == "127.0.0.1:5000"
    assert Registry.given("registry.example").host == "registry.example"
    with pytest.raises(DeployError, match="is not a registry host"):
        Registry.given("registry.example/team")


def test_an_unchanged_image_is_pushed_once_and_the_local_tag_removed():
    docker = FakeDocker({"byoc/featurizer:latest": ID})
    registry = Registry.given("127.0.0.1:5000")
    ref = remote_ref("byoc/featurizer:latest", image_id(docker, "byoc/featurizer:latest"), registry.host)
    assert push(docker, "byoc/featurizer:latest", ref, registry) is True
    assert push(docker, "byoc/featurizer:latest", ref, registry) is False
    assert [p for p, _ in docker.pushes] == [ref] and docker.tags == {}


def test_a_missing_local_image_is_a_clear_error():
    with pytest.raises(DeployError, match="image byoc/nothing:1 is not on the Docker engine"):
        image_id(FakeDocker({}), "byoc/nothing:1")


def test_ecr_repository_created_and_login_from_the_token():
    with moto_url() as url:
        ecr = local_client("ecr", url)
        registry = Registry.for_ecr(ecr)
        assert registry.host.endswith(".dkr.ecr.us-east-1.amazonaws.com")
        assert registry.auth["username"] == "AWS" and registry.auth["password"]
        docker = FakeDocker({"byoc/predictor:latest": ID})
        ref = remote_ref("byoc/predictor:latest", ID, registry.host)
        assert push(docker, "byoc/predictor:latest", ref, registry) is True
        assert [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]] == ["byoc/predictor"]
        assert docker.pushes[0][1] == registry.auth
