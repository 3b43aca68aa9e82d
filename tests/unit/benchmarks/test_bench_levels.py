"""The throughput levels alternate the two paths, so a drift within a level falls on both alike."""

import threading
import time
from types import SimpleNamespace

from benchmarks import bench


def fake_paths(monkeypatch, slow_after: int | None = None):
    """Replace both paths by sleeps that record their order; past `slow_after` calls, every call is 3x slower."""
    order, calls, lock = [], [0], threading.Lock()

    def path(name: str, ms: float):
        def call(*_):
            with lock:
                if not order or order[-1] != name:
                    order.append(name)
                calls[0] += 1
                slow = slow_after is not None and calls[0] > slow_after
            time.sleep(ms * (3 if slow else 1) / 1000)

        return call

    monkeypatch.setattr(bench, "direct_chain", path("direct", 8.0))
    monkeypatch.setattr(bench, "via_emulator", path("emulated", 8.0))
    monkeypatch.setattr(bench, "Caller", lambda maxsize: None)
    monkeypatch.setattr(bench, "CONCURRENCY", (1,))
    return order


def test_each_level_alternates_the_paths_and_counts_every_request(monkeypatch):
    order = fake_paths(monkeypatch)
    [(workers, count, direct, emulated, latencies, windows)] = bench.measure_levels(SimpleNamespace(), b"", "", 40)
    # after the warm-up's five pairs: direct-emulated, emulated-direct, direct-emulated, emulated-direct
    assert order[-7:] == ["direct", "emulated", "direct", "emulated", "direct", "emulated", "direct"]
    assert workers == 1 and count == 40 == len(latencies)
    assert [n for _, _, n in windows["direct"]] == [10] * bench.ROUNDS == [n for _, _, n in windows["emulated"]]
    assert 0.55 < emulated / direct < 1.8  # the same sleep on both paths


def test_a_machine_that_slows_down_midway_slows_both_paths(monkeypatch):
    # 10 warm-up calls, then 80: everything after the first half of the level takes three times as long
    fake_paths(monkeypatch, slow_after=10 + 40)
    [(_, _, direct, emulated, _, _)] = bench.measure_levels(SimpleNamespace(), b"", "", 40)
    assert 0.55 < emulated / direct < 1.8  # one run of each path in turn would read about 1/3
