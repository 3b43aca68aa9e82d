"""Per-container latencies and error counts of a pipeline's invocations, with their percentiles."""

import threading
from collections import Counter, deque
from collections.abc import Iterable


class PipelineStats:
    """Per-container latencies of recent successful invocations, and error counts per container."""

    def __init__(self, hostnames: Iterable[str], keep: int = 100_000):
        self._latencies: dict[str, deque[float]] = {h: deque(maxlen=keep) for h in hostnames}
        self._lock = threading.Lock()
        self.invocations = 0
        self.errors: Counter[str] = Counter()

    def record(self, latencies_ms: dict[str, float]) -> None:
        """Record one successful invocation's per-container latencies."""
        with self._lock:
            self.invocations += 1
            for hostname, ms in latencies_ms.items():
                self._latencies[hostname].append(ms)

    def record_error(self, hostname: str | None) -> None:
        """Count one failed invocation against the container that failed it."""
        with self._lock:
            self.errors[hostname or "-"] += 1

    def latencies_ms(self, hostname: str) -> list[float]:
        """Return the recorded latencies of one container, oldest first."""
        with self._lock:
            return list(self._latencies[hostname])

    def summary(self) -> dict[str, dict[str, float]]:
        """Return count, p50, p99 and mean latency (ms) and errors for every container, in order."""
        return {h: _summarise(self.latencies_ms(h), self.errors.get(h, 0)) for h in self._latencies}

    def reset(self) -> None:
        """Forget everything recorded so far."""
        with self._lock:
            self.invocations = 0
            self.errors.clear()
            for values in self._latencies.values():
                values.clear()


def percentile(values: list[float], q: float) -> float:
    """Return the q-quantile (nearest rank) of `values`, or NaN when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _summarise(values: list[float], errors: int) -> dict[str, float]:
    mean = sum(values) / len(values) if values else float("nan")
    return {
        "count": len(values),
        "p50": percentile(values, 0.50),
        "p99": percentile(values, 0.99),
        "mean": mean,
        "errors": errors,
    }
