"""Run moto's server so that SIGTERM ends it at once (as PID 1, Python would otherwise ignore it)."""

import signal
import sys

from moto.server import main


def _stop(signum: int, frame) -> None:
    """Leave the server loop and exit 0."""
    print(f"moto: signal {signum} received, stopping", file=sys.stderr, flush=True)
    raise SystemExit(0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    main(sys.argv[1:])
