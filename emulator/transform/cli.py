"""`byoc transform DEFINITION --input PATH --output PATH`: a batch transform job over local files.

Options carry CreateTransformJob's names in kebab case. The pipeline's containers are started with
the job's environment (SAGEMAKER_BATCH=true and the limits given), the first container's
GET /execution-parameters is asked for what the options leave open, and records go through the
local SageMaker Runtime API (so ModelError and timeouts read as they do there).
"""

import argparse
import dataclasses
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Self

from emulator.cli.arguments import media_type, repeated
from emulator.errors import ByocError

from .errors import ExecutionParametersError, ModelInvocationError, TransformError
from .limits import ExecutionParameters, container_environment, parse_execution_parameters, resolve
from .local import LocalInput, LocalManifestInput, LocalOutput
from .records import SPLIT_TYPES
from .result import JobStatus, Progress, TransformResult
from .runner import TransformRunner
from .s3 import S3Input, S3Output
from .settings import ASSEMBLE_WITH, COMPRESSION_TYPES, JOIN_SOURCES, S3_DATA_TYPES, TransformSettings

log = logging.getLogger("emulator.transform")
PING_TIMEOUT_S = 2.0


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


def job_spec(definition: str, settings: TransformSettings):
    """Return the pipeline definition with every container's environment as a transform job sets it."""
    from emulator.definitions.pipeline import load_pipeline

    return batch_spec(load_pipeline(definition), settings, str(definition))


def batch_spec(spec, settings: TransformSettings, what: str | None = None):
    """Return `spec` (a PipelineSpec) with every container's environment as a transform job sets it."""
    if spec.mode != "Serial":
        raise TransformError(
            f"{what or f'model {spec.name}'} is a {spec.mode} pipeline; batch transform calls its containers "
            "as a serial chain",
            "set InferenceExecutionConfig.Mode to Serial (or leave it out) for batch transform",
        )
    containers = tuple(
        dataclasses.replace(c, environment=container_environment(c.environment, settings)) for c in spec.containers
    )
    return dataclasses.replace(spec, containers=containers)


def execution_parameters(base_url: str) -> ExecutionParameters | None:
    """Return the container's GET /execution-parameters answer, or None when it serves none (any non-200)."""
    import urllib3

    try:
        response = urllib3.request(
            "GET", f"{base_url.rstrip('/')}/execution-parameters", timeout=PING_TIMEOUT_S, retries=False
        )
    except urllib3.exceptions.HTTPError as err:
        log.info("no /execution-parameters (%s); using the job's values and the defaults", err)
        return None
    if response.status != 200:
        return None
    try:
        return parse_execution_parameters(response.data)
    except ExecutionParametersError as err:
        raise ExecutionParametersError(
            f"the first container's {err.message}",
            "fix the container's /execution-parameters, or give all three limits on the command line",
        ) from None


def endpoint_invoke(ep, concurrency: int, timeout_s: int) -> Callable:
    """Return invoke(body, content_type, accept, timeout_s) over the endpoint's runtime API (boto3)."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client(
        "sagemaker-runtime",
        endpoint_url=ep.url,
        region_name=ep.spec.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(
            retries={"max_attempts": 1, "mode": "standard"},
            read_timeout=timeout_s + 5,
            max_pool_connections=max(10, concurrency),
        ),
    )

    def invoke(body: bytes, content_type: str | None, accept: str | None, _timeout_s: float):
        kwargs = {k: v for k, v in (("ContentType", content_type), ("Accept", accept)) if v}
        try:
            answer = client.invoke_endpoint(EndpointName=ep.name, Body=body, **kwargs)
        except ClientError as err:
            error = err.response.get("Error", {})
            status = err.response.get("OriginalStatusCode") or err.response["ResponseMetadata"].get("HTTPStatusCode")
            raise ModelInvocationError(f"{error.get('Code')}: {error.get('Message')}", status) from None
        except BotoCoreError as err:
            raise ModelInvocationError(f"{type(err).__name__}: {err}") from None
        return answer["Body"].read(), answer.get("ContentType")

    return invoke


def run_until_done(runner: TransformRunner, source) -> TransformResult:
    """Run in a thread so Ctrl-C stops the job (StopTransformJob) instead of killing it mid-write."""
    box: dict = {}
    worker = threading.Thread(target=lambda: box.update(result=runner.run(source)), name="transform-job", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        print("\nstopping: no new requests; files not finished get no .out", file=sys.stderr)
        runner.stop.set()
        worker.join()
    return box["result"]


class ProgressBar:
    """A tqdm bar over input bytes with records and records/s beside it; a context manager."""

    def __init__(self, total_bytes: int | None, disabled: bool):
        from tqdm import tqdm

        self.bar = tqdm(
            total=total_bytes,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc="transform",
            disable=disabled,
            file=sys.stderr,
            dynamic_ncols=True,
        )
        self.started = time.monotonic()
        self.last_bytes = 0
        self._lock = threading.Lock()

    def update(self, progress: Progress) -> None:
        """Move the bar to the counts given (called from the runner's threads)."""
        with self._lock:
            if progress.bytes > self.last_bytes:
                self.bar.update(progress.bytes - self.last_bytes)
                self.last_bytes = progress.bytes
            rate = progress.records / max(time.monotonic() - self.started, 1e-9)
            self.bar.set_postfix_str(
                f"{progress.records} records, {rate:.0f} rec/s, {progress.files} files", refresh=False
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()


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
