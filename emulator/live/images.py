"""Images to a registry, tagged by content: `REGISTRY/REPO:sha256-<image id>`, pushed only when not already there.

registry = Registry.given("127.0.0.1:5000")            # any registry (--registry)
registry = Registry.for_ecr(session.client("ecr"))         # ECR: repositories created, login from the API
ref = remote_ref("byoc/featurizer:latest", image_id, registry.host)
push(docker_client, "byoc/featurizer:latest", ref, registry)    # -> True when pushed, False when present
"""

import base64
import logging
from dataclasses import dataclass, field
from urllib.parse import urlparse

from botocore.exceptions import BotoCoreError, ClientError
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from emulator.live.plan import DeployError

LOG = logging.getLogger(__name__)
TAG_PREFIX = "sha256-"  # a tag cannot hold ':'; the image id is `sha256:<hex>`


@dataclass
class Registry:
    """Where images go: `host[:port]`, the login to use, and (for ECR) the client that makes repositories."""

    host: str
    auth: dict | None = None  # {"username", "password"} for docker push
    ecr_client: object | None = None
    _repositories: set[str] = field(default_factory=set)

    @classmethod
    def given(cls, uri: str) -> "Registry":
        """Return the registry `uri` (`host[:port]`, an optional scheme dropped); the engine's own login applies."""
        host = urlparse(uri).netloc if "://" in uri else uri
        host = host.strip("/")
        if not host or "/" in host:
            raise DeployError(f"--registry {uri!r} is not a registry host", "give host[:port], e.g. 127.0.0.1:5000")
        return cls(host)

    @classmethod
    def for_ecr(cls, client) -> "Registry":
        """Return this account's ECR registry, logged in with a token from GetAuthorizationToken."""
        try:
            data = client.get_authorization_token()["authorizationData"][0]
        except (BotoCoreError, ClientError) as err:
            raise DeployError(f"ECR GetAuthorizationToken failed: {err}", "check the credentials and region") from None
        username, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
        host = urlparse(data["proxyEndpoint"]).netloc or data["proxyEndpoint"]
        return cls(host, {"username": username, "password": password}, client)

    def ensure_repository(self, name: str) -> None:
        """Create ECR repository `name` when it is missing (nothing to do for another registry)."""
        if self.ecr_client is None or name in self._repositories:
            return
        client = self.ecr_client
        try:
            client.describe_repositories(repositoryNames=[name])  # type: ignore[attr-defined]
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "RepositoryNotFoundException":
                raise DeployError(f"ECR DescribeRepositories {name} failed: {err}") from None
            LOG.info("creating ECR repository %s", name)
            client.create_repository(repositoryName=name)  # type: ignore[attr-defined]
        self._repositories.add(name)

    def has_tag(self, repository: str, tag: str, docker_client) -> bool:
        """Return True when `repository:tag` is already in the registry."""
        if self.ecr_client is not None:
            try:
                self.ecr_client.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])  # type: ignore[attr-defined]
                return True
            except ClientError:
                return False
        try:
            docker_client.images.get_registry_data(f"{self.host}/{repository}:{tag}", auth_config=self.auth)
            return True
        except (NotFound, APIError):
            return False


def repository_of(image: str) -> str:
    """Return the repository path of `image` without registry, tag or digest: `byoc/featurizer`."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name.rsplit(":", 1)[0]
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        name = rest
    return name


def content_tag(image_id: str) -> str:
    """Return the tag naming an image by its content: `sha256-<hex>` for image id `sha256:<hex>`."""
    return TAG_PREFIX + image_id.removeprefix("sha256:")


def remote_ref(image: str, image_id: str, host: str) -> str:
    """Return `HOST/REPOSITORY:sha256-<hex>`: where `image` goes, named by its content."""
    return f"{host}/{repository_of(image)}:{content_tag(image_id)}"


def image_id(docker_client, image: str) -> str:
    """Return the local image's id (`sha256:<hex>`), or raise DeployError when the engine lacks it."""
    try:
        return docker_client.images.get(image).id
    except ImageNotFound:
        raise DeployError(f"image {image} is not on the Docker engine", "build it first (`byoc build`)") from None
    except DockerException as err:
        raise DeployError(f"no Docker engine answers: {err}", "run `byoc doctor --fix`") from None


def push(docker_client, image: str, ref: str, registry: Registry) -> bool:
    """Tag `image` as `ref` and push it; return False (nothing sent) when the registry already holds `ref`."""
    repository_tag = ref.removeprefix(registry.host + "/")
    repository, _, tag = repository_tag.rpartition(":")
    registry.ensure_repository(repository)
    if registry.has_tag(repository, tag, docker_client):
        return False
    target = f"{registry.host}/{repository}"
    try:
        docker_client.images.get(image).tag(target, tag)
        try:
            for line in docker_client.images.push(target, tag, stream=True, decode=True, auth_config=registry.auth):
                if line.get("error"):
                    raise DeployError(
                        f"pushing {ref} failed: {line['error']}", f"check that {registry.host} answers and the login"
                    )
        finally:
            docker_client.images.remove(ref)  # our local tag only; the image stays
    except (APIError, DockerException) as err:
        raise DeployError(f"pushing {ref} failed: {err}", f"check that {registry.host} answers") from None
    return True
