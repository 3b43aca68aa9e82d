"""The emulator's figures from one run: start-up, added latency per hop, throughput against the direct chain.

    python benchmarks/bench.py [--pairs N] [--requests N] [--only pipelines|control-plane]

(`tox -e bench` runs benchmarks/run_all.py, which runs this and benchmarks/serving.py.)
- start-up: seconds from CreateEndpoint's work starting to every /ping green, for abalone (2
  containers) and support (3 containers, the session's moto already up); target 3 s; and where
  that time went (benchmarks/startup.py).
- added latency per hop: the same request sent (a) straight to the containers one after another, as
  the emulator would chain them, and (b) through the emulator's API, interleaved; at p50 the median
  of the per-pair differences, at p99 the difference of the two paths' p99s, each divided by the
  number of hops; targets 0.5 ms at p50 and 2 ms at p99. (The p99 of the per-pair differences is
  printed too: it counts the containers' own jitter twice, once in each path of a pair, and
  grows with it even where the emulator adds nothing.)
- throughput: whole-pipeline requests per second at concurrency 1, 8 and 32 through the emulator
  and straight along the direct chain (the same containers, the same client in a child process),
  level by level, the two paths alternating in 4 rounds (direct first, then emulated first, ...),
  each level and path at most 10 s; target: the emulator at least 90 % of the direct chain.
  Beside each level, the CPU this process (the emulator) spent per request through it and per
  request of the direct chain (log following and shipping); the one at concurrency 8 is a figure.
- control plane (benchmarks/control_plane.py): CreateEndpoint -> InService for abalone (target 3 s),
  and a blue/green UpdateEndpoint's switch time under load.
Needs the images (`byoc build`); nothing leaves this host.
"""

import argparse
import itertools
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")  # everything started here is removed by label

from benchmarks import control_plane, startup  # noqa: E402
from benchmarks.cpu import CpuClock  # noqa: E402
from benchmarks.figures import Figure  # noqa: E402
from emulator.config import FIXTURES_DIR  # noqa: E402
from emulator.errors import ByocError  # noqa: E402
from emulator.hosting.endpoint import LocalEndpoint  # noqa: E402
from emulator.hosting.service import LocalSageMaker  # noqa: E402
from emulator.hosting.variant import HostSettings  # noqa: E402
from emulator.invocation.chain import percentile  # noqa: E402

PIPELINES = {
    "abalone": (FIXTURES_DIR / "pipelines/abalone.toml", FIXTURES_DIR / "abalone/featurizer/sample.csv", "text/csv"),
    "support": (
        FIXTURES_DIR / "pipelines/support.toml",
        FIXTURES_DIR / "support/preprocessor/sample.csv",
        "application/json",
    ),
}
CONCURRENCY = (1, 8, 32)
TARGET_HOP_P50_MS = 0.5
TARGET_HOP_P99_MS = 2.0
TARGET_READY_S = 3.0
TARGET_SHARE_PCT = 90.0
SECTION = "emulator"
CPU_FIGURE_CONCURRENCY = 8  # the level whose emulator CPU per request is a figure of the table
LEVEL_BUDGET_S = 10.0  # at most this long per concurrency level and path, whatever the count
ROUNDS = 4  # each level alternates the two paths this many times (direct first, then emulated first, ...)
PAIRS_BUDGET_S = 25.0  # at most this long for the interleaved pairs of one pipeline (at least 20 pairs)


def show(figure: Figure) -> Figure:
    """Print one figure's line; return it."""
    print(figure.line(), flush=True)
    return figure


class Caller:
    """Keep-alive HTTP POSTs to the containers and to the emulator, one pool per base URL."""

    def __init__(self, maxsize: int = 64):
        self.pools: dict[str, urllib3.HTTPConnectionPool] = {}
        self.maxsize = maxsize
        self.lock = threading.Lock()

    def post(self, base_url: str, path: str, body: bytes, headers: dict) -> urllib3.BaseHTTPResponse:
        with self.lock:
            if base_url not in self.pools:
                self.pools[base_url] = urllib3.connection_from_url(base_url, maxsize=self.maxsize, retries=False)
        answer = self.pools[base_url].urlopen("POST", path, body=body, headers=headers, retries=False)
        if answer.status != 200:
            raise RuntimeError(f"{base_url}{path} answered {answer.status}: {answer.data[:200]!r}")
        return answer


def direct_chain(caller: Caller, endpoint, body: bytes, accept: str) -> tuple[bytes, list[float]]:
    """Call each container in turn as the emulator does; return the answer and each container's ms."""
    content_type, spent = "text/csv", []
    for i, container in enumerate(endpoint.containers):
        headers = {"Content-Type": content_type}
        if i == len(endpoint.containers) - 1:
            headers["Accept"] = accept
        started = time.perf_counter()
        answer = caller.post(container.url, "/invocations", body, headers)
        spent.append((time.perf_counter() - started) * 1000)
        body, content_type = answer.data, answer.headers.get("Content-Type", "")
    return body, spent


def via_emulator(caller: Caller, endpoint, body: bytes, accept: str) -> tuple[bytes, float]:
    """Call the endpoint through the emulator's API; return the answer and the ms it took."""
    started = time.perf_counter()
    answer = caller.post(
        endpoint.url, f"/endpoints/{endpoint.name}/invocations", body, {"Content-Type": "text/csv", "Accept": accept}
    )
    return answer.data, (time.perf_counter() - started) * 1000


def added_latency(name: str, endpoint, body: bytes, accept: str, pairs: int) -> list[Figure]:
    """Print each container's direct latency and the emulator's added latency per hop, p50 and p99."""
    caller = Caller()
    for _ in range(10):  # warm both paths' connections
        direct_chain(caller, endpoint, body, accept)
        via_emulator(caller, endpoint, body, accept)
    per_container, direct_sums, emulated = [[] for _ in endpoint.containers], [], []
    deadline = time.monotonic() + PAIRS_BUDGET_S
    for _ in range(pairs):
        if len(emulated) >= 20 and time.monotonic() > deadline:  # a slow pipeline on a busy machine: fewer pairs
            break
        direct_answer, spent = direct_chain(caller, endpoint, body, accept)
        emulated_answer, total = via_emulator(caller, endpoint, body, accept)
        if direct_answer != emulated_answer:
            raise RuntimeError("the emulator's answer differs from the direct chain's")
        for values, ms in zip(per_container, spent, strict=True):
            values.append(ms)
        direct_sums.append(sum(spent))
        emulated.append(total)
    for container, values in zip(endpoint.containers, per_container, strict=True):
        print(
            f"  {container.hostname:14} direct   p50 {percentile(values, 0.5):7.2f} ms"
            f"   p99 {percentile(values, 0.99):7.2f} ms"
        )
    hops = len(endpoint.containers)
    added = [(total - direct) / hops for total, direct in zip(emulated, direct_sums, strict=True)]
    direct_p99, emulated_p99 = percentile(direct_sums, 0.99), percentile(emulated, 0.99)
    print(
        f"  whole request  direct p99 {direct_p99:7.2f} ms, through the emulator p99 {emulated_p99:7.2f} ms; "
        f"the p99 of the per-pair differences / hops (the containers' own jitter counted twice) "
        f"{percentile(added, 0.99):.2f} ms"
    )
    return [
        show(
            Figure(
                SECTION,
                f"{name}: added latency per hop, p50 ({len(added)} pairs)",
                percentile(added, 0.5),
                "ms",
                TARGET_HOP_P50_MS,
            )
        ),
        show(
            Figure(
                SECTION,
                f"{name}: added latency per hop, p99 ({len(added)} pairs)",
                (emulated_p99 - direct_p99) / hops,
                "ms",
                TARGET_HOP_P99_MS,
            )
        ),
    ]


def rate(call, workers: int, count: int, budget_s: float) -> tuple[int, float, list[float]]:
    """Run `call` up to `count` times (and for at most `budget_s`) on `workers` threads; return calls, seconds, ms."""
    latencies: list[float] = []
    issued = itertools.count()
    started = time.perf_counter()
    deadline = started + budget_s

    def loop():
        while next(issued) < count and time.perf_counter() < deadline:
            begun = time.perf_counter()
            call()
            latencies.append((time.perf_counter() - begun) * 1000)

    threads = [threading.Thread(target=loop) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), time.perf_counter() - started, latencies


def measure_levels(target: SimpleNamespace, body: bytes, accept: str, requests: int) -> list[tuple]:
    """Return (concurrency, requests, direct req/s, emulated req/s, emulated ms, windows) per level; runs in a child.

    Each level alternates the two paths in ROUNDS rounds, in the order direct-emulated, then
    emulated-direct, and so on: a drift of the machine or of the containers over the level (moto's
    tables and log streams grow, a neighbour wakes up) falls on both paths alike instead of on the one
    that runs second. A path's rate is its requests over its seconds, summed over the rounds.
    `windows` are the wall-clock (time.time) spans of each path's runs, so the emulator's process can
    tell how much CPU it spent in each.
    """
    caller = Caller(maxsize=max(CONCURRENCY))
    paths = {
        "direct": lambda: direct_chain(caller, target, body, accept),
        "emulated": lambda: via_emulator(caller, target, body, accept),
    }
    for _ in range(5):  # warm both paths' connections
        for call in paths.values():
            call()
    levels = []
    for workers in CONCURRENCY:
        per_round = max(-(-requests // ROUNDS), workers * 4)
        done = {path: [0, 0.0] for path in paths}
        windows: dict[str, list[tuple[float, float, int]]] = {path: [] for path in paths}
        latencies: list[float] = []
        for round_ in range(ROUNDS):
            for path in sorted(paths, reverse=bool(round_ % 2)):  # direct first in even rounds
                begun = time.time()
                count, seconds, ms = rate(paths[path], workers, per_round, LEVEL_BUDGET_S / ROUNDS)
                windows[path].append((begun, time.time(), count))
                done[path][0] += count
                done[path][1] += seconds
                if path == "emulated":
                    latencies += ms
        direct, emulated = (done[path][0] / done[path][1] for path in ("direct", "emulated"))
        levels.append((workers, done["emulated"][0], direct, emulated, latencies, windows))
    return levels


def throughput(name: str, endpoint, body: bytes, accept: str, requests: int) -> list[Figure]:
    """Print requests per second through the emulator and along the direct chain at each concurrency level.

    The load comes from a child process, as from a user's own program: the client's threads then do
    not share this process's interpreter lock with the emulator serving them.
    """
    target = SimpleNamespace(
        url=endpoint.url, name=endpoint.name, containers=[SimpleNamespace(url=c.url) for c in endpoint.containers]
    )
    with (
        ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as child,
        CpuClock() as clock,
    ):
        levels = child.submit(measure_levels, target, body, accept, requests).result()
    figures, cpu_figure = [], None
    for workers, count, direct, emulated, latencies, windows in levels:
        cpu_direct, cpu_emulated = (
            1000
            * sum(clock.spent(start, end) for start, end, _ in windows[path])
            / max(sum(n for _, _, n in windows[path]), 1)
            for path in ("direct", "emulated")
        )
        print(
            f"  concurrency {workers:2}: emulator {emulated:7.1f} req/s (p50 {percentile(latencies, 0.5):6.2f} ms, "
            f"p99 {percentile(latencies, 0.99):6.2f} ms), direct chain {direct:7.1f} req/s; "
            f"{count} through the emulator; the emulator's process spent {cpu_emulated:.2f} ms CPU a request "
            f"through it, and {cpu_direct:.2f} ms a request while the direct chain ran (following and "
            "shipping the containers' log lines)"
        )
        if workers == CPU_FIGURE_CONCURRENCY:
            cpu_figure = Figure(
                SECTION,
                f"{name}: emulator CPU per request at concurrency {workers} (its whole process)",
                cpu_emulated,
                "ms",
                note=f"{cpu_direct:.2f} ms a request of the direct chain: log following and shipping",
            )
        figures.append(
            show(
                Figure(
                    SECTION,
                    f"{name}: throughput at concurrency {workers}, share of the direct chain",
                    100 * emulated / direct,
                    "%",
                    TARGET_SHARE_PCT,
                    True,
                    note=f"{emulated:.0f} vs {direct:.0f} req/s",
                )
            )
        )
    return figures + ([show(cpu_figure)] if cpu_figure is not None else [])


def pipelines(api: LocalSageMaker, pairs: int, requests: int) -> tuple[list[Figure], list[str]]:
    """Start each pipeline once; return its figures and where its start time went (markdown lines)."""
    figures, notes = [], []
    for name, (definition, sample, accept) in PIPELINES.items():
        body = sample.read_bytes()
        with LocalEndpoint(definition, sagemaker=api, stream_logs=False) as endpoint:
            hops = " -> ".join(c.hostname for c in endpoint.containers)
            print(f"\n{name} ({hops}), {len(body)}-byte body of {len(body.splitlines())} rows", flush=True)
            figures.append(
                show(
                    Figure(
                        SECTION,
                        f"{name}: start to every /ping green",
                        endpoint.ready_s,
                        "s",
                        TARGET_READY_S,
                        note=f"{len(endpoint.containers)} containers",
                    )
                )
            )
            steps = startup.breakdown(endpoint.group)
            print("  where the start time went (s from the start of the work):\n" + startup.render(steps))
            notes.append(
                f"- {name}: "
                + "; ".join(
                    f"{row} " + ", ".join(f"{step} {seconds:.2f}" for step, seconds in row_steps)
                    for row, row_steps in steps
                )
            )
            figures += added_latency(name, endpoint, body, accept, pairs)
            figures += throughput(name, endpoint, body, accept, requests)
    return figures, notes


def run(
    pairs: int = 300, requests: int = 200, only: str | None = None, runs: int = 3
) -> tuple[list[Figure], list[str]]:
    """Start a local SageMaker, print every figure of the emulator; return them and the start-time notes."""
    figures, notes = [], []
    with LocalSageMaker(settings=HostSettings(stream_logs=False)) as api:
        if only != "control-plane":
            found, notes = pipelines(api, pairs, requests)
            figures += found
        if only != "pipelines":
            figures += [show(figure) for figure in control_plane.report(api, runs)]
    return figures, notes


def main(argv: list[str] | None = None) -> int:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=300, help="interleaved direct/emulated pairs per pipeline")
    parser.add_argument("--requests", type=int, default=200, help="requests per concurrency level and path")
    parser.add_argument("--only", choices=("pipelines", "control-plane"), help="run one group of figures")
    args = parser.parse_args(argv)
    try:
        run(args.pairs, args.requests, args.only)
    except ByocError as err:
        print(f"bench: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
