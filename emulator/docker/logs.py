"""Stream each container's stdout/stderr to the terminal, one line at a time, prefixed `{endpoint}/{hostname}`."""

import sys
import threading
from collections.abc import Callable, Iterable
from typing import TextIO

from docker.errors import APIError, NotFound


def lines(chunks: Iterable[bytes]) -> Iterable[str]:
    """Yield whole lines from raw output chunks; a trailing partial line comes last."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield line.decode(errors="replace").rstrip()
    if pending:
        yield pending.decode(errors="replace").rstrip()


def prefixed_lines(chunks: Iterable[bytes], prefix: str) -> Iterable[str]:
    """Yield whole lines from raw output chunks, each prefixed; a trailing partial line comes last."""
    for line in lines(chunks):
        yield f"{prefix} | {line}"


def follow(
    stream: Callable[[], Iterable[bytes]],
    prefix: str,
    sink: TextIO | None = None,
    *,
    tee: Callable[[str], None] | None = None,
    echo: bool = True,
) -> threading.Thread:
    """Start a daemon thread copying a container's output to `sink` (stderr) until the container goes.

    `tee`, when given, also gets every line (without the prefix), e.g. a LogShipper's writer; it
    must not block. `echo=False` sends the lines only to `tee`.
    """

    def copy() -> None:
        out = sink or sys.stderr
        try:
            for line in lines(stream()):
                if echo:
                    out.write(f"{prefix} | {line}\n")
                    out.flush()
                if tee is not None:
                    tee(line)
        except (APIError, NotFound, OSError, ValueError):
            pass  # the container was removed while we read: its stream simply ends

    thread = threading.Thread(target=copy, name=f"logs {prefix}", daemon=True)
    thread.start()
    return thread
