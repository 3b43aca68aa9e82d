"""One CreateModel container entry checked (Image, hostname, ModelDataUrl, Environment), and rules across entries."""

import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

from emulator.definitions.fields import Invalid, check_keys, expect
from emulator.definitions.specs import ContainerSpec

# The accepted keys mirror botocore's sagemaker 2017-07-24 model (ContainerDefinition);
# tests/unit/emulator/definitions/test_pipeline.py checks they still agree.
CONTAINER_KEYS = (
    "ContainerHostname",
    "Image",
    "ImageConfig",
    "Mode",
    "ModelDataUrl",
    "ModelDataSource",
    "AdditionalModelDataSources",
    "Environment",
    "ModelPackageName",
    "InferenceSpecificationName",
    "MultiModelConfig",
)
# Container fields the emulator cannot honour: refused rather than dropped.
UNSUPPORTED_CONTAINER_KEYS = {
    "ModelDataSource": "give the model as ModelDataUrl, a local .tar.gz or folder",
    "AdditionalModelDataSources": "pack every artifact into the one ModelDataUrl archive",
    "ModelPackageName": "give Image and ModelDataUrl directly",
    "InferenceSpecificationName": "give Image and ModelDataUrl directly",
}
MAX_ENV_KEYS = 100
MAX_ENV_CHARS = 1024
MAX_ENV_TOTAL_BYTES = 32 * 1024
HOSTNAME_RE = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")
ENV_KEY_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def parse_container(entry: dict, where: str, base_dir: Path) -> ContainerSpec:
    """Validate one entry of Containers (or PrimaryContainer) found at `where`; its hostname may still be unset."""
    check_keys(entry, CONTAINER_KEYS, where, "key")
    for key, what_to_do in UNSUPPORTED_CONTAINER_KEYS.items():
        if key in entry:
            raise Invalid(f"{where}.{key}", "is not supported by the local emulator", what_to_do)
    if entry.get("Mode", "SingleModel") != "SingleModel":
        raise Invalid(f"{where}.Mode", f"only SingleModel is supported locally, got {entry['Mode']!r}")
    image = expect(entry.get("Image"), str, f"{where}.Image", "an image reference such as byoc/featurizer:latest")
    if not image or len(image) > 255 or any(c.isspace() for c in image):
        raise Invalid(f"{where}.Image", f"{image!r} must be 1 to 255 characters without whitespace")
    hostname = entry.get("ContainerHostname")
    if hostname is not None:
        _check_hostname(hostname, f"{where}.ContainerHostname")
    model = entry.get("ModelDataUrl")
    model_data = None if model is None else _model_path(model, f"{where}.ModelDataUrl", base_dir)
    env = _environment(entry.get("Environment", {}), f"{where}.Environment")
    return ContainerSpec(image, hostname or "", model_data, env, hostname is not None)


def _check_hostname(value, where: str) -> None:
    expect(value, str, where, "a string")
    if len(value) > 63 or not HOSTNAME_RE.fullmatch(value):
        raise Invalid(where, f"{value!r} must be 1 to 63 characters matching {HOSTNAME_RE.pattern}")


NOT_ONE_OBJECT = "must name one object, s3://BUCKET/KEY/model.tar.gz"
ONE_OBJECT_HINT = "pack the model with `tar -czf model.tar.gz -C DIR .` and upload that archive"


def s3_model_object(url: str) -> tuple[str, str] | None:
    """Return (bucket, key) of an s3:// ModelDataUrl that names one object, else None."""
    bucket, _, key = url.removeprefix("s3://").partition("/")
    return (bucket, key) if bucket and key and not key.endswith("/") else None


def _model_path(value, where: str, base_dir: Path) -> Path | str:
    expect(value, str, where, "a local path to a model.tar.gz or folder")
    if value.startswith("s3://"):
        if s3_model_object(value) is None:
            raise Invalid(where, f"{value} {NOT_ONE_OBJECT}", ONE_OBJECT_HINT)
        return value  # read from the session's local S3 when the containers start
    if value.startswith("file://"):
        value = unquote(value.removeprefix("file://"))
    elif "://" in value:
        raise Invalid(
            where,
            f"{value} is a remote URL; the emulator reads models from this machine only",
            "give an s3:// URL in the local S3, or a local path to the model.tar.gz (or its folder)",
        )
    path = (base_dir / Path(value).expanduser()).resolve()
    if path.is_dir():
        return path
    if not path.is_file():
        raise Invalid(
            where, f"{path} does not exist", "check the path (relative to the definition file) or build the model"
        )
    if not path.name.endswith((".tar.gz", ".tgz")):
        raise Invalid(
            where, f"{path} must be a .tar.gz archive or a folder", "pack it with `tar -czf model.tar.gz -C DIR .`"
        )
    return path


def _environment(env, where: str) -> dict[str, str]:
    expect(env, dict, where, "a table/object of string values")
    if len(env) > MAX_ENV_KEYS:
        raise Invalid(where, f"has {len(env)} keys; the limit is {MAX_ENV_KEYS}")
    for key, value in env.items():
        if not ENV_KEY_RE.fullmatch(key):
            raise Invalid(where, f"key {key!r} does not match {ENV_KEY_RE.pattern}")
        if len(key) > MAX_ENV_CHARS:
            raise Invalid(where, f"key {key[:20]!r}... is {len(key)} characters; the limit is {MAX_ENV_CHARS}")
        if not isinstance(value, str):
            raise Invalid(
                where,
                f"value of {key!r} must be a string, got {type(value).__name__} {value!r:.40}",
                f'quote it: {key} = "{value}"',
            )
        if len(value) > MAX_ENV_CHARS:
            raise Invalid(where, f"value of {key!r} is {len(value)} characters; the limit is {MAX_ENV_CHARS}")
    return dict(env)


def check_environment_total(containers: tuple[ContainerSpec, ...]) -> None:
    """Raise Invalid when the Environment of all containers together exceeds the model's limit."""
    total = sum(len(k.encode()) + len(v.encode()) for c in containers for k, v in c.environment.items())
    if total > MAX_ENV_TOTAL_BYTES:
        raise Invalid(
            "Environment",
            f"keys and values of all containers add up to {total} bytes; the limit "
            f"is {MAX_ENV_TOTAL_BYTES} (32 KB) for the whole model",
        )


def assign_hostnames(containers: tuple[ContainerSpec, ...], where: str, mode: str) -> tuple[ContainerSpec, ...]:
    """Check ContainerHostname is set on all containers or none, unique; name them by position when none is."""
    given = [c.hostname_given for c in containers]
    path_of = (
        (lambda i: f"{where}[{i}].ContainerHostname")
        if where == "Containers"
        else (lambda i: f"{where}.ContainerHostname")
    )
    if any(given) and not all(given):
        missing = ", ".join(path_of(i) for i, g in enumerate(given) if not g)
        raise Invalid(missing, "missing: ContainerHostname must be set on every container or on none")
    if mode == "Direct" and not all(given):
        raise Invalid(
            path_of(0), "missing: InferenceExecutionConfig.Mode Direct requires ContainerHostname on every container"
        )
    if not any(given):
        default = (lambda i: "primary") if where == "PrimaryContainer" else (lambda i: f"container-{i + 1}")
        return tuple(replace(c, hostname=default(i)) for i, c in enumerate(containers))
    seen: dict[str, int] = {}
    for i, c in enumerate(containers):
        if c.hostname in seen:
            raise Invalid(
                path_of(i), f"{c.hostname!r} is already used by {path_of(seen[c.hostname])}; hostnames must be unique"
            )
        seen[c.hostname] = i
    return containers
