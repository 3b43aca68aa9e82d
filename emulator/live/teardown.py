"""`teardown`: delete an endpoint, the configs a deploy made for it and their models (never S3 objects nor images).

A deploy names each config `ENDPOINT-<12 hex>` (emulator.live.plan.content_name), so the configs of
earlier deploys of the same endpoint are found by name too.
"""

import re
import time
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from emulator.live.plan import HASH_CHARS, NAME_MAX, DeployError
from emulator.live.waiting import describe


def _configs_of(sagemaker, name: str, current: str | None) -> list[str]:
    """Return the endpoint's current config and every config a deploy named for it."""
    head = name[: NAME_MAX - HASH_CHARS - 1].rstrip("-")
    ours = re.compile(rf"^{re.escape(head)}-[0-9a-f]{{{HASH_CHARS}}}$")
    found = [current] if current else []
    for page in sagemaker.get_paginator("list_endpoint_configs").paginate(NameContains=head):
        found += [c["EndpointConfigName"] for c in page["EndpointConfigs"] if ours.match(c["EndpointConfigName"])]
    return list(dict.fromkeys(found))


def teardown(sagemaker, name: str, say: Callable[[str], None] = print, poll_s: float = 5.0, timeout_s=900.0) -> list:
    """Delete endpoint `name`, its configs and their models, saying each step; return what was deleted."""
    try:
        return _teardown(sagemaker, name, say, poll_s, timeout_s)
    except ClientError as err:
        raise DeployError(f"SageMaker refused a teardown request: {err}", "check the IAM permissions") from None
    except BotoCoreError as err:
        raise DeployError(
            f"SageMaker did not answer: {err}", "check --endpoint-url, --region and the network"
        ) from None


def _teardown(sagemaker, name: str, say, poll_s: float, timeout_s: float) -> list:
    deleted: list[tuple[str, str]] = []
    endpoint = describe(sagemaker, name)
    configs = _configs_of(sagemaker, name, endpoint.get("EndpointConfigName") if endpoint else None)
    if endpoint is None and not configs:
        raise DeployError(f"no endpoint {name} and no endpoint config made for it", "check the name and --region")
    if endpoint is not None:
        sagemaker.delete_endpoint(EndpointName=name)
        say(f"teardown: deleting endpoint {name}")
        _wait_gone(sagemaker, name, poll_s, timeout_s)
        say(f"teardown: endpoint {name} deleted")
        deleted.append(("endpoint", name))
    models: list[str] = []
    for config in configs:
        try:
            variants = sagemaker.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"]
        except ClientError:
            continue  # deleted meanwhile
        models += [v["ModelName"] for v in variants]
        sagemaker.delete_endpoint_config(EndpointConfigName=config)
        say(f"teardown: endpoint config {config} deleted")
        deleted.append(("endpoint-config", config))
    for model in dict.fromkeys(models):
        try:
            sagemaker.delete_model(ModelName=model)
        except ClientError as err:
            if "Could not find" not in str(err):
                raise
            continue
        say(f"teardown: model {model} deleted")
        deleted.append(("model", model))
    return deleted


def _wait_gone(sagemaker, name: str, poll_s: float, timeout_s: float) -> None:
    started = time.monotonic()
    while describe(sagemaker, name) is not None:
        if time.monotonic() - started > timeout_s:
            raise DeployError(f"endpoint {name} still there {timeout_s:.0f} s after DeleteEndpoint")
        time.sleep(poll_s)
