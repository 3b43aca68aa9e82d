"""The one boto3 client factory for everything local: explicit dummy credentials, the caller's profile ignored.

Every client the emulator makes talks to a server on this machine (a container's moto, the local
SageMaker), so it must never pick up the caller's real credentials or fail on their profile: a
`AWS_PROFILE` naming a profile missing from ~/.aws would otherwise raise ProfileNotFound.
"""

import threading

import botocore.session
from boto3.session import Session
from botocore.config import Config

from emulator.errors import ByocError

DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
DEFAULT_REGION = "us-east-1"
# session_vars entries are (config name, environment variable, default, converter): no variable
# and no config name means the caller's AWS_PROFILE / AWS_DEFAULT_PROFILE are never read.
_NO_PROFILE = {"profile": (None, None, None, None)}
# One session per region for local_client: a new session parses botocore's endpoint and service
# models again (60-300 ms a client on a busy machine; 5-15 ms from a warm session). Sessions are
# not thread-safe, so clients are made under a lock; the clients themselves are.
_SESSIONS: dict[str, Session] = {}
_SESSIONS_LOCK = threading.Lock()


def local_session(region: str = DEFAULT_REGION) -> Session:
    """Return a boto3 session with dummy credentials that reads no profile, file or environment credentials."""
    core = botocore.session.Session(session_vars=_NO_PROFILE)
    return Session(
        botocore_session=core,
        region_name=region,
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=DUMMY_CREDENTIALS["AWS_SESSION_TOKEN"],
    )


def local_client(
    service: str,
    url: str,
    region: str = DEFAULT_REGION,
    *,
    retries: int = 1,
    connect_timeout_s: float = 5,
    read_timeout_s: float = 60,
):
    """Return a boto3 client of `service` bound to the local `url`, with dummy credentials (ByocError: bad URL)."""
    config = Config(
        retries={"max_attempts": retries, "mode": "standard"},
        connect_timeout=connect_timeout_s,
        read_timeout=read_timeout_s,
    )
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(region)
        if session is None:
            session = _SESSIONS[region] = local_session(region)
        try:
            return session.client(service, endpoint_url=url, config=config)
        except ValueError as err:  # botocore's "Invalid endpoint: ..." and InvalidRegionError are ValueErrors
            raise ByocError(
                f"cannot call {url!r} in region {region!r}: {err}",
                "give the URL as http://HOST:PORT (e.g. http://127.0.0.1:7243) and a region such as us-east-1",
            ) from None
