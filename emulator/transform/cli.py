"""`byoc transform DEFINITION --input PATH --output PATH`: a batch transform job over local files.

Options carry CreateTransformJob's names in kebab case. The pipeline's containers are started with
the job's environment (SAGEMAKER_BATCH=true and the limits given), the first container's
GET /execution-parameters is asked for what the options leave open, and records go through the
local SageMaker Runtime API (so ModelError and timeouts read as they do there).

Here: the options, their checks and the run; the pipeline's side (batch environment, /execution-parameters,
runtime calls) is in pipeline.py, the progress bar and Ctrl-C in progress.py.
"""

import argparse
import os
import sys

from emulator.cli.arguments import media_type, repeated
from emulator.errors import ByocError

from .errors import TransformError
from .limits import resolve
from .local import LocalInput, LocalManifestInput, LocalOutput
from .pipeline import PING_TIMEOUT_S, batch_spec, endpoint_invoke, execution_parameters, job_spec
from .progress import ProgressBar, run_until_done
from .records import SPLIT_TYPES
from .result import JobStatus, TransformResult
from .runner import TransformRunner
from .s3 import S3Input, S3Output
from .settings import ASSEMBLE_WITH, COMPRESSION_TYPES, JOIN_SOURCES, S3_DATA_TYPES, TransformSettings

__all__ = [
    "PING_TIMEOUT_S",
    "ProgressBar",
    "batch_spec",
    "data_of",
    "endpoint_invoke",
    "execution_parameters",
    "job_spec",
    "main",
    "register",
    "report",
    "run",
    "run_until_done",
    "settings_from_args",
]


def register(subparsers) -> None:
    """Add `transform` to the byoc parser."""
    p = subparsers.add_parser(
        "transform",
        help="run a batch transform job over local files",
        description="Run a SageMaker batch transform job locally: every file under --input "
        "goes through the pipeline, results land in --output as <file>.out.",
    )
    p.add_argument("definition", help="pipeline definition (TOML or CreateModel JSON)")
    p.add_argument(
        "--input", required=True, help="a file, or a folder whose files are the input objects, or s3://bucket/prefix"
    )
    p.add_argument("--output", required=True, help="folder for the .out files (created when missing), or s3://...")
    p.add_argument(
        "--endpoint-url",
        default=os.environ.get("AWS_ENDPOINT_URL"),
        help="a local SageMaker's URL (byoc serve) whose local S3 holds s3:// inputs and outputs "
        "(default: $AWS_ENDPOINT_URL)",
    )
    p.add_argument(
        "--s3-data-type",
        choices=S3_DATA_TYPES,
        default="S3Prefix",
        help="S3Prefix: --input is a folder or file; ManifestFile: --input is a manifest whose prefix is a "
        "local folder",
    )
    p.add_argument(
        "--content-type", type=media_type, help="TransformInput.ContentType, sent on every call (e.g. text/csv)"
    )
    p.add_argument("--split-type", choices=SPLIT_TYPES, default="None", help="TransformInput.SplitType")
    p.add_argument("--compression-type", choices=COMPRESSION_TYPES, default="None")
    p.add_argument(
        "--batch-strategy", choices=("MultiRecord", "SingleRecord"), help="default: the container's, else MultiRecord"
    )
    p.add_argument("--max-payload-in-mb", type=int, help="0 to 100; default: the container's, else 6")
    p.add_argument("--max-concurrent-transforms", type=int, help="default: the container's, else 1")
    p.add_argument("--accept", type=media_type, help="TransformOutput.Accept, sent on every call")
    p.add_argument("--assemble-with", choices=ASSEMBLE_WITH, default="None", help="TransformOutput.AssembleWith")
    p.add_argument("--input-filter", default="$", help="DataProcessing.InputFilter (JSONPath), e.g. '$[1:]'")
    p.add_argument("--output-filter", default="$", help="DataProcessing.OutputFilter (JSONPath), e.g. '$[0,-1]'")
    p.add_argument("--join-source", choices=JOIN_SOURCES, default="None", help="DataProcessing.JoinSource")
    p.add_argument("--invocations-timeout-in-seconds", type=int, default=600, help="1 to 3600 (default 600)")
    p.add_argument("--invocations-max-retries", type=int, default=3, help="0 to 3 (default 3)")
    p.add_argument(
        "--environment",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        type=_key_value,
        help="extra environment for the containers (CreateTransformJob.Environment)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--logs", action="store_true", help="stream the containers' logs to stderr")
    p.set_defaults(func=run)


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key, value


def settings_from_args(args: argparse.Namespace) -> TransformSettings:
    """Return the job's settings from the command line (raises TransformValidationError)."""
    twice = repeated([key for key, _ in args.environment])
    if twice:
        raise TransformError(
            f"--environment gives {', '.join(twice)} more than once; only one value can reach the containers",
            "give each KEY=VALUE once",
        )
    return TransformSettings(
        input_uri=str(args.input),
        output_path=str(args.output),
        input_data_type=args.s3_data_type,
        content_type=args.content_type,
        compression_type=args.compression_type,
        split_type=args.split_type,
        batch_strategy=args.batch_strategy,
        max_payload_in_mb=args.max_payload_in_mb,
        max_concurrent_transforms=args.max_concurrent_transforms,
        environment=dict(args.environment),
        accept=args.accept,
        assemble_with=args.assemble_with,
        input_filter=args.input_filter,
        output_filter=args.output_filter,
        join_source=args.join_source,
        invocations_timeout_s=args.invocations_timeout_in_seconds,
        invocations_max_retries=args.invocations_max_retries,
    )


def run(args: argparse.Namespace) -> int:
    """Start the pipeline, run the job over the input files, print the outcome; 0 when Completed."""
    settings = settings_from_args(args)
    source, sink = data_of(args, settings)
    spec = job_spec(args.definition, settings)
    from emulator import LocalEndpoint

    def say(text: str) -> None:
        print(text, file=sys.stderr)

    with LocalEndpoint(
        spec, stream_logs=args.logs, log_sink=sys.stderr, say=say, invocation_timeout_s=settings.invocations_timeout_s
    ) as ep:
        limits = resolve(settings, execution_parameters(ep.containers[0].url))
        say(
            f"MaxConcurrentTransforms={limits.max_concurrent_transforms}, MaxPayloadInMB={limits.max_payload_in_mb}, "
            f"BatchStrategy={limits.batch_strategy}"
        )
        invoke = endpoint_invoke(ep, limits.max_concurrent_transforms, settings.invocations_timeout_s)
        with ProgressBar(source.total_bytes(settings.compression_type == "Gzip"), args.no_progress) as bar:
            runner = TransformRunner(settings, limits, invoke, sink, progress=bar.update)
            result = run_until_done(runner, source)
    report(result)
    return {JobStatus.COMPLETED: 0, JobStatus.FAILED: 1, JobStatus.STOPPED: 130}[result.status]


def data_of(args: argparse.Namespace, settings: TransformSettings) -> tuple:
    """Return the input (local files, or objects in a local SageMaker's S3) and the sink for the .out files."""
    s3 = None
    if str(args.input).startswith("s3://") or str(args.output).startswith("s3://"):
        if not args.endpoint_url:
            raise TransformError(
                "s3:// inputs and outputs are read from and written to a local SageMaker's S3, and no URL was given",
                "start `byoc serve` and pass its URL with --endpoint-url (or set AWS_ENDPOINT_URL)",
            )
        from emulator.aws import local_client

        s3 = local_client("s3", args.endpoint_url)
    source: S3Input | LocalInput
    if str(args.input).startswith("s3://"):
        source = S3Input(s3, settings)
    elif settings.input_data_type == "ManifestFile":
        source = LocalManifestInput(args.input)
    else:
        source = LocalInput(args.input)
    return source, S3Output(s3) if str(args.output).startswith("s3://") else LocalOutput(args.output)


def report(result: TransformResult) -> None:
    """Print the job's outcome: status, counts, outputs, and every failure."""
    written = len(result.outputs)
    print(
        f"TransformJobStatus: {result.status.value} - {written} of {len(result.files)} file(s) written, "
        f"{result.records} records, {result.seconds:.1f} s"
    )
    if result.failure_reason:
        print(f"FailureReason: {result.failure_reason}")
    for outcome in result.failed:
        print(f"  failed: {outcome.failure}")


def main(argv: list[str] | None = None) -> int:
    """Run `transform` alone (the lead wires `register` into byoc's parser); errors as messages."""
    parser = argparse.ArgumentParser(prog="byoc")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ByocError as err:
        print(f"byoc transform: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
