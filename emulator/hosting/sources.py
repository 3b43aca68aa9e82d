"""Where a model's data and image come from locally: S3 URLs read from the local S3, ECR URIs mapped to local images.

model_dir("s3://models/abalone/model.tar.gz", aws.client("s3"))    # downloaded once, unpacked once
local_image("123456789012.dkr.ecr.us-east-1.amazonaws.com/featurizer:1", docker, {"...": "byoc/featurizer:latest"})
"""

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlparse

from botocore.exceptions import BotoCoreError, ClientError

from emulator.config import IMAGE_MAP_ENV, MODEL_CACHE_DIR
from emulator.definitions.pipeline import NOT_ONE_OBJECT, ONE_OBJECT_HINT, s3_model_object
from emulator.errors import ByocError, EndpointError
from emulator.hosting.modeldata import unpack_model
from emulator.userdirs import private_dir

LOG = logging.getLogger(__name__)

# An ECR image URI: ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPOSITORY[:TAG|@DIGEST] (ECR user guide,
# "Pushing an image"; CreateModel's Image pattern in botocore's sagemaker 2017-07-24 model).
ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"/(?P<repository>[a-z0-9._/-]+?)(?P<reference>:[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})?$"
)
PULL_TIMEOUT_S = 10.0
MISSING_CODES = ("404", "NoSuchKey", "NoSuchBucket", "NotFound")


def model_dir(url: str, s3=None, *, base_dir: Path | None = None, cache_dir: Path = MODEL_CACHE_DIR) -> Path:
    """Return a folder holding the model at `url` (s3://, file:// or a path), unpacked once, to mount read-only."""
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        found = s3_model_object(url)
        if found is None:
            raise EndpointError(f"ModelDataUrl {url} {NOT_ONE_OBJECT}", ONE_OBJECT_HINT)
        return unpack_model(_download(*found, url, s3, cache_dir), cache_dir)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path))
    elif parsed.scheme and len(parsed.scheme) > 1:  # one letter: a Windows drive, not a scheme
        raise EndpointError(
            f"ModelDataUrl {url}: the emulator reads models from the local S3 (s3://), "
            f"file:// or a path, not {parsed.scheme}://",
            "upload it with `aws s3 cp` to the local S3",
        )
    else:
        path = Path(url).expanduser()
    path = path if path.is_absolute() or base_dir is None else base_dir / path
    if not path.exists():
        raise EndpointError(f"ModelDataUrl {url}: {path} does not exist", "check the path or build the model")
    try:
        return unpack_model(path, cache_dir)
    except ByocError as err:
        raise EndpointError(f"ModelDataUrl {url}: {err.message}", err.hint) from None


def _download(bucket: str, key: str, url: str, s3, cache_dir: Path) -> Path:
    """Download s3://bucket/key into the cache once per ETag and return the archive's path."""
    if s3 is None:
        raise EndpointError(
            f"ModelDataUrl {url} is in S3 but no local S3 client was given",
            "start the session's local AWS services (LocalAws) and pass aws.client('s3')",
        )
    try:
        etag = s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    except ClientError as err:
        raise _s3_error(url, err) from None
    except BotoCoreError as err:
        raise EndpointError(
            f"ModelDataUrl {url}: the local S3 did not answer: {err}",
            "is the session's local AWS (moto) still running?",
        ) from None
    name = hashlib.sha256(f"{bucket}/{key}/{etag}".encode()).hexdigest()[:16]
    downloads = private_dir(private_dir(cache_dir) / "s3")  # ours alone: a planted archive is never used
    target = downloads / f"{Path(key).name.removesuffix('.tar.gz').removesuffix('.tgz')}-{name}.tar.gz"
    if target.is_file():
        return target
    fd, staging = tempfile.mkstemp(prefix=".download-", dir=target.parent)
    os.close(fd)
    try:
        s3.download_file(bucket, key, staging)
        os.replace(staging, target)
    except (BotoCoreError, ClientError, OSError) as err:
        Path(staging).unlink(missing_ok=True)
        raise EndpointError(f"ModelDataUrl {url}: download from the local S3 failed: {err}", "retry") from None
    LOG.info("downloaded %s (%d bytes) to %s", url, target.stat().st_size, target)
    return target


def _s3_error(url: str, err: ClientError) -> EndpointError:
    code = err.response.get("Error", {}).get("Code", "")
    if code in MISSING_CODES:
        return EndpointError(
            f"ModelDataUrl {url}: no such object in the local S3 ({code})",
            f"upload it first: aws --endpoint-url URL s3 cp model.tar.gz {url}",
        )
    return EndpointError(f"ModelDataUrl {url}: the local S3 refused it: {err}", "check the bucket and key")


def parse_image_map(text: str, where: str = IMAGE_MAP_ENV) -> dict[str, str]:
    """Return {uri: local image} from "uri=local,uri2=local2"; raise EndpointError naming a bad entry."""
    mapping = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        uri, sep, local = (part.strip() for part in entry.partition("="))
        if not sep or not uri or not local:
            raise EndpointError(
                f"{where}: {entry!r} is not URI=LOCAL_IMAGE",
                f'write {where}="123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:tag=repo:tag,..."',
            )
        mapping[uri] = local
    return mapping


def local_image(
    uri: str,
    docker_layer,
    mapping: Mapping[str, str] | None = None,
    *,
    environ: Mapping[str, str] = os.environ,
    pull_timeout_s: float = PULL_TIMEOUT_S,
) -> str:
    """Return the local image to run for `uri`: the same tag, else the user's mapping, else a pull, else raise."""
    ref = _with_tag(uri)
    if docker_layer.has_image(ref):
        return ref
    given = {**parse_image_map(environ.get(IMAGE_MAP_ENV, "")), **(mapping or {})}
    mapped = given.get(uri) or given.get(ref)
    if mapped is not None:
        if docker_layer.has_image(mapped):
            return mapped
        raise EndpointError(
            f"image {uri} is mapped to {mapped}, which is not on the Docker engine",
            f"build or load {mapped}, or fix the mapping ([Local.Images] or {IMAGE_MAP_ENV})",
        )
    if docker_layer.pull(ref, pull_timeout_s):
        return ref
    what = "an ECR image" if ECR_URI.match(uri) else "an image"
    raise EndpointError(
        f"{what} {uri} is not on the Docker engine and no registry gave it within {pull_timeout_s:g} s",
        f"tag a local image with exactly that name (`docker tag byoc/featurizer:latest {ref}`), or map it: "
        f'[Local.Images] "{uri}" = "LOCAL_IMAGE" in the definition, or {IMAGE_MAP_ENV}="{uri}=LOCAL_IMAGE"',
    )


def names_registry(uri: str) -> bool:
    """Return True when `uri` starts with a registry host (`host.domain/`, `host:port/`, `localhost/`)."""
    first, sep, _ = uri.partition("/")
    return bool(sep) and ("." in first or ":" in first or first == "localhost")


def resolve_images(spec, docker_layer, environ: Mapping[str, str] = os.environ):
    """Return `spec` with each ECR, registry or mapped image replaced by the local image `local_image` finds.

    An image of a registry (ECR or any `host[:port]/...`) missing here is pulled, as SageMaker pulls it.
    """
    mapped = {**parse_image_map(environ.get(IMAGE_MAP_ENV, "")), **spec.images}
    containers = tuple(
        replace(c, image=local_image(c.image, docker_layer, spec.images, environ=environ))
        if ECR_URI.match(c.image) or names_registry(c.image) or c.image in mapped
        else c
        for c in spec.containers
    )
    return replace(spec, containers=containers)


def _with_tag(uri: str) -> str:
    """Return `uri` with `:latest` when it names neither a tag nor a digest (as Docker reads it)."""
    last = uri.rsplit("/", 1)[-1]
    return uri if ":" in last or "@" in last else f"{uri}:latest"
