"""A process's CPU time against the wall clock, so a benchmark can tell what it spent during another process's load."""

import threading
import time


class CpuClock:
    """Sample this process's CPU time (user + system, every thread) against the wall clock, in a thread.

    `spent(start, end)` is the CPU seconds between two wall-clock instants, read off the samples
    (linear between them): what the emulator's process (its server, hops, log followers and
    shippers) spent while the child process ran one load.
    """

    def __init__(self, every_s: float = 0.05):
        self.every_s = every_s
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu clock", daemon=True)

    def __enter__(self) -> "CpuClock":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _sample(self) -> None:
        self.samples.append((time.time(), time.process_time()))  # nanosecond resolution (os.times: 10 ms ticks)

    def _run(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(self.every_s):
                return

    def at(self, when: float) -> float:
        """Return the CPU seconds at wall-clock `when`, interpolated between the samples around it."""
        before = max((s for s in self.samples if s[0] <= when), default=self.samples[0])
        after = min((s for s in self.samples if s[0] >= when), default=self.samples[-1])
        if after[0] == before[0]:
            return before[1]
        return before[1] + (after[1] - before[1]) * (when - before[0]) / (after[0] - before[0])

    def spent(self, start: float, end: float) -> float:
        """Return the CPU seconds spent between two wall-clock instants."""
        return self.at(end) - self.at(start)
