"""Configuration read in one place: paths, names, labels and the environment variables we honour."""

import os
from dataclasses import dataclass
from pathlib import Path

from emulator.userdirs import base_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
CONTAINERS_DIR = REPO_ROOT / "containers"
FIXTURES_DIR = REPO_ROOT / "fixtures"

# Every container and network byoc itself creates carries this label, so `byoc down` and the test
# teardown can find and remove them even after a crash. Images never carry it (a container inherits
# its image's labels, and `byoc down` must not touch a container someone else ran from our images).
LABEL = "com.byoc.managed"
LABEL_VALUE = "true"
ENDPOINT_LABEL = "com.byoc.endpoint"  # the endpoint a container or network belongs to
SESSION_LABEL = "com.byoc.session"  # the process that started it
SERVICE_LABEL = "com.byoc.service"  # a side service shared by a session's endpoints (local AWS)
UNIT_LABEL = "com.byoc.unit"  # one variant's containers in one deployment of an endpoint
IMAGE_LABEL = "com.byoc.image"  # on our images only: which of them it is (never LABEL)

# Our inference images: stages of containers/Dockerfile, on one shared serving stack.
IMAGE_NAMES = ("featurizer", "predictor", "postprocessor")
# Side-service images the emulator runs (moto for DynamoDB); built from containers/<name>/Dockerfile too.
SERVICE_IMAGE_NAMES = ("moto",)
DEFAULT_BASE_IMAGE = "python:3.11-slim"
OWN_BASE_IMAGE = "byoc/base:bookworm"
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
DOCKERD_LOG = Path("/var/log/byoc-dockerd.log")

# Where unpacked models are cached (one folder per archive digest) and where `byoc up` records the
# URL of each running endpoint for `byoc invoke NAME`.
# Both are per-user and private (emulator.userdirs checks them on use), never in a shared /tmp.
MODEL_CACHE_DIR = Path(os.environ.get("BYOC_CACHE_DIR") or base_dir() / "models")
ENDPOINT_STATE_DIR = Path(os.environ.get("BYOC_STATE_DIR") or base_dir() / "endpoints")
# Map ECR image URIs to local images: "uri=local,uri2=local2" (see emulator.hosting.sources).
IMAGE_MAP_ENV = "BYOC_IMAGE_MAP"
# Reach containers through published ports even where their IPs are routable (see emulator.hosting.plan).
PUBLISH_PORTS_ENV = "BYOC_PUBLISH_PORTS"
# byoc deploy: the instance type when none is given, and how far a number may differ between the
# endpoint's answer and the local emulator's (the same model on another CPU may round the last digits)
DEPLOY_INSTANCE_TYPE = "ml.m5.xlarge"
PARITY_TOLERANCE = 1e-4


def image_tag(name: str) -> str:
    """Return the tag of one of the project's images, e.g. `byoc/featurizer:latest`."""
    return f"byoc/{name}:latest"


@dataclass(frozen=True)
class Settings:
    """Environment-driven settings, read once per command."""

    docker_host: str | None
    base_image_override: str | None
    ci: bool

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            docker_host=os.environ.get("DOCKER_HOST") or None,
            base_image_override=os.environ.get("BYOC_BASE_IMAGE") or None,
            ci=os.environ.get("CI", "").lower() in ("1", "true", "yes"),
        )


def reaper_off() -> None:
    """Turn testcontainers' reaper (Ryuk) off unless the caller set it: called by our entry points.

    byoc labels and removes everything it starts, so the reaper is not needed, and its image cannot
    be pulled where no registry answers.
    """
    os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
