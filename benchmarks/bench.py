"""Print the emulator's figures from one run (`tox -e bench`): added latency per hop, throughput, start-up time.

    python benchmarks/bench.py [--pairs N] [--requests N]

- start-up: seconds from start to every /ping green, for abalone (2 containers) and support
  (3 containers + the moto DynamoDB stand-in); target: support under 5 s when its images exist.
- added latency per hop: the same request sent (a) straight to the containers one after another, as
  the emulator would chain them, and (b) through the emulator's API, interleaved; the difference per
  pair divided by the number of hops, p50 and p99; target: at most 1 ms at p50.
- throughput: whole-pipeline requests per second at concurrency 1, 8 and 32 (bounded counts, loopback).
- control plane (benchmarks/control_plane.py): CreateEndpoint -> InService for abalone (target <= 3 s),
  and a blue/green UpdateEndpoint's switch time under load. `--only control-plane` runs just these.
- transform (benchmarks/transform.py): rows/s of a transform job over 100,000 abalone rows vs the same
  mini-batches sent straight to the containers; target at least 90 %. `--only transform` runs just this.
Needs the images (`byoc build`); nothing leaves this host.
"""

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.hosting.service import LocalSageMaker  # noqa: E402
from emulator.hosting.variant import HostSettings  # noqa: E402
from emulator.config import FIXTURES_DIR  # noqa: E402
from emulator.hosting.endpoint import LocalEndpoint  # noqa: E402
from emulator.errors import ByocError  # noqa: E402
from emulator.invocation.chain import percentile  # noqa: E402
from benchmarks import control_plane, transform  # noqa: E402

PIPELINES = {
    "abalone": (FIXTURES_DIR / "pipelines/abalone.toml", FIXTURES_DIR / "abalone/featurizer/sample.csv", "text/csv"),
    "support": (FIXTURES_DIR / "pipelines/support.toml", FIXTURES_DIR / "support/preprocessor/sample.csv", "application/json"),
}
CONCURRENCY = (1, 8, 32)
TARGET_HOP_MS = 1.0
TARGET_READY_S = 5.0


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
    answer = caller.post(endpoint.url, f"/endpoints/{endpoint.name}/invocations", body,
                         {"Content-Type": "text/csv", "Accept": accept})
    return answer.data, (time.perf_counter() - started) * 1000


def added_latency(endpoint, body: bytes, accept: str, pairs: int) -> None:
    """Print each container's direct latency and the emulator's added latency per hop."""
    caller = Caller()
    for _ in range(10):                                     # warm both paths' connections
        direct_chain(caller, endpoint, body, accept)
        via_emulator(caller, endpoint, body, accept)
    per_container, added = [[] for _ in endpoint.containers], []
    for _ in range(pairs):
        direct_answer, spent = direct_chain(caller, endpoint, body, accept)
        emulated_answer, total = via_emulator(caller, endpoint, body, accept)
        if direct_answer != emulated_answer:
            raise RuntimeError("the emulator's answer differs from the direct chain's")
        for values, ms in zip(per_container, spent):
            values.append(ms)
        added.append((total - sum(spent)) / len(spent))
    for container, values in zip(endpoint.containers, per_container):
        print(f"  {container.hostname:14} direct   p50 {percentile(values, .5):7.2f} ms   p99 {percentile(values, .99):7.2f} ms")
    p50, p99 = percentile(added, .5), percentile(added, .99)
    verdict = "met" if p50 <= TARGET_HOP_MS else "MISSED"
    print(f"  added per hop by the emulator: p50 {p50:.3f} ms, p99 {p99:.3f} ms over {pairs} interleaved pairs "
          f"(target <= {TARGET_HOP_MS:g} ms at p50: {verdict})")


def throughput(endpoint, body: bytes, accept: str, requests: int) -> None:
    """Print requests per second and latency at each concurrency level."""
    caller = Caller(maxsize=max(CONCURRENCY))
    for workers in CONCURRENCY:
        count = max(requests, workers * 4)
        latencies: list[float] = []

        def one(_):
            latencies.append(via_emulator(caller, endpoint, body, accept)[1])

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, range(count)))
        seconds = time.perf_counter() - started
        print(f"  concurrency {workers:2}: {count / seconds:7.1f} req/s   p50 {percentile(latencies, .5):7.2f} ms   "
              f"p99 {percentile(latencies, .99):7.2f} ms   ({count} requests)")


def main(argv: list[str] | None = None) -> int:
    """Start both pipelines once and print every figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=300, help="interleaved direct/emulated pairs per pipeline")
    parser.add_argument("--requests", type=int, default=200, help="requests per concurrency level")
    parser.add_argument("--only", choices=("pipelines", "control-plane", "transform"), help="run one group of figures")
    args = parser.parse_args(argv)
    try:
        with LocalSageMaker(settings=HostSettings(stream_logs=False)) as api:
            if args.only in (None, "control-plane"):
                control_plane.report(api)
            if args.only in (None, "transform"):
                transform.report(api)
            for name, (definition, sample, accept) in PIPELINES.items() if args.only in (None, "pipelines") else ():
                body = sample.read_bytes()
                with LocalEndpoint(definition, sagemaker=api, stream_logs=False) as endpoint:
                    hops = " -> ".join(c.hostname for c in endpoint.containers)
                    print(f"\n{name} ({hops}), {len(body)}-byte body of {len(body.splitlines())} rows")
                    extra = " (3-container target < 5 s: " + ("met)" if endpoint.ready_s < TARGET_READY_S else "MISSED)") \
                        if len(endpoint.containers) == 3 else ""
                    print(f"  start to every /ping green: {endpoint.ready_s:.2f} s{extra}")
                    added_latency(endpoint, body, accept, args.pairs)
                    throughput(endpoint, body, accept, args.requests)
    except ByocError as err:
        print(f"bench: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
