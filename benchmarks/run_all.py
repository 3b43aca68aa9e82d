"""Every figure of the performance issue from one command (`tox -e bench`), each with its target and ratio.

    python benchmarks/run_all.py [--quick] [--readme] [--output benchmarks/figures.md] [--only SECTION ...]

Sections (--only): `containers` (benchmarks/serving.py: straight to the containers: codecs, the stack's own
cost, one-row latency, rows per second, image sizes), `emulator` (benchmarks/bench.py: start to
every /ping green and where the time went, added latency per hop, throughput against the direct
chain), `control-plane` (benchmarks/control_plane.py: CreateEndpoint -> InService, the blue/green
update's switch) and `transform` (benchmarks/transform.py: a transform job's rows/s against the same
mini-batches sent straight to the containers). Writes the figures as a markdown table to --output;
--readme also puts that table into README.md between `<!-- figures:start -->` and
`<!-- figures:end -->`. docs/performance.md says what each figure means. Needs the images
(`byoc build`); nothing leaves this host.
"""

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # this process's XGBoost must not spin on the containers' CPUs
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")  # everything started here is removed by label

from benchmarks import bench, serving, transform  # noqa: E402
from benchmarks.figures import Figure, markdown, replace_table  # noqa: E402
from emulator.errors import ByocError  # noqa: E402

SECTIONS = ("containers", "emulator", "control-plane", "transform")
# (one-row requests per container figure, direct/emulated pairs per pipeline, requests per concurrency level
#  and path, CreateEndpoint runs); pairs and levels are also bounded in time (bench.PAIRS_BUDGET_S,
#  bench.LEVEL_BUDGET_S), so the full run stays near 5 minutes on two busy CPUs
COUNTS = {"full": (300, 300, 200, 3), "quick": (60, 60, 40, 1)}
TRANSFORM = {"full": (100_000, 3), "quick": (20_000, 1)}  # rows, rounds of the transform comparison


def conditions() -> str:
    """Return when and on what the figures were measured."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{when}, {os.cpu_count()} CPUs, load average {load}"


def measure(sections: tuple[str, ...], quick: bool) -> tuple[list[Figure], list[str]]:
    """Run the chosen sections; return their figures and the notes on where start time went."""
    requests, pairs, levels, runs = COUNTS["quick" if quick else "full"]
    figures: list[Figure] = []
    notes: list[str] = []
    if "containers" in sections:
        print("== containers (straight to each container, over keep-alive HTTP)", flush=True)
        figures += serving.run(requests=requests)
    if "emulator" in sections or "control-plane" in sections:
        only = (
            None
            if {"emulator", "control-plane"} <= set(sections)
            else ("pipelines" if "emulator" in sections else "control-plane")
        )
        print("\n== emulator and control plane (a local SageMaker, both pipelines)", flush=True)
        found, notes = bench.run(pairs, levels, only, runs)
        figures += found
    if "transform" in sections:
        from emulator.hosting.service import LocalSageMaker
        from emulator.hosting.variant import HostSettings

        rows, rounds = TRANSFORM["quick" if quick else "full"]
        print("\n== transform job (a local SageMaker, abalone)", flush=True)
        with LocalSageMaker(settings=HostSettings(stream_logs=False)) as api:
            ratio, ceiling, cost = transform.report(api, rows=rows, rounds=rounds)
        figures.append(
            Figure(
                "transform",
                f"transform job vs direct calls, {rows:,} abalone rows (median)",
                100 * ratio,
                "%",
                90,
                higher_is_better=True,
                note="input and output in the local S3",
            )
        )
        if ceiling is not None:
            figures.append(
                Figure(
                    "transform",
                    "transform: the most a job can reach at this layout (median)",
                    100 * ceiling,
                    "%",
                    note="the CPU-seconds of the direct calls plus the same S3 reads and writes, over every CPU",
                )
            )
        for who, key in (("this process (boto3)", "ours_ms"), ("moto's container", "moto_ms")):
            figures.append(Figure("transform", f"local S3: CPU per call, {who}", cost[key], "ms"))
    return figures, notes


def document(figures: list[Figure], notes: list[str], measured: str, command: str) -> str:
    """Return the markdown file: conditions, the table, where start time went."""
    text = f"# Figures\n\nMeasured {measured}, with `{command}`.\n\n{markdown(figures)}"
    if notes:
        text += "\nWhere the start time went (seconds from the start of the work):\n\n" + "\n".join(notes) + "\n"
    return text


def main(argv: list[str] | None = None) -> int:
    """Measure, print, write the table (and README.md's with --readme)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests and one CreateEndpoint run (about 2 min)")
    parser.add_argument("--readme", action="store_true", help="also replace the figures table in README.md")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks/figures.md", help="the markdown table's file")
    parser.add_argument("--only", action="append", choices=SECTIONS, help="run only this section (repeatable)")
    args = parser.parse_args(argv)
    sections = tuple(args.only or SECTIONS)
    started, measured = time.monotonic(), conditions()
    try:
        figures, notes = measure(sections, args.quick)
    except ByocError as err:
        print(f"bench: error: {err}", file=sys.stderr)
        return 2
    command = "python benchmarks/run_all.py" + (" --quick" if args.quick else "")
    measured += f"; the run took {time.monotonic() - started:.0f} s"
    print(f"\n== every figure ({measured})")
    for figure in figures:
        print(figure.line())
    args.output.write_text(document(figures, notes, measured, command))
    print(f"\nwrote {args.output}")
    if args.readme:
        readme = ROOT / "README.md"
        table = f"Measured {measured}, with `{command}` (docs/performance.md):\n\n{markdown(figures)}"
        try:
            readme.write_text(replace_table(readme.read_text(), table))
        except ValueError as err:
            print(f"bench: error: README.md: {err}", file=sys.stderr)
            return 2
        print(f"replaced the figures table in {readme}")
    missed = [f for f in figures if f.verdict == "MISSED"]
    print(f"{len(figures)} figures, {sum(f.verdict == 'met' for f in figures)} targets met, {len(missed)} missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
