"""`byoc serve` and `byoc ls`: a local SageMaker (control plane + Runtime API) on one URL, and its endpoints."""

import argparse
import logging
import sys
import time
from pathlib import Path

from emulator.cli import state
from emulator.cli.arguments import port, region, seconds
from emulator.config import ENDPOINT_STATE_DIR
from emulator.errors import EndpointError
from emulator.sagemaker import SERVE_PORT, STARTUP_DEADLINE_S

STATE_DIR = ENDPOINT_STATE_DIR
BANNER = """\
local SageMaker at {url} (control plane and Runtime API, 127.0.0.1 only)
point boto3, the AWS CLI or the SageMaker Python SDK at it:
  export AWS_ENDPOINT_URL={url} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION={region}
Ctrl-C stops it and removes every endpoint's containers and networks."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add `serve` and `ls` to the CLI."""
    serve = sub.add_parser(
        "serve",
        help="run a local SageMaker (CreateModel, CreateEndpoint, InvokeEndpoint ...) "
        "in the foreground; Ctrl-C stops it and removes its containers",
    )
    serve.add_argument(
        "--port",
        type=port,
        default=SERVE_PORT,
        help=f"port on 127.0.0.1 (default {SERVE_PORT}, free of other local AWS emulators; 0 picks one)",
    )
    serve.add_argument("--region", type=region, default="us-east-1", help="the region ARNs name (default us-east-1)")
    serve.add_argument(
        "--startup-timeout",
        type=seconds,
        default=STARTUP_DEADLINE_S,
        metavar="S",
        help=f"seconds every /ping has to answer 200 (default {STARTUP_DEADLINE_S:g}; a variant's "
        "ContainerStartupHealthCheckTimeoutInSeconds wins)",
    )
    serve.add_argument("--quiet", action="store_true", help="do not stream the containers' logs")
    serve.set_defaults(func=run_serve)
    ls = sub.add_parser("ls", help="list the endpoints of running `byoc serve` / `byoc up` processes, with status")
    ls.add_argument("--url", help="ask this local SageMaker only (default: every one recorded)")
    ls.set_defaults(func=run_ls)


def run_serve(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C or SIGTERM, then remove every endpoint's containers."""
    from emulator.cli.endpoints import interrupt_on_sigterm

    interrupt_on_sigterm()  # first: a Ctrl-C while the heavy imports run is handled too
    from emulator.hosting.service import LocalSageMaker
    from emulator.hosting.variant import HostSettings

    show_lifecycle()
    settings = HostSettings(startup_timeout_s=args.startup_timeout, stream_logs=not args.quiet)
    sagemaker = LocalSageMaker(args.port, region=args.region, settings=settings)
    try:
        with sagemaker:
            recorded = record(f"serve-{sagemaker.server.port}", sagemaker.url)
            print(BANNER.format(url=sagemaker.url, region=args.region), flush=True)
            try:
                while True:
                    time.sleep(3600)
            finally:
                recorded.unlink(missing_ok=True)
    except KeyboardInterrupt:
        print("byoc serve: stopped; every endpoint's containers and networks are removed", flush=True)
    return 0


def show_lifecycle() -> None:
    """Print the library's lifecycle log (InService, Failed with the container's last lines, updates)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    for name in ("emulator.resources", "emulator.hosting"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)


def record(name: str, url: str, directory: Path | None = None) -> Path:
    """Write where a running local SageMaker answers, for `byoc ls`, `byoc invoke` and `byoc down`."""
    return state.record(name, url, directory or STATE_DIR)


def recorded_urls(directory: Path | None = None) -> list[str]:
    """Return the URLs of every recorded local SageMaker whose process still runs (stale files ignored)."""
    return state.live_urls(directory or STATE_DIR)


def list_endpoints(url: str) -> list[dict]:
    """Return every endpoint a local SageMaker at `url` knows, oldest first."""
    from botocore.exceptions import BotoCoreError, ClientError

    from emulator.aws import local_client

    client, found, token = local_client("sagemaker", url), [], None
    try:
        while True:
            page = client.list_endpoints(
                SortBy="CreationTime", SortOrder="Ascending", MaxResults=100, **({"NextToken": token} if token else {})
            )
            found += page["Endpoints"]
            token = page.get("NextToken")
            if not token:
                return found
    except (BotoCoreError, ClientError) as err:
        raise EndpointError(
            f"listing endpoints at {url} failed: {err}", "is `byoc serve` still running there?"
        ) from None


def run_ls(args: argparse.Namespace) -> int:
    """Print one line per endpoint: name, status, URL, failure reason."""
    urls = [args.url] if args.url else recorded_urls()
    if not urls:
        print("no local SageMaker is running (start one with `byoc serve` or `byoc up FILE`)")
        return 0
    for url in urls:
        try:
            endpoints = list_endpoints(url)
        except EndpointError as err:  # its process runs but does not answer (starting, stopping, hung)
            print(f"{url}: not answering ({err.message}); skipped")
            continue
        if not endpoints:
            print(f"{url}: no endpoints")
        for endpoint in endpoints:
            print(f"{endpoint['EndpointName']:30} {endpoint['EndpointStatus']:12} {url}")
    return 0
