"""Transform-job throughput: rows/s of a CreateTransformJob over N abalone rows vs the same mini-batches sent straight.

    python benchmarks/transform.py [--rows 100000] [--files 100] [--concurrency 2] [--rounds 2]
    python benchmarks/run_all.py --only transform

- transform: the rows (the abalone test set repeated, label dropped) as `--files` CSV objects in the
  local S3; CreateTransformJob with SplitType Line, MultiRecord, MaxConcurrentTransforms `--concurrency`,
  through boto3; rows/s over the job's data phase (the runner's time: S3 reads, mini-batches through the
  featurizer -> predictor chain, `.out` writes), and from TransformStartTime to TransformEndTime (with
  the containers' start and removal) for reference.
- direct: the same mini-batches (emulator.transform.batching over the same objects, so the same sizes)
  POSTed straight to the containers of a freshly started abalone endpoint (a job starts its own
  containers too), featurizer then predictor, with the same concurrency, keep-alive connections;
  rows/s over the wall time; a second pass on the now warm containers, and a third in which each
  worker also reads its object from the local S3 and writes the answers back (boto3, as the job does),
  are printed for reference: the difference between those two is what the S3 traffic costs.
- the ratio transform / direct per round (a direct run, then a job, adjacent in time, so a machine
  shared with other work loads both alike), and their median (target at least 90 %).
- the local S3's cost per call, for reference (what bounds the ratio with many small objects): a
  PutObject and a GetObject of one input object's size, one after another, against the session's moto
  as the job calls it; wall time, this process's CPU (boto3) and the moto container's CPU per call.
Needs the images (`byoc build`); nothing leaves this host.
"""

import argparse
import csv
import io
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.control_plane import create_model  # noqa: E402
from emulator.config import FIXTURES_DIR  # noqa: E402
from emulator.transform.batching import make_batches  # noqa: E402
from emulator.transform.records import split  # noqa: E402

ABALONE = FIXTURES_DIR / "abalone"
TARGET_RATIO = 0.90
BUCKET = "bench-transform"
S3_COST_CALLS = 100  # PutObject + GetObject pairs timed for the local S3's cost per call
CPUS = os.cpu_count() or 1  # the CPUs /proc/stat sums over (busy_cpu_seconds), not only those this process may use


def abalone_objects(rows: int, files: int) -> list[bytes]:
    """Return `rows` abalone rows (8 features, the test set repeated) as `files` CSV bodies."""
    _, *test = [row for row in csv.reader(io.StringIO((ABALONE / "data/test.csv").read_text())) if row]
    lines = [",".join(row[:8]) + "\n" for row in test]
    every = [lines[i % len(lines)] for i in range(rows)]
    per = -(-rows // files)
    return ["".join(every[i : i + per]).encode() for i in range(0, rows, per)]


def run_transform(sagemaker, model: str, name: str, concurrency: int, payload_mb: int) -> dict:
    """Run one job over s3://BUCKET/in/; return its data-phase seconds, start-to-end seconds and rows written."""
    sm, s3 = sagemaker.client("sagemaker"), sagemaker.client("s3")
    sm.create_transform_job(
        TransformJobName=name,
        ModelName=model,
        BatchStrategy="MultiRecord",
        MaxConcurrentTransforms=concurrency,
        MaxPayloadInMB=payload_mb,
        TransformInput={
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/in/"}},
            "ContentType": "text/csv",
            "SplitType": "Line",
        },
        TransformOutput={"S3OutputPath": f"s3://{BUCKET}/out/{name}", "Accept": "text/csv", "AssembleWith": "Line"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
    )
    sm.get_waiter("transform_job_completed_or_stopped").wait(
        TransformJobName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 3000}
    )
    described = sm.describe_transform_job(TransformJobName=name)
    if described["TransformJobStatus"] != "Completed":
        raise RuntimeError(f"{name}: {described['TransformJobStatus']}: {described.get('FailureReason')}")
    written = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=f"out/{name}/"):
        for item in page.get("Contents", []):
            written += s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read().count(b"\n")
    job = sagemaker.transform_jobs.get(name)
    return {"seconds": job.result.seconds, "end_to_end": job.ended - job.started, "rows": written}


def run_direct(containers, bodies: list[bytes], concurrency: int, payload_mb: int) -> dict:
    """POST the same mini-batches straight to the containers, featurizer then predictor; return seconds, rows."""
    import urllib3

    pools = [urllib3.connection_from_url(c.url, maxsize=concurrency, retries=False) for c in containers]
    batches = [
        b.body
        for i, body in enumerate(bodies)
        for b in make_batches(f"part-{i}", split(body, "Line"), "MultiRecord", payload_mb)
    ]

    def chain(body: bytes) -> int:
        content_type = "text/csv"
        for i, pool in enumerate(pools):
            headers = {"Content-Type": content_type, **({"Accept": "text/csv"} if i == len(pools) - 1 else {})}
            answer = pool.urlopen("POST", "/invocations", body=body, headers=headers, retries=False)
            if answer.status != 200:
                raise RuntimeError(f"{containers[i].hostname} answered {answer.status}: {answer.data[:200]!r}")
            body, content_type = answer.data, answer.headers.get("Content-Type", "")
        return body.count(b"\n")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        rows = sum(pool.map(chain, batches))
    return {"seconds": time.perf_counter() - started, "rows": rows, "batches": len(batches)}


def run_direct_s3(containers, s3, keys: list[str], concurrency: int, payload_mb: int) -> dict:
    """As run_direct, but each worker also reads its object from the local S3 and writes the answers back."""
    import urllib3

    pools = [urllib3.connection_from_url(c.url, maxsize=concurrency, retries=False) for c in containers]

    def one(key: str) -> int:
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        answers = []
        for batch in make_batches(key, split(body, "Line"), "MultiRecord", payload_mb):
            data, content_type = batch.body, "text/csv"
            for i, pool in enumerate(pools):
                headers = {"Content-Type": content_type, **({"Accept": "text/csv"} if i == len(pools) - 1 else {})}
                answer = pool.urlopen("POST", "/invocations", body=data, headers=headers, retries=False)
                data, content_type = answer.data, answer.headers.get("Content-Type", "")
            answers.append(data)
        s3.put_object(Bucket=BUCKET, Key=f"direct-out/{key}.out", Body=b"".join(answers))
        return sum(a.count(b"\n") for a in answers)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        rows = sum(pool.map(one, keys))
    return {"seconds": time.perf_counter() - started, "rows": rows}


def busy_cpu_seconds() -> float | None:
    """Return the CPU seconds every process of this machine has spent so far (/proc/stat), or None elsewhere."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def measured(run, *args) -> dict:
    """Run `run(*args)`; add `busy`, the machine's CPU seconds spent meanwhile (None where unknown)."""
    before = busy_cpu_seconds()
    result = run(*args)
    after = busy_cpu_seconds()
    return {**result, "busy": None if before is None or after is None else after - before}


def local_s3_cost(sagemaker, s3, body: bytes, calls: int = S3_COST_CALLS) -> dict[str, float]:
    """Return the local S3's milliseconds per call through `s3` (a client straight to the session's moto, as the
    job's reads and writes go): wall, this process's CPU, the moto container's CPU.
    """
    import docker

    engine = docker.from_env()
    try:
        container = engine.containers.get(sagemaker.aws.handle.id)

        def moto_cpu() -> float:
            return container.stats(stream=False)["cpu_stats"]["cpu_usage"]["total_usage"] / 1e9

        moto, ours, wall = moto_cpu(), time.process_time(), time.perf_counter()
        for i in range(calls):
            s3.put_object(Bucket=BUCKET, Key=f"cost/{i}", Body=body)
            s3.get_object(Bucket=BUCKET, Key=f"cost/{i}")["Body"].read()
        wall, ours, moto = time.perf_counter() - wall, time.process_time() - ours, moto_cpu() - moto
    finally:
        engine.close()
    per_call = 1000 / (2 * calls)
    return {"wall_ms": wall * per_call, "ours_ms": ours * per_call, "moto_ms": moto * per_call}


def report(
    sagemaker, rows: int = 100_000, files: int = 100, concurrency: int = 2, rounds: int = 3, payload_mb: int = 6
) -> tuple[float, float | None, dict[str, float]]:
    """Print transform vs direct rows/s on a running LocalSageMaker; return the median ratio, the most a job can
    reach at this layout (None where the machine's CPU time cannot be read) and the S3 cost.
    """
    from emulator.hosting.endpoint import LocalEndpoint

    s3 = sagemaker.client("s3")
    straight = sagemaker.aws.client("s3")  # to moto itself, as a job reads and writes, not through the one URL
    s3.create_bucket(Bucket=BUCKET)
    bodies = abalone_objects(rows, files)
    keys = [f"in/part-{i:04}.csv" for i in range(len(bodies))]
    for key, body in zip(keys, bodies, strict=True):
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    create_model(sagemaker.client("sagemaker"), "bench-transform")
    print(
        f"\ntransform job vs direct calls: {rows} abalone rows in {len(bodies)} objects, MultiRecord, "
        f"MaxPayloadInMB {payload_mb}, concurrency {concurrency}"
    )
    transform, direct, ceilings = [], [], []
    for r in range(rounds):
        # fresh containers for the direct run too: a job starts its own, and a container's first requests
        # (workers warming up) are slower than later ones; the warm figure is printed for reference
        with LocalEndpoint(
            FIXTURES_DIR / "pipelines/abalone.toml",
            name=f"bench-transform-direct-{r}",
            sagemaker=sagemaker,
            stream_logs=False,
        ) as endpoint:
            d = run_direct(endpoint.containers, bodies, concurrency, payload_mb)
            warm = run_direct(endpoint.containers, bodies, concurrency, payload_mb)
            with_s3 = measured(run_direct_s3, endpoint.containers, straight, keys, concurrency, payload_mb)
        direct.append(d)
        if with_s3["busy"]:
            # a job moves the same objects through the same S3 and the same containers: it needs at least the
            # CPU the direct calls with S3 took, and cannot be faster than that CPU spread over every core
            ceilings.append(d["seconds"] * CPUS / with_s3["busy"])
        print(
            f"  round {r + 1} direct:    {d['rows'] / d['seconds']:9.0f} rows/s  ({d['seconds']:.2f} s, "
            f"{d['batches']} mini-batches, fresh containers; {warm['rows'] / warm['seconds']:.0f} rows/s warm; "
            f"{with_s3['rows'] / with_s3['seconds']:.0f} rows/s warm with each object read from and its answer "
            "written to the local S3 by the caller)"
        )
        t = run_transform(sagemaker, "bench-transform", f"bench-transform-{r}", concurrency, payload_mb)
        transform.append(t)
        print(
            f"  round {r + 1} transform: {t['rows'] / t['seconds']:9.0f} rows/s  ({t['seconds']:.2f} s data "
            f"phase; {t['end_to_end']:.2f} s TransformStartTime -> TransformEndTime with the containers' "
            f"start and removal; {t['rows']} rows written)"
        )
    ratios = [t["rows"] / t["seconds"] / (d["rows"] / d["seconds"]) for t, d in zip(transform, direct, strict=True)]
    ratio = statistics.median(ratios)
    verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
    per_round = ", ".join(f"{r:.1%}" for r in ratios)
    print(
        f"  transform / direct per round (adjacent runs): {per_round}; median {ratio:.1%} "
        f"(target >= {TARGET_RATIO:.0%}: {verdict})"
    )
    ceiling = statistics.median(ceilings) if ceilings else None
    if ceiling is not None:
        bounds = ", ".join(f"{c:.1%}" for c in ceilings)
        print(
            f"  the most a job can reach here: {ceiling:.1%} (per round {bounds}). "
            "The direct calls that also read each object from the local S3 and write its answers back cost this "
            f"machine that many CPU-seconds; a job does the same work, so on {CPUS} CPUs it takes at least "
            f"those CPU-seconds / {CPUS}, against the direct calls' seconds without S3"
        )
    cost = local_s3_cost(sagemaker, straight, bodies[0])
    print(
        f"  the local S3 per call (a PutObject and a GetObject of {len(bodies[0]):,} bytes, {S3_COST_CALLS} each, "
        f"as the job makes for every object): wall {cost['wall_ms']:.2f} ms; CPU {cost['ours_ms']:.2f} ms in this "
        f"process (boto3), {cost['moto_ms']:.2f} ms in moto's container"
    )
    return ratio, ceiling, cost


def main(argv: list[str] | None = None) -> int:
    """Start a LocalSageMaker, print the figures."""
    from emulator.errors import ByocError
    from emulator.hosting.service import LocalSageMaker
    from emulator.hosting.variant import HostSettings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=100, help="input objects the rows are spread over")
    parser.add_argument("--concurrency", type=int, default=2, help="MaxConcurrentTransforms, and direct workers")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-payload-in-mb", type=int, default=6)
    args = parser.parse_args(argv)
    try:
        with LocalSageMaker(settings=HostSettings(stream_logs=False)) as sagemaker:
            report(sagemaker, args.rows, args.files, args.concurrency, args.rounds, args.max_payload_in_mb)
    except ByocError as err:
        print(f"bench: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
