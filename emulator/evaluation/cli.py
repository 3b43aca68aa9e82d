"""`byoc evaluate`: score a pipeline on labelled data, check parity and thresholds; exit 1 when a threshold fails."""

import argparse
import logging

from emulator.cli.arguments import at_least_zero, media_type, region, seconds

from .defaults import DEFAULT_TOLERANCE, DEFAULT_URL
from .errors import EvaluationError
from .targets import VIAS

SHOWN = (
    "rmse",
    "mae",
    "r2",
    "mape",
    "accuracy",
    "f1_macro",
    "parity_max_abs",
    "parity_mean_abs",
    "parity_mismatches",
    "parity_differing",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_p99_ms",
    "rows_per_s",
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the evaluate subcommand to the CLI."""
    p = sub.add_parser(
        "evaluate",
        help="score a pipeline on labelled data; check parity with the offline model; gate CI",
        description="Send a labelled CSV through an endpoint and score the answers. Exit codes: 0 every "
        "threshold holds, 1 a threshold failed, 2 the run could not happen.",
    )
    p.add_argument(
        "target",
        metavar="TARGET",
        help="a definition file (started locally for the run), or an endpoint "
        "name (at --endpoint-url, else a live endpoint through boto3's own credentials and region)",
    )
    p.add_argument("--data", required=True, help="CSV file of examples, label column included")
    p.add_argument("--label", required=True, help="label column (name; 0-based position with --no-header)")
    p.add_argument(
        "--drop", action="append", default=[], metavar="COLUMN", help="another column not to send (repeatable)"
    )
    p.add_argument("--no-header", dest="header", action="store_false", help="the data has no header row")
    p.add_argument("--task", choices=("regression", "classification"), help="default: inferred from the predictions")
    p.add_argument(
        "--endpoint-url", help="a local SageMaker Runtime API serving TARGET (e.g. the URL `byoc up` prints)"
    )
    p.add_argument("--region", type=region, help="region of a live endpoint (default: boto3's own)")
    p.add_argument("--via", choices=VIAS, default="invoke", help="invoke (InvokeEndpoint, the default) or transform")
    p.add_argument(
        "--content-type",
        type=media_type,
        default="text/csv",
        help="request ContentType: text/csv (default) or application/json",
    )
    p.add_argument("--accept", type=media_type, help="Accept header")
    p.add_argument("--prediction-path", help="where the prediction is in a JSON answer, e.g. 'response[*].category'")
    p.add_argument("--batch-rows", type=int, default=100, metavar="N", help="rows per request (default 100)")
    p.add_argument("--concurrency", type=int, default=4, metavar="C", help="requests in flight (default 4)")
    p.add_argument("--max-errors", type=int, default=10, metavar="N", help="failed batches tolerated (default 10)")
    p.add_argument("--reference", help="offline predictions, one per data row, same order: check parity")
    p.add_argument(
        "--tolerance", type=at_least_zero, help=f"parity tolerance, with --reference (default {DEFAULT_TOLERANCE:g})"
    )
    p.add_argument("--threshold", action="append", default=[], metavar="GATE", help="e.g. 'rmse<=2.3' (repeatable)")
    p.add_argument("--out", help="folder for metrics.json, predictions.csv and report.html")
    p.add_argument("--history", default=DEFAULT_URL, metavar="URL", help="SQLAlchemy URL (default %(default)s)")
    p.add_argument("--no-history", action="store_true", help="do not record this run")
    p.add_argument(
        "--compare", action="store_true", help="print the change against the previous run of target and data"
    )
    p.add_argument(
        "--startup-timeout", type=seconds, metavar="S", help="seconds a definition's containers have to start"
    )
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    p.set_defaults(func=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    """Run the evaluation, print the summary, and return 0 or 1 (ByocErrors are rendered by the CLI: exit 2)."""
    try:
        from .run import evaluate
    except ImportError as err:  # installed without the extra: numpy, scikit-learn, matplotlib, SQLAlchemy
        raise EvaluationError(
            f"byoc evaluate needs the `evaluate` extra ({err.name or err} is not installed)",
            "pip install 'byoc-sagemaker[evaluate]'",
        ) from None

    if args.tolerance is not None and not args.reference:
        raise EvaluationError(
            "--tolerance applies to the parity check, and no --reference was given to check against",
            "pass --reference FILE (the offline predictions), or drop --tolerance",
        )
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    result = evaluate(
        args.target,
        args.data,
        args.label,
        drop=args.drop,
        header=args.header,
        task=args.task,
        endpoint_url=args.endpoint_url,
        region=args.region,
        content_type=args.content_type,
        accept=args.accept,
        prediction_path=args.prediction_path,
        batch_rows=args.batch_rows,
        concurrency=args.concurrency,
        max_errors=args.max_errors,
        reference=args.reference,
        tolerance=DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance,
        thresholds=args.threshold,
        history=None if args.no_history else args.history,
        out=args.out,
        via=args.via,
        progress=None if args.progress else False,
        startup_timeout_s=args.startup_timeout,
    )
    for line in summary(result, compare=args.compare):
        print(line, flush=True)
    if args.out:
        print(f"wrote {args.out}/metrics.json, predictions.csv, report.html", flush=True)
    return 0 if result.passed else 1


def summary(result, compare: bool = False) -> list[str]:
    """Return the lines printed after a run: figures, failures, parity, thresholds, and the comparison."""
    m = result.metrics
    lines = [
        (
            f"{result.target}: {m['scored_rows']}/{m['rows']} rows scored as {result.task} "
            f"in {m['duration_s']:.1f} s ({m['rows_per_s']:.0f} rows/s)"
        )
    ]
    lines += [f"  {name:<18} {m[name]:.6g}" for name in SHOWN if isinstance(m.get(name), (int, float))]
    if result.failures:
        codes = ", ".join(f"{code} x{n}" for code, n in m["errors"].items())
        lines.append(f"failed batches: {len(result.failures)} ({codes}); {m['failed_rows']} rows without a prediction")
        lines += [f"  {f.line()}" for f in result.failures]
    if result.parity is not None:
        first = ", ".join(map(str, m["parity_first_differing_rows"]))
        lines.append(
            f"parity: {m['parity_differing']} of {m['parity_rows']} rows differ from the reference beyond "
            f"{m['parity_tolerance']:g}" + (f" (first rows: {first})" if first else "")
        )
    lines += [v.line() for v in result.verdicts]
    if compare:
        lines += result.compare_lines or ["compare: no history (--no-history)"]
    return lines
