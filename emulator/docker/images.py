"""Choose a base image (official slim Python, or our own from Debian packages) and build our images."""

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.errors import APIError, DockerException, ImageNotFound

from emulator.config import (
    CONTAINERS_DIR,
    DEBIAN_MIRROR,
    DEBIAN_SUITE,
    DEFAULT_BASE_IMAGE,
    IMAGE_LABEL,
    IMAGE_NAMES,
    OWN_BASE_IMAGE,
    Settings,
    image_tag,
)
from emulator.errors import ImageError

HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
LOG_TAIL_LINES = 25


@dataclass(frozen=True)
class BaseChoice:
    """Which base image the builds use, and why."""

    image: str
    reason: str


def has_image(client: docker.DockerClient, ref: str) -> bool:
    """Return True when the engine holds `ref` locally."""
    try:
        client.images.get(ref)
        return True
    except ImageNotFound:
        return False


def choose_base(client: docker.DockerClient, settings: Settings, fix: bool, say=print) -> BaseChoice:
    """Return the base image to build on; with `fix`, pull or make one where none is present."""
    if settings.base_image_override:
        ref = settings.base_image_override
        if has_image(client, ref) or (fix and _try_pull(client, ref)):
            return BaseChoice(ref, "BYOC_BASE_IMAGE")
        raise ImageError(
            f"BYOC_BASE_IMAGE={ref} is neither present nor pullable",
            "build or load that image first, or unset BYOC_BASE_IMAGE to let byoc choose",
        )
    if has_image(client, DEFAULT_BASE_IMAGE):
        return BaseChoice(DEFAULT_BASE_IMAGE, "official image, present")
    if has_image(client, OWN_BASE_IMAGE):
        return BaseChoice(OWN_BASE_IMAGE, f"{DEFAULT_BASE_IMAGE} cannot be had; our Debian base, present")
    if not fix:
        raise ImageError(
            f"no base image: {DEFAULT_BASE_IMAGE} is not present and {OWN_BASE_IMAGE} has not been built",
            "run `byoc doctor --fix` (pulls the official image, or builds our own from Debian packages)",
        )
    if _try_pull(client, DEFAULT_BASE_IMAGE):
        return BaseChoice(DEFAULT_BASE_IMAGE, "official image, pulled")
    say(
        f"base: {DEFAULT_BASE_IMAGE} cannot be pulled; building {OWN_BASE_IMAGE} from Debian packages (debootstrap) ..."
    )
    started = time.monotonic()
    build_own_base(client)
    say(f"base: built {OWN_BASE_IMAGE} in {time.monotonic() - started:.0f} s; it is reused from now on")
    return BaseChoice(OWN_BASE_IMAGE, f"{DEFAULT_BASE_IMAGE} cannot be pulled; our Debian base, built now")


def _try_pull(client: docker.DockerClient, ref: str) -> bool:
    try:
        client.images.pull(ref)
        return True
    except (APIError, DockerException):
        return False


def build_own_base(client: docker.DockerClient) -> None:
    """Build OWN_BASE_IMAGE: Debian minbase with python3, venv and the host's CA bundle."""
    if os.geteuid() != 0:
        raise ImageError(
            "building the Debian base image needs root (debootstrap)", "rerun as root, or set BYOC_BASE_IMAGE"
        )
    if shutil.which("debootstrap") is None:
        if shutil.which("apt-get") is None:
            raise ImageError(
                "building the Debian base image needs debootstrap, and this host has no apt-get",
                "install debootstrap, or set BYOC_BASE_IMAGE to a Python 3.11 image you have",
            )
        _run(["apt-get", "update", "-q"], "apt-get update")
        _run(["apt-get", "install", "-y", "-q", "debootstrap"], "install debootstrap")
    with tempfile.TemporaryDirectory(prefix="byoc-rootfs-") as tmp:
        root = Path(tmp) / "rootfs"
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
                DEBIAN_SUITE,
                str(root),
                DEBIAN_MIRROR,
            ],
            "debootstrap",
        )
        if HOST_CA_BUNDLE.exists():
            shutil.copyfile(HOST_CA_BUNDLE, root / "etc/ssl/certs/ca-certificates.crt")
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for item in (root / junk).glob("*"):
                if item.is_file():
                    item.unlink()
        changes = [
            "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt",
            "ENV LANG=C.UTF-8",
            f"LABEL org.opencontainers.image.title={OWN_BASE_IMAGE}",  # never LABEL: it marks what byoc creates
            'CMD ["python3"]',
        ]
        cmd = ["docker", "import"]
        for change in changes:
            cmd += ["--change", change]
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        done = subprocess.run(cmd + ["-", OWN_BASE_IMAGE], stdin=tar.stdout, capture_output=True, text=True)
        tar.wait()
        if done.returncode != 0 or tar.returncode != 0:
            raise ImageError(f"docker import of the Debian base failed: {done.stderr.strip()}", "check `docker info`")


def _run(cmd: list[str], what: str) -> None:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
        raise ImageError(f"{what} failed (exit {done.returncode}):\n{tail}", "check network access to Debian's mirror")


def image_labels(name: str) -> dict[str, str]:
    """Return the labels an image gets: what it is, never the ownership label (that marks what byoc creates)."""
    return {"org.opencontainers.image.title": name, IMAGE_LABEL: name}


def build_image(
    client: docker.DockerClient,
    name: str,
    base: str,
    say=print,
    dockerfile: str | None = None,
    context: Path = CONTAINERS_DIR,
    tag: str | None = None,
    buildargs: dict | None = None,
    verbose: bool = False,
) -> float:
    """Build one image from the shared context, saying each step as it starts, and return the seconds it took.

    Our inference images are stages of the one `containers/Dockerfile` (target = name); any other
    image has its own `containers/<name>/Dockerfile` unless `dockerfile` says otherwise. With
    `verbose`, every line of Docker's build output is said, not only the `Step N/M` lines.
    """
    tag = tag or image_tag(name)
    target = name if dockerfile is None and name in IMAGE_NAMES else None
    dockerfile = dockerfile or ("Dockerfile" if target else f"{name}/Dockerfile")
    started = time.monotonic()
    try:
        stream = client.api.build(
            path=str(context),
            dockerfile=dockerfile,
            target=target,
            tag=tag,
            buildargs={**(buildargs or {}), "BASE_IMAGE": base},
            labels=image_labels(name),
            rm=True,
            forcerm=True,
            decode=True,
        )
        _follow(stream, tag, say, verbose, hint=f"fix {context / dockerfile} and rerun `byoc build`")
    except APIError as err:
        raise ImageError(f"building {tag} failed: {err.explanation}", "check `byoc doctor`") from None
    return time.monotonic() - started


def _follow(stream, tag: str, say, verbose: bool, hint: str) -> None:
    """Say the build's progress (each `Step N/M`, or every line when verbose).

    A build error is an ImageError with the log's tail.
    """
    tail: list[str] = []
    for chunk in stream:
        if "error" in chunk:
            log = "\n".join(tail[-LOG_TAIL_LINES:])
            raise ImageError(f"building {tag} failed: {str(chunk['error']).strip()}\n{log}", hint)
        for line in str(chunk.get("stream") or "").splitlines():
            if not line.strip():
                continue
            tail.append(line.rstrip())
            if verbose:
                say(line.rstrip())
            elif line.startswith("Step "):
                say(f"build: {tag}: {_shortened(line.strip())}")


def _shortened(line: str, width: int = 110) -> str:
    """Return a step line cut to `width` characters (a long RUN says enough in its start)."""
    return line if len(line) <= width else line[: width - 3] + "..."


def build_all(client: docker.DockerClient, base: str, names=IMAGE_NAMES, say=print) -> dict[str, float]:
    """Build the project's images in order (they share layers) and return seconds per image."""
    return {name: build_image(client, name, base, say) for name in names}


def build_images(settings: Settings, names, only_missing: bool = False, say=print, verbose: bool = False) -> list[str]:
    """Set up the engine and base image, build `names` (only the absent ones with `only_missing`).

    Then say each one's time and size.
    """
    from emulator.docker.engine import ensure_engine

    client = ensure_engine(settings, fix=True, say=say)
    if only_missing:
        names = [n for n in names if not has_image(client, image_tag(n))]
    if not names:
        return []
    base = choose_base(client, settings, fix=True, say=say)
    say(f"build: base image {base.image} ({base.reason})")
    seconds = {name: build_image(client, name, base.image, say, verbose=verbose) for name in names}
    for name, spent in seconds.items():
        size = image_size_mb(client, image_tag(name))
        say(f"build: {image_tag(name):28} {spent:6.1f} s {size or 0:8.0f} MB")
    return list(names)


def image_size_mb(client: docker.DockerClient, ref: str) -> float | None:
    """Return an image's size in MB, or None when it is absent."""
    try:
        return client.images.get(ref).attrs["Size"] / 1e6
    except ImageNotFound:
        return None
