"""Wait for an endpoint to settle with a progress line; on failure say why, with the container's last log lines.

description = wait_in_service(sagemaker, logs, "abalone", "abalone-1a2b3c4d5e6f", say=print)
"""

import re
import time
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from emulator.live.plan import DeployError
from emulator.sagemaker import log_group

SETTLED = ("InService", "Failed", "OutOfService")
LOG_LINES = 20
# Still InService on the old config with no FailureReason right after UpdateEndpoint: the update has not
# shown yet; a rolled-back one carries a FailureReason. Waited for this long before calling it settled.
UPDATE_GRACE_S = 60.0
# SageMaker's FailureReason names the container: "The container-2 for production variant AllTraffic did
# not pass the ping health check. ..." (docs/local-sagemaker.md has the wording the local one copies).
CONTAINER_IN_REASON = re.compile(r"\bThe (?P<hostname>[A-Za-z0-9-]+) for production variant")


def describe(sagemaker, name: str) -> dict | None:
    """Return DescribeEndpoint's answer, or None when no such endpoint exists."""
    try:
        return sagemaker.describe_endpoint(EndpointName=name)
    except ClientError as err:
        if "Could not find endpoint" in str(err) or err.response.get("Error", {}).get("Code") == "ResourceNotFound":
            return None
        raise DeployError(f"DescribeEndpoint {name} failed: {err}") from None
    except BotoCoreError as err:
        raise DeployError(f"SageMaker did not answer DescribeEndpoint {name}: {err}") from None


def wait_in_service(
    sagemaker,
    logs,
    name: str,
    config_name: str,
    say: Callable[[str], None] = print,
    poll_s: float = 15.0,
    timeout_s: float = 3600.0,
) -> dict:
    """Poll until the endpoint settles; return its description when it serves `config_name`, else raise."""
    started, last = time.monotonic(), ""
    while True:
        found = describe(sagemaker, name)
        if found is None:
            raise DeployError(f"endpoint {name} disappeared while waiting for it")
        status, elapsed = found["EndpointStatus"], time.monotonic() - started
        if status != last:
            say(f"endpoint {name}: {status} ({elapsed:.0f} s)")
            last = status
        stale = status == "InService" and found.get("EndpointConfigName") != config_name
        if status in SETTLED and not (stale and not found.get("FailureReason") and elapsed < UPDATE_GRACE_S):
            break
        if elapsed > timeout_s:
            raise DeployError(f"endpoint {name} still {status} after {timeout_s:.0f} s", "look at it in the console")
        time.sleep(poll_s)
    if status == "InService" and found.get("EndpointConfigName") == config_name:
        return found
    reason = found.get("FailureReason") or f"the endpoint is {status}"
    if status == "InService":
        reason = f"the update was rolled back to {found.get('EndpointConfigName')}: {reason}"
    tail = last_log_lines(logs, name, reason)
    raise DeployError(
        f"endpoint {name} failed: {reason}" + (f"\n{tail}" if tail else ""),
        f"read the container's logs in CloudWatch Logs group {log_group(name)}",
    )


def last_log_lines(logs, name: str, reason: str, lines: int = LOG_LINES) -> str:
    """Return the failing container's last log lines (every container's when the reason names none), or ""."""
    group = log_group(name)
    match = CONTAINER_IN_REASON.search(reason)
    try:
        streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
        names = [s["logStreamName"] for s in streams]
        if match:
            names = [n for n in names if n.endswith("/" + match["hostname"])] or names
        found = []
        for stream in names:
            events = logs.get_log_events(logGroupName=group, logStreamName=stream, limit=lines, startFromHead=False)
            found += [f"  {stream}: {e['message'].rstrip()}" for e in events["events"]]
        return "\n".join(found)
    except (BotoCoreError, ClientError):
        return ""  # logs help; their absence must not hide the failure itself
