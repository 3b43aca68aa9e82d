"""`byoc up`, `byoc invoke`, `byoc down`: run an endpoint in the foreground, call it, clean up after it.

`byoc up FILE` is `byoc serve` plus the definition turned into CreateModel, CreateEndpointConfig and
CreateEndpoint (emulator.hosting.endpoint.LocalEndpoint); `byoc down` deletes the endpoints of every
running local SageMaker through DeleteEndpoint, then removes anything labelled that is left.
"""

import argparse
import signal
import sys
import time
from pathlib import Path

from emulator.cli import state
from emulator.cli.arguments import media_type, port, seconds
from emulator.config import ENDPOINT_LABEL, ENDPOINT_STATE_DIR, LABEL, LABEL_VALUE
from emulator.errors import EndpointError
from emulator.sagemaker import STARTUP_DEADLINE_S

# The endpoint machinery (boto3, testcontainers) is imported when a subcommand runs, so `byoc build` stays quick.
DEFAULT_DEADLINE_S = STARTUP_DEADLINE_S

DEFAULT_PORT = 8080
STATE_DIR = ENDPOINT_STATE_DIR
SNIPPET = """\
import boto3
runtime = boto3.client("sagemaker-runtime", endpoint_url="{url}", region_name="{region}",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
answer = runtime.invoke_endpoint(EndpointName="{name}", ContentType="text/csv", Body=b"...")
print(answer["Body"].read().decode())
"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the endpoint subcommands to the CLI."""
    up = sub.add_parser("up", help="start a pipeline as a local endpoint, in the foreground (Ctrl-C stops it)")
    up.add_argument("pipeline", metavar="PIPELINE", help="pipeline definition (.toml, or a CreateModel .json)")
    up.add_argument("--name", help="endpoint name (default: the definition's model name)")
    up.add_argument(
        "--port", type=port, default=DEFAULT_PORT, help=f"API port on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks one)"
    )
    up.add_argument(
        "--startup-timeout",
        type=seconds,
        default=DEFAULT_DEADLINE_S,
        metavar="S",
        help=f"seconds every /ping has to answer 200 (default {DEFAULT_DEADLINE_S:g})",
    )
    up.add_argument("--quiet", action="store_true", help="do not stream the containers' logs")
    up.set_defaults(func=run_up)
    invoke = sub.add_parser("invoke", help="call an endpoint started by `byoc up`, or start a definition for one call")
    invoke.add_argument(
        "target", metavar="PIPELINE_OR_NAME", help="a definition file, or the name of a running endpoint"
    )
    body = invoke.add_mutually_exclusive_group(required=True)
    body.add_argument("--body", help="request body text")
    body.add_argument("--file", type=Path, help="file holding the request body")
    invoke.add_argument("--content-type", type=media_type, default="text/csv", help="ContentType (default text/csv)")
    invoke.add_argument("--accept", type=media_type, help="Accept")
    invoke.add_argument("--target-container", help="TargetContainerHostname (Direct mode)")
    invoke.add_argument(
        "--url",
        help="API URL (default: the one `byoc up` recorded, else a running `byoc serve` "
        f"that has the endpoint, else http://127.0.0.1:{DEFAULT_PORT})",
    )
    invoke.set_defaults(func=run_invoke)
    down = sub.add_parser(
        "down",
        help="delete the endpoints of running local SageMakers, then remove every container "
        "and network the project labelled (also after a crash)",
    )
    down.add_argument("--endpoint", help="only this endpoint")
    down.add_argument("--url", help="only the endpoints of the local SageMaker at this URL (labelled leftovers stay)")
    down.set_defaults(func=run_down)


def run_up(args: argparse.Namespace) -> int:
    """Start the endpoint, print how to call it, serve until Ctrl-C or SIGTERM, then tear down."""
    interrupt_on_sigterm()  # first: a Ctrl-C while the heavy imports run is handled too
    from emulator.hosting.endpoint import LocalEndpoint

    endpoint = LocalEndpoint(
        args.pipeline,
        name=args.name,
        port=args.port,
        startup_timeout_s=args.startup_timeout,
        stream_logs=not args.quiet,
    )
    try:
        with endpoint:
            recorded = _record(endpoint)
            print(f"endpoint {endpoint.name} ready in {endpoint.ready_s:.1f} s at {endpoint.url}", flush=True)
            for line in endpoint.warnings:
                print(f"warning: {line}", flush=True)
            print("call it with boto3 (or export AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME=" + endpoint.url + "):", flush=True)
            print(SNIPPET.format(url=endpoint.url, region=endpoint.spec.region, name=endpoint.name), flush=True)
            print("Ctrl-C stops it and removes its containers.", flush=True)
            try:
                while True:
                    time.sleep(3600)
            finally:
                recorded.unlink(missing_ok=True)
    except KeyboardInterrupt:
        when = "" if endpoint.pipeline is not None else " before it was ready"
        _print_latencies(endpoint)
        print(f"byoc up: endpoint {endpoint.name} stopped{when}; its containers and network are removed", flush=True)
    return 0


def _print_latencies(endpoint) -> None:
    """Print what SageMaker would chart as ContainerLatency, per container, for the calls served."""
    stats = endpoint.pipeline.stats if endpoint.pipeline is not None else None
    if stats is None or not (stats.invocations or stats.errors):
        return
    print(
        f"{endpoint.name}: {stats.invocations} invocation(s) answered, {sum(stats.errors.values())} failed; "
        "per-container latency (ContainerLatency):",
        flush=True,
    )
    for hostname, row in stats.summary().items():
        print(
            f"  {hostname:20} p50 {row['p50']:8.2f} ms   p99 {row['p99']:8.2f} ms   errors {int(row['errors'])}",
            flush=True,
        )


def interrupt_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt once; ignore both signals while tearing down."""

    def handler(signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _record(endpoint) -> Path:
    """Write where a running endpoint answers, for `byoc invoke NAME`."""
    return state.record(endpoint.name, endpoint.url, STATE_DIR)


def recorded_url(name: str) -> str | None:
    """Return the URL `byoc up` recorded for a running endpoint, or None (also when its process is gone)."""
    return state.recorded_url(name, STATE_DIR)


def run_invoke(args: argparse.Namespace) -> int:
    """Invoke once and print the answer's body on stdout."""
    from emulator.hosting.endpoint import LocalEndpoint
    from emulator.sagemaker import NAME_RE

    body = args.body.encode() if args.body is not None else _read(args.file)
    target = Path(args.target)
    if target.is_file():
        with LocalEndpoint(target, port=0, stream_logs=False) as endpoint:
            return _invoke(endpoint.url, endpoint.name, body, args, endpoint.spec.region)
    if target.suffix in (".toml", ".json"):
        raise EndpointError(f"pipeline definition {target} does not exist", "check the path")
    if target.is_dir() or not NAME_RE.match(args.target):
        raise EndpointError(
            f"{args.target!r} is neither a definition file nor an endpoint name",
            "give a .toml or .json definition, or the name of a running endpoint (`byoc ls` lists them)",
        )
    url = args.url or recorded_url(args.target) or _serving(args.target) or f"http://127.0.0.1:{DEFAULT_PORT}"
    return _invoke(url, args.target, body, args)


def _serving(name: str) -> str | None:
    """Return the URL of a running `byoc serve` that has endpoint `name`, or None."""
    from emulator.cli.serve import list_endpoints, recorded_urls

    for url in recorded_urls(STATE_DIR):
        try:
            if any(e["EndpointName"] == name for e in list_endpoints(url)):
                return url
        except EndpointError:
            continue
    return None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise EndpointError(f"cannot read --file {path}: {err.strerror}", "give a readable file") from None


def _invoke(url: str, name: str, body: bytes, args: argparse.Namespace, region: str = "us-east-1") -> int:
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

    from emulator.hosting.endpoint import runtime_client

    request = {"EndpointName": name, "Body": body, "ContentType": args.content_type}
    if args.accept:
        request["Accept"] = args.accept
    if args.target_container:
        request["TargetContainerHostname"] = args.target_container
    try:
        answer = runtime_client(url, region).invoke_endpoint(**request)
    except EndpointConnectionError:
        raise EndpointError(
            f"nothing answers at {url}", "start the endpoint with `byoc up PIPELINE`, or pass --url"
        ) from None
    except ClientError as err:
        raise EndpointError(
            _describe(err), _ERROR_HINTS.get(err.response.get("Error", {}).get("Code"), _MODEL_HINT)
        ) from None
    except BotoCoreError as err:
        raise EndpointError(f"calling {url} failed: {err}", "check --url") from None
    print(f"content-type: {answer.get('ContentType')}", file=sys.stderr)
    text = answer["Body"].read().decode("utf-8", "replace")
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
    return 0


_MODEL_HINT = "see the container's log lines printed by `byoc up`"
_ERROR_HINTS = {
    "ValidationError": "check the endpoint name (`byoc up` prints it), the body size and the target container",
    "ModelNotReadyException": "the endpoint is still starting; retry once `byoc up` says it is ready",
}


def _describe(err) -> str:
    error = err.response.get("Error", {})
    text = f"{error.get('Code')}: {error.get('Message')}"
    if "OriginalStatusCode" in err.response:
        text += (
            f" (container status {err.response['OriginalStatusCode']}, log stream {err.response.get('LogStreamArn')})"
        )
    return text


def run_down(args: argparse.Namespace) -> int:
    """Delete endpoints through DeleteEndpoint, then remove the project's labelled leftovers; say what went."""
    from emulator.cli.serve import recorded_urls
    from emulator.hosting.endpoint import check_endpoint_name

    if args.endpoint is not None:
        try:
            check_endpoint_name(args.endpoint)
        except EndpointError as err:  # no endpoint can carry it: nothing would match, silently
            raise EndpointError(err.message, "pass --endpoint NAME as `byoc ls` shows it") from None
    for url in [args.url] if args.url else recorded_urls(STATE_DIR):
        try:
            for name in _delete_endpoints(url, args.endpoint):
                print(f"deleted endpoint {name} at {url}")
        except EndpointError as err:  # e.g. an older `byoc up` without the control plane
            print(f"skipped {url}: {err.message}")
    if args.url:
        return 0
    for path in state.remove_stale(STATE_DIR):
        print(f"removed stale state file {path} (its process is gone)")
    from emulator.docker.launcher import DockerLayer
    from emulator.errors import SweepIncomplete

    labels = down_labels(args.endpoint)
    try:
        removed = DockerLayer().remove_labelled(labels)
    except SweepIncomplete as err:  # say what did go before the error line
        for line in err.removed:
            print(f"removed {line}")
        raise
    for line in removed:
        print(f"removed {line}")
    if not removed:
        print("nothing to remove: no container or network carries " + ", ".join(f"{k}={v}" for k, v in labels.items()))
    return 0


def down_labels(endpoint: str | None = None) -> dict[str, str]:
    """Return the labels whose carriers `byoc down` removes: only what byoc created (of one endpoint)."""
    return {LABEL: LABEL_VALUE} | ({ENDPOINT_LABEL: endpoint} if endpoint else {})


def _delete_endpoints(url: str, only: str | None) -> list[str]:
    """DeleteEndpoint every endpoint (or `only`) at `url`, and wait until each is gone."""
    from botocore.exceptions import BotoCoreError, ClientError, WaiterError

    from emulator.aws import local_client
    from emulator.cli.serve import list_endpoints

    client, deleted = local_client("sagemaker", url), []
    for endpoint in list_endpoints(url):
        name = endpoint["EndpointName"]
        if only not in (None, name):
            continue
        try:
            client.delete_endpoint(EndpointName=name)
            client.get_waiter("endpoint_deleted").wait(
                EndpointName=name, WaiterConfig={"Delay": 0.5, "MaxAttempts": 240}
            )
            deleted.append(name)
        except (BotoCoreError, ClientError, WaiterError) as err:
            print(f"could not delete endpoint {name} at {url}: {err}")
    return deleted
