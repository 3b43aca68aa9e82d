"""A bounded fault campaign on loopback (`tox -e faults`): prints each figure with its target and ratio.

    python benchmarks/faults.py [--cycles 20] [--malformed 10000] [--threads 32] [--per-thread 1000] [--kills 3]

- bystanders and leaks: two containers byoc did not start (one from our image, one `docker create`)
  must survive; after N deploy/remove cycles of abalone nothing labelled for those endpoints is
  left (containers, networks), and threads and open files are back where they were.
- malformed HTTP: N malformed requests (the framing cases and random garbage) at the Runtime API,
  sent from a child process; count 5xx answers, and the RSS of this process (which serves the API,
  and only that: a client in the same process grew its RSS by ~2 KB a request) before and after.
- load: T threads x R requests through abalone (keep-alive); a request is lost when it gets no 200.
- a killed container: abalone's predictor killed under a steady load; seconds from the kill to the
  first error, and to the first answer after it (service restored by the replacement).
Needs the images (`byoc build`); every container it starts is labelled and removed; nothing leaves
this host. Exit status 1 when a target is missed.
"""

import argparse
import gc
import multiprocessing
import os
import random
import socket
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.config import ENDPOINT_LABEL, FIXTURES_DIR, LABEL, LABEL_VALUE  # noqa: E402
from emulator.hosting.service import LocalSageMaker  # noqa: E402
from emulator.hosting.variant import HostSettings  # noqa: E402

DEFINITION = FIXTURES_DIR / "pipelines/abalone.toml"
SAMPLE = (FIXTURES_DIR / "abalone/featurizer/sample.csv").read_text().splitlines()[0].encode()
RSS_GROWTH_MB = 20.0  # our target for "memory stays flat" over the malformed requests
TARGETS = {"bystanders removed": 0, "leaks": 0, "emulator 5xx": 0, "lost": 0, "first error s": 1.0, "restored s": 10.0}


def rss_mb() -> float:
    """Return this process's resident memory in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def open_files() -> int:
    """Return this process's open descriptors once garbage is collected (Docker clients sit in reference cycles)."""
    gc.collect()
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


class Report:
    """Figures with their targets; `ok` is False once one misses."""

    def __init__(self):
        self.ok = True

    def line(self, figure: str, value: float, target: float, unit: str = "", note: str = "") -> None:
        met = value <= target
        self.ok &= met
        ratio = f"{value / target:.2f}" if target else ("0" if value == 0 else "inf")
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(
            f"  {figure:38} {shown:>10}{unit:2} target <= {target:g}{unit:2} ratio {ratio:>5} "
            f"{'met' if met else 'MISSED'}{('  ' + note) if note else ''}",
            flush=True,
        )


def labelled(client, endpoint: str) -> list[str]:
    filters = {"label": [f"{LABEL}={LABEL_VALUE}", f"{ENDPOINT_LABEL}={endpoint}"]}
    return [c.attrs["Names"][0] for c in client.containers.list(all=True, filters=filters, sparse=True)] + [
        n.name for n in client.networks.list(filters=filters)
    ]


def cycles(sm: LocalSageMaker, client, count: int, report: Report) -> None:
    print(f"{count} deploy/remove cycles of abalone, with two bystanders ...", flush=True)
    tag = f"faults-{os.getpid()}"
    bystanders = [
        client.containers.run("byoc/predictor:latest", "serve", name=f"{tag}-hand-run", detach=True),
        client.containers.create("byoc/base:bookworm", "true", name=f"{tag}-created"),
    ]
    try:
        threads, files = threading.active_count(), open_files()
        names, started, warm = [], time.monotonic(), min(10, count // 2)
        for i in range(count):
            if i == warm:  # Docker clients' connection pools fill during the first cycles, then stay
                threads, files = threading.active_count(), open_files()
            name = f"{tag}-cycle-{i}"
            names.append(name)
            sm.deploy(DEFINITION, name)
            sm.remove(name)
        time.sleep(1.0)  # daemon log followers end with their containers
        left = sum(len(labelled(client, name)) for name in names)
        ids = {c.id for c in client.containers.list(all=True, sparse=True)}
        gone = sum(b.id not in ids for b in bystanders)
        print(
            f"  ({time.monotonic() - started:.0f} s; after {warm} warm-up cycles: threads {threads} -> "
            f"{threading.active_count()}, open files {files} -> {open_files()})",
            flush=True,
        )
        report.line("bystanders removed", gone, TARGETS["bystanders removed"])
        report.line(f"leaks after {count} cycles (containers+nets)", left, TARGETS["leaks"])
    finally:
        for bystander in bystanders:
            bystander.remove(force=True)


MALFORMED = [
    b"Content-Length: \xc2\xb2\r\n\r\nab",
    b"Content-Length: -1\r\n\r\nabc",
    b"Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde",
    b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
    b"Content-Length: 10\r\n\r\nabc",
    b"Transfer-Encoding: gzip\r\n\r\nabc",
    b"X-Big: " + b"a" * 70000 + b"\r\n\r\n",
    b"Content-Length: 100663296\r\n\r\n",
]


def exchange(port: int, raw: bytes) -> int | None:
    """Send raw bytes, half-close, return the status answered (None: closed without one)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(raw)
        conn.shutdown(socket.SHUT_WR)
        data = b""
        while len(data) < 64 and (chunk := conn.recv(65536)):
            data += chunk
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def send_malformed(port: int, endpoint: str, count: int) -> list[int | None]:
    """Send `count` malformed requests (in a child process); return the status of each (None: no answer)."""
    rng = random.Random(12)
    head = b"POST /endpoints/" + endpoint.encode() + b"/invocations HTTP/1.1\r\nHost: x\r\n"
    methods = [b"OPTIONS", b"TRACE", b"BREW"]

    def one(i: int) -> int | None:
        kind = i % 13
        if kind < len(MALFORMED):
            raw = head + MALFORMED[kind]
        elif kind == 10:
            raw = methods[i % 3] + head[4:] + b"\r\n"
        else:
            raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))) + b"\r\n\r\n"
        return exchange(port, raw)

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(count)))


def malformed(sm: LocalSageMaker, endpoint: str, count: int, report: Report) -> None:
    print(f"{count} malformed requests at the Runtime API ...", flush=True)
    gc.collect()
    before, started = rss_mb(), time.monotonic()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as client:
        statuses = client.submit(send_malformed, sm.server.port, endpoint, count).result()
    gc.collect()
    after = rss_mb()
    fives = sum(1 for s in statuses if s is not None and s >= 500)
    no_answer = sum(1 for s in statuses if s is None)
    spent = time.monotonic() - started
    print(f"  ({spent:.0f} s; {no_answer} closed without an answer: random bytes that are not HTTP)", flush=True)
    report.line("emulator 5xx answers", fives, TARGETS["emulator 5xx"])
    report.line("RSS growth (MB)", round(after - before, 1), RSS_GROWTH_MB, "", f"{before:.0f} -> {after:.0f} MB")


def load(sm: LocalSageMaker, endpoint: str, threads: int, per_thread: int, report: Report) -> None:
    print(f"{threads} x {per_thread} requests through abalone ...", flush=True)
    pool = urllib3.HTTPConnectionPool("127.0.0.1", sm.server.port, maxsize=threads, retries=False)
    path, headers = f"/endpoints/{endpoint}/invocations", {"Content-Type": "text/csv", "Accept": "text/csv"}

    reasons: Counter[str] = Counter()

    def worker(_) -> int:
        lost = 0
        for _ in range(per_thread):
            try:
                answer = pool.urlopen("POST", path, body=SAMPLE, headers=headers, timeout=60)
                if answer.status != 200:
                    lost += 1
                    reasons[f"{answer.status} {answer.data[:160].decode(errors='replace')}"] += 1
            except urllib3.exceptions.HTTPError as err:
                lost += 1
                reasons[f"no answer: {type(err).__name__}: {str(err)[:120]}"] += 1
        return lost

    started = time.monotonic()
    with ThreadPoolExecutor(threads) as executor:
        lost = sum(executor.map(worker, range(threads)))
    spent = time.monotonic() - started
    for reason, times in reasons.most_common(5):
        print(f"  lost {times} x: {reason}", flush=True)
    rate = f"{threads * per_thread / spent:.0f} req/s"
    report.line(f"lost of {threads} x {per_thread}", lost, TARGETS["lost"], "", rate)


def kill(sm: LocalSageMaker, client, endpoint: str, report: Report, pause_first: bool) -> None:
    group = sm.endpoints.get(endpoint).deployment.hosts[0].group
    victim = client.containers.get(group.container_id("predictor"))
    pool = urllib3.HTTPConnectionPool("127.0.0.1", sm.server.port, maxsize=8, retries=False)
    path, headers = f"/endpoints/{endpoint}/invocations", {"Content-Type": "text/csv", "Accept": "text/csv"}
    first_error: list[float] = []
    restored: list[float] = []
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            try:
                status = pool.urlopen("POST", path, body=SAMPLE, headers=headers, timeout=60).status
            except urllib3.exceptions.HTTPError:
                status = 0  # the emulator itself did not answer
            now = time.monotonic()
            if status != 200 and not first_error:
                first_error.append(now)
            elif status == 200 and first_error and not restored:
                restored.append(now)

    callers = [threading.Thread(target=worker, daemon=True) for _ in range(4)]
    for caller in callers:
        caller.start()
    time.sleep(1.0)
    if pause_first:
        victim.pause()  # the calls under way hang on it ...
        time.sleep(0.5)
    killed = time.monotonic()
    victim.kill()  # ... until it dies
    deadline = killed + 30
    while not restored and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    for caller in callers:
        caller.join(60)
    how = "paused then killed" if pause_first else "killed"
    to_error = first_error[0] - killed if first_error else float("inf")
    to_restored = restored[0] - killed if restored else float("inf")
    report.line(f"{how}: kill -> first error (s)", round(to_error, 3), TARGETS["first error s"])
    report.line(f"{how}: kill -> restored (s)", round(to_restored, 3), TARGETS["restored s"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--malformed", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--per-thread", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=2, help="kill measurements (alternating plain / paused)")
    args = parser.parse_args(argv)
    import docker

    client, report = docker.from_env(), Report()
    settings = HostSettings(stream_logs=False, say=lambda text: print("  " + text.splitlines()[0], flush=True))
    with LocalSageMaker(settings=settings) as sm:
        print(f"fault campaign on {sm.url} (loopback only)", flush=True)
        if args.cycles:
            cycles(sm, client, args.cycles, report)
        endpoint = f"faults-{os.getpid()}"
        sm.deploy(DEFINITION, endpoint)
        if args.malformed:
            malformed(sm, endpoint, args.malformed, report)
        if args.threads and args.per_thread:
            load(sm, endpoint, args.threads, args.per_thread, report)
        for i in range(args.kills):
            kill(sm, client, endpoint, report, pause_first=bool(i % 2))
            time.sleep(1.0)
    print("all targets met" if report.ok else "some targets MISSED", flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
