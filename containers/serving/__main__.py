"""`python -m serving serve`: the container's entry point; any other argument is a usage error."""

import sys

from .config import ServeSettings
from .errors import ConfigError
from .server import serve

USAGE = "usage: serve   (SageMaker runs the image with the single argument `serve`; this image only serves)"


def main(argv: list[str] | None = None) -> int:
    """Run `serve`, or print a usage error and return 2."""
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["serve"]:
        given = " ".join(argv) if argv else "no argument"
        print(f"error: unknown command: {given}\n{USAGE}", file=sys.stderr)
        return 2
    try:
        settings = ServeSettings.from_env()
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return serve(settings)


if __name__ == "__main__":
    sys.exit(main())
