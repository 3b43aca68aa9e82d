"""The pipeline a transform job runs on: its batch environment, /execution-parameters, calls through the runtime."""

import dataclasses
import logging
from collections.abc import Callable

from .errors import ExecutionParametersError, ModelInvocationError, TransformError
from .limits import ExecutionParameters, container_environment, parse_execution_parameters
from .settings import TransformSettings

log = logging.getLogger("emulator.transform")
PING_TIMEOUT_S = 2.0


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
