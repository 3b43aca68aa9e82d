"""Tag an image for a registry and push it, turning the engine's streamed errors into one clear error."""

import re

import docker
from docker.errors import APIError, DockerException, ImageNotFound

from emulator.errors import ByocError


class PushError(ByocError):
    """An image could not be tagged or pushed."""


# Docker's reference grammar (distribution/reference): a domain with an optional port, then path components
_DOMAIN_PART = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
REGISTRY = re.compile(rf"{_DOMAIN_PART}(\.{_DOMAIN_PART})*(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*/?")


def check_registry(registry: str) -> str:
    """Return `registry` when an image can be tagged for it (`host[:port][/path]`), else raise PushError."""
    if not REGISTRY.fullmatch(registry):
        raise PushError(
            f"--to {registry!r} is not a registry: give host[:port], optionally with a path, and no scheme",
            "e.g. --to 127.0.0.1:5000 or --to 123456789012.dkr.ecr.us-east-1.amazonaws.com/team",
        )
    return registry


def registry_ref(image: str, registry: str) -> tuple[str, str]:
    """Return (repository, tag) of `image` in `registry`: `byoc/x:1` -> (`REGISTRY/byoc/x`, `1`)."""
    name, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "latest")
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):  # drop the registry it came from
        name = rest
    return f"{registry.rstrip('/')}/{name}", tag


def push_image(image: str, registry: str, client: docker.DockerClient | None = None) -> str:
    """Tag `image` for `registry`, push it, and return `REPOSITORY:TAG@DIGEST`."""
    client = client or docker.from_env(timeout=300)
    repository, tag = registry_ref(image, registry)
    try:
        client.images.get(image).tag(repository, tag)
        digest = ""
        for line in client.images.push(repository, tag, stream=True, decode=True):
            if line.get("error"):
                raise PushError(
                    f"pushing {repository}:{tag} failed: {line['error']}",
                    f"check that {registry} is a reachable registry (`curl http://{registry}/v2/`)",
                )
            digest = (line.get("aux") or {}).get("Digest", digest)
    except ImageNotFound:
        raise PushError(f"image {image} is not present", "build it first") from None
    except (APIError, DockerException) as err:
        raise PushError(f"pushing {repository}:{tag} failed: {err}", f"check that {registry} answers") from None
    return f"{repository}:{tag}" + (f"@{digest}" if digest else "")
