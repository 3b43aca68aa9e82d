"""`byoc deploy` (a definition to a SageMaker endpoint) and `byoc teardown` (the endpoint, its configs and models).

Both use boto3's own credential chain; `--endpoint-url` sends every request to one URL, such as
a local SageMaker started with `byoc serve`.
"""

import argparse
import sys
from pathlib import Path

from emulator.cli.arguments import at_least_zero, region, seconds


def register(sub: argparse._SubParsersAction) -> None:
    """Add `deploy` and `teardown` to the CLI."""
    from emulator.config import DEPLOY_INSTANCE_TYPE as DEFAULT_INSTANCE_TYPE
    from emulator.config import PARITY_TOLERANCE as DEFAULT_TOLERANCE

    deploy = sub.add_parser("deploy", help="deploy a definition to a SageMaker endpoint (contract gate, push, create)")
    deploy.add_argument("definition", metavar="DEFINITION", help="pipeline definition (.toml or CreateModel .json)")
    deploy.add_argument("--endpoint-name", required=True, metavar="NAME", help="the endpoint to create or update")
    deploy.add_argument("--role", required=True, metavar="ARN", help="ExecutionRoleArn of the model")
    deploy.add_argument("--bucket", required=True, help="S3 bucket for the model data")
    deploy.add_argument("--prefix", default="byoc", help="key prefix in the bucket (default byoc)")
    deploy.add_argument("--region", type=region, help="AWS region (default: from the environment or profile)")
    deploy.add_argument("--instance-type", default=DEFAULT_INSTANCE_TYPE, help=f"default {DEFAULT_INSTANCE_TYPE}")
    deploy.add_argument("--instance-count", type=int, default=1, metavar="N", help="default 1")
    deploy.add_argument("--registry", metavar="URI", help="push images to this registry (host[:port]); default ECR")
    deploy.add_argument("--endpoint-url", metavar="URL", help="send every AWS request here (a local SageMaker)")
    deploy.add_argument("--dry-run", action="store_true", help="print the requests as JSON; change nothing")
    deploy.add_argument("--skip-contract", action="store_true", help="do not run the contract suite first")
    deploy.add_argument("--wait", action=argparse.BooleanOptionalAction, default=True, help="wait for InService")
    deploy.add_argument("--smoke", action=argparse.BooleanOptionalAction, default=True, help="send the sample")
    deploy.add_argument(
        "--parity",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="compare the answer with the local emulator's (starts the definition here)",
    )
    deploy.add_argument(
        "--tolerance",
        type=at_least_zero,
        metavar="X",
        help=f"parity: absolute, per number (default {DEFAULT_TOLERANCE:g})",
    )
    deploy.add_argument("--sample", type=Path, metavar="FILE", help="request body (default: sample.* of the model)")
    deploy.add_argument("--poll", type=seconds, default=15.0, metavar="S", help="seconds between status checks")
    deploy.set_defaults(func=run_deploy)
    teardown = sub.add_parser("teardown", help="delete an endpoint, its configs and models (not S3 data nor images)")
    teardown.add_argument("name", metavar="NAME", help="endpoint name")
    teardown.add_argument("--region", type=region, help="AWS region (default: from the environment or profile)")
    teardown.add_argument("--endpoint-url", metavar="URL", help="send every AWS request here (a local SageMaker)")
    teardown.add_argument("--poll", type=seconds, default=5.0, metavar="S", help="seconds between status checks")
    teardown.set_defaults(func=run_teardown)


def say(line: str) -> None:
    """Print one progress line at once."""
    print(line, flush=True)


def run_deploy(args: argparse.Namespace) -> int:
    """Deploy; exit 0 when the endpoint is InService and the smoke test passed."""
    from emulator.config import PARITY_TOLERANCE
    from emulator.live import DeployError, Options, Target, deploy

    if args.sample is not None and not args.smoke:
        raise DeployError(
            f"--sample {args.sample} is the smoke test's request, and --no-smoke turns the smoke test off",
            "drop --no-smoke to send it, or drop --sample",
        )
    if args.tolerance is not None and not (args.smoke and args.parity):
        raise DeployError(
            "--tolerance applies to the parity check, and --no-smoke or --no-parity turns it off",
            "drop --tolerance, or let the smoke test and parity check run",
        )
    if args.instance_count < 1:
        raise DeployError(f"--instance-count {args.instance_count} is below 1", "pass --instance-count 1 or more")
    target = Target(
        args.endpoint_name, args.role, args.bucket, args.prefix, args.instance_type, args.instance_count, args.region
    )
    options = Options(
        registry=args.registry,
        endpoint_url=args.endpoint_url,
        dry_run=args.dry_run,
        skip_contract=args.skip_contract,
        wait=args.wait,
        smoke=args.smoke,
        parity=args.parity,
        tolerance=PARITY_TOLERANCE if args.tolerance is None else args.tolerance,
        sample=args.sample,
        poll_s=args.poll,
    )
    description = deploy(args.definition, target, options, say=say)
    if not args.dry_run:
        status = description.get("EndpointStatus", "?")
        say(f"byoc deploy: {args.endpoint_name} is {status} ({description.get('EndpointArn', '')})")
    return 0


def run_teardown(args: argparse.Namespace) -> int:
    """Delete the endpoint, its configs and models, each step printed."""
    from emulator.live.aws import live_clients
    from emulator.live.teardown import teardown

    clients = live_clients(args.region, args.endpoint_url)
    deleted = teardown(clients.sagemaker, args.name, say, poll_s=args.poll)
    print(f"byoc teardown: {len(deleted)} resource(s) deleted", file=sys.stdout)
    return 0
