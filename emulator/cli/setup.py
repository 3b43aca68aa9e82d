"""`byoc doctor` and `byoc build`: the engine, the base image and the project's images."""

import argparse

from emulator.config import IMAGE_NAMES, SERVICE_IMAGE_NAMES, Settings, image_tag
from emulator.docker import engine, images
from emulator.errors import ImageError

ALL_IMAGES = IMAGE_NAMES + SERVICE_IMAGE_NAMES


def register(sub: argparse._SubParsersAction) -> None:
    """Add `doctor` and `build` to the CLI."""
    doctor = sub.add_parser("doctor", help="report the Docker engine, base image and images; --fix sets them up")
    doctor.add_argument(
        "--fix", action="store_true", help="install/start dockerd and make the base image where missing"
    )
    doctor.set_defaults(func=run_doctor)
    build = sub.add_parser("build", help="build the project's images (featurizer, predictor, postprocessor, moto)")
    build.add_argument("names", nargs="*", metavar="NAME", help=f"subset of {', '.join(ALL_IMAGES)} (default: all)")
    build.add_argument("--if-missing", action="store_true", help="build only images that are not present")
    build.add_argument("--verbose", action="store_true", help="print the docker build's own output, every line")
    build.set_defaults(func=run_build)


def run_doctor(args: argparse.Namespace) -> int:
    """Report (and with --fix, set up) what the project needs; exit 1 when something is missing."""
    settings = Settings.from_env()
    client = engine.ensure_engine(settings, fix=args.fix)
    version = client.version()
    print(
        f"engine: Docker {version.get('Version')} (API {version.get('ApiVersion')})"
        f" at {settings.docker_host or 'default socket'}"
    )
    problems = 0
    try:
        base = images.choose_base(client, settings, fix=args.fix)
        print(f"base image: {base.image} ({base.reason})")
    except ImageError as err:
        print(f"base image: MISSING: {err.message}\n  what to do: {err.hint}")
        problems += 1
    for name in ALL_IMAGES:
        size = images.image_size_mb(client, image_tag(name))
        print(f"image {image_tag(name)}: " + (f"{size:.0f} MB" if size is not None else "not built (run `byoc build`)"))
    return 1 if problems else 0


def run_build(args: argparse.Namespace) -> int:
    """Build the requested images on the chosen base."""
    unknown = [n for n in args.names if n not in ALL_IMAGES]
    if unknown:
        raise ImageError(f"unknown image name(s): {', '.join(unknown)}", f"choose from {', '.join(ALL_IMAGES)}")
    built = images.build_images(
        Settings.from_env(), args.names or list(ALL_IMAGES), only_missing=args.if_missing, verbose=args.verbose
    )
    if not built:
        print("build: every image asked for is present; nothing to build")
    return 0
