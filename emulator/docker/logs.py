"""Stream each container's stdout/stderr to the terminal, one line at a time, prefixed `{endpoint}/{hostname}`."""

import sys
import threading
from typing import Callable, Iterable, TextIO

from docker.errors import APIError, NotFound


def prefixed_lines(chunks: Iterable[bytes], prefix: str) -> Iterable[str]:
    """Yield whole lines from raw output chunks, each prefixed; a trailing partial line comes last."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield f"{prefix} | {line.decode(errors='replace').rstrip()}"
    if pending:
        yield f"{prefix} | {pending.decode(errors='replace').rstrip()}"


def follow(stream: Callable[[], Iterable[bytes]], prefix: str, sink: TextIO | None = None) -> threading.Thread:
    """Start a daemon thread copying a container's output to `sink` (stderr) until the container goes."""

    def copy() -> None:
        out = sink or sys.stderr
        try:
            for line in prefixed_lines(stream(), prefix):
                out.write(line + "\n")
                out.flush()
        except (APIError, NotFound, OSError, ValueError):
            pass  # the container was removed while we read: its stream simply ends

    thread = threading.Thread(target=copy, name=f"logs {prefix}", daemon=True)
    thread.start()
    return thread
