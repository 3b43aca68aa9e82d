"""A transform job at a terminal: a progress bar, and Ctrl-C as StopTransformJob."""

import sys
import threading
import time
from typing import Self

from .result import Progress, TransformResult
from .runner import TransformRunner


def run_until_done(runner: TransformRunner, source) -> TransformResult:
    """Run in a thread so Ctrl-C stops the job (StopTransformJob) instead of killing it mid-write."""
    box: dict = {}
    worker = threading.Thread(target=lambda: box.update(result=runner.run(source)), name="transform-job", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        print("\nstopping: no new requests; files not finished get no .out", file=sys.stderr)
        runner.stop.set()
        worker.join()
    return box["result"]


class ProgressBar:
    """A tqdm bar over input bytes with records and records/s beside it; a context manager."""

    def __init__(self, total_bytes: int | None, disabled: bool):
        from tqdm import tqdm

        self.bar = tqdm(
            total=total_bytes,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc="transform",
            disable=disabled,
            file=sys.stderr,
            dynamic_ncols=True,
        )
        self.started = time.monotonic()
        self.last_bytes = 0
        self._lock = threading.Lock()

    def update(self, progress: Progress) -> None:
        """Move the bar to the counts given (called from the runner's threads)."""
        with self._lock:
            if progress.bytes > self.last_bytes:
                self.bar.update(progress.bytes - self.last_bytes)
                self.last_bytes = progress.bytes
            rate = progress.records / max(time.monotonic() - self.started, 1e-9)
            self.bar.set_postfix_str(
                f"{progress.records} records, {rate:.0f} rec/s, {progress.files} files", refresh=False
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()
