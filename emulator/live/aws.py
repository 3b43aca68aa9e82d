"""The AWS clients of a deploy, from boto3's own credential chain (profile, environment, role): never dummy keys.

    clients = live_clients(region=None, endpoint_url=None)   # region from the chain, or DeployError
    clients.sagemaker.describe_endpoint(EndpointName="abalone")

`endpoint_url` sends every service to one URL: a local SageMaker (`byoc serve`) serves them all.
Nothing here writes or prints credentials.
"""

from dataclasses import dataclass

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from emulator.live.plan import DeployError

SERVICES = ("sagemaker", "sagemaker-runtime", "s3", "ecr", "logs", "sts")


@dataclass(frozen=True)
class LiveClients:
    """One boto3 client per service a deploy talks to."""

    region: str
    sagemaker: object
    runtime: object
    s3: object
    ecr: object
    logs: object
    sts: object


def live_session(region: str | None = None) -> boto3.session.Session:
    """Return a boto3 session from the caller's chain; raise DeployError when no region is known."""
    try:
        session = boto3.session.Session(region_name=region)
    except BotoCoreError as err:  # e.g. AWS_PROFILE names a profile missing from ~/.aws
        raise DeployError(f"AWS configuration: {err}", "fix AWS_PROFILE or ~/.aws/config") from None
    if not session.region_name:
        raise DeployError(
            "no AWS region: neither --region nor the environment or profile gives one",
            "pass --region us-east-1 (or set AWS_DEFAULT_REGION, or region in ~/.aws/config)",
        )
    return session


def live_clients(region: str | None = None, endpoint_url: str | None = None) -> LiveClients:
    """Return the deploy's clients for `region` (or the chain's), all sent to `endpoint_url` when one is given."""
    session = live_session(region)
    if session.get_credentials() is None:  # read from the chain, never printed nor written
        raise DeployError(
            "no AWS credentials: boto3's chain (environment, profile, SSO, role) gave none",
            "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role applies",
        )
    config = Config(retries={"max_attempts": 5, "mode": "standard"}, read_timeout=70)
    try:
        made = {name: session.client(name, endpoint_url=endpoint_url, config=config) for name in SERVICES}
    except (BotoCoreError, ValueError) as err:  # InvalidRegionError; ValueError "Invalid endpoint: ..."
        raise DeployError(
            f"cannot make the AWS clients: {err}",
            "pass a region such as --region eu-west-1, and --endpoint-url as a URL such as http://127.0.0.1:7243",
        ) from None
    return LiveClients(
        session.region_name,
        made["sagemaker"],
        made["sagemaker-runtime"],
        made["s3"],
        made["ecr"],
        made["logs"],
        made["sts"],
    )
