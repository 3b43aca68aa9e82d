"""SageMaker's numbers and names, once: limits, headers, paths, ports, deadlines, modes, statuses.

Sources (the facts are collected in docs/contract.md):
- [hosting] SageMaker developer guide, "Use your own inference code with hosting services".
- [pipelines] "Inference pipelines" and "Troubleshoot inference pipelines".
- [runtime] botocore's service model sagemaker-runtime/2017-05-13 (InvokeEndpoint).
- [control] botocore's service model sagemaker/2017-07-24 (CreateModel, CreateEndpointConfig, ...).
- [batch] "Batch transform" and the CreateTransformJob API reference.
"""

import re

# --- one container [hosting] ---
MODEL_DIR = "/opt/ml/model"  # where ModelDataUrl is unpacked, read-only
DEFAULT_PORT = 8080  # where a container listens without SAGEMAKER_BIND_TO_PORT
BIND_TO_PORT_ENV = "SAGEMAKER_BIND_TO_PORT"
SAFE_PORT_RANGE_ENV = "SAGEMAKER_SAFE_PORT_RANGE"
BIND_TO_PORT_LABEL = "com.amazonaws.sagemaker.capabilities.accept-bind-to-port"  # required on pipeline images
SERVE_ARGUMENT = "serve"  # `docker run IMAGE serve`
PING_TIMEOUT_S = 2.0  # each /ping must answer within 2 s
STARTUP_DEADLINE_S = 240.0  # ContainerStartupHealthCheckTimeoutInSeconds default (60-3600)
INVOCATION_TIMEOUT_S = 60.0  # /invocations must answer within 60 s
SIGTERM_GRACE_S = 30.0  # SIGKILL follows SIGTERM after 30 s
ACCEPT_SOCKET_S = 0.25  # a container accepts a socket within 250 ms

# --- payloads [runtime], [pipelines] ---
MAX_REQUEST_BYTES = 6 * 1024 * 1024  # InvokeEndpoint Body: 6 MiB (6,291,456 bytes)
MAX_RESPONSE_BYTES = 6 * 1024 * 1024  # a container's answer to the caller: 6 MiB
# "exceeded the maximum limit of 5 MB" between containers [pipelines]; the guide does not say
# whether MB means 10^6 or 2^20 bytes: we read it as MiB, the larger, so no payload SageMaker
# accepts is refused here (one value, used by the emulator and the contract suite alike).
MAX_BETWEEN_CONTAINERS_BYTES = 5 * 1024 * 1024
MAX_CUSTOM_ATTRIBUTES_CHARS = 1024  # X-Amzn-SageMaker-Custom-Attributes
MAX_ERROR_MESSAGE_CHARS = 2048  # Message of an error [runtime]
MAX_ORIGINAL_MESSAGE_CHARS = 1024  # ModelError.OriginalMessage

# --- a pipeline [control], [pipelines] ---
MIN_CONTAINERS, MAX_CONTAINERS = 2, 15  # Containers of a serial pipeline (2 to 5 before August 2021)
SERIAL, DIRECT = "Serial", "Direct"
MODES = (SERIAL, DIRECT)  # InferenceExecutionConfig.Mode; Serial by default
DEFAULT_VARIANT = "AllTraffic"  # the SDK's one variant name

# --- the Runtime API's headers [runtime] ---
H_CUSTOM_ATTRIBUTES = "X-Amzn-SageMaker-Custom-Attributes"
H_TARGET_HOSTNAME = "X-Amzn-SageMaker-Target-Container-Hostname"
H_TARGET_VARIANT = "X-Amzn-SageMaker-Target-Variant"
H_TARGET_MODEL = "X-Amzn-SageMaker-Target-Model"
H_INFERENCE_ID = "X-Amzn-SageMaker-Inference-Id"
H_INVOKED_VARIANT = "x-Amzn-Invoked-Production-Variant"
H_ERROR_TYPE = "x-amzn-ErrorType"
H_REQUEST_ID = "x-amzn-RequestId"

# EndpointName, EndpointConfigName, VariantName: their pattern in the API reference (without anchors)
NAME_PATTERN = r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
NAME_RE = re.compile(f"^{NAME_PATTERN}$")  # a whole name, as the control plane and LocalEndpoint check it

# --- what a local account looks like ---
ACCOUNT_ID = "000000000000"  # moto's default account
INSTANCE_ID = "i-local"  # the instance in log stream names


# --- the control plane [control] ---
TARGET_PREFIX = "SageMaker."  # X-Amz-Target: SageMaker.<Operation> (protocol json 1.1)
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
# CreateEndpoint's default port here: SAGE on a phone keypad. Not used by LocalStack (4566, 4510-4559),
# moto_server (5000), DynamoDB Local (8000), MinIO (9000), ElasticMQ (9324) or SageMaker local mode (8080).
SERVE_PORT = 7243
MAX_VARIANTS = 10  # ProductionVariantList max 10
MAX_TAGS = 50  # TagList max 50


def arn(region: str, kind: str, name: str) -> str:
    """Return the ARN SageMaker gives a `kind` (model, endpoint-config, endpoint) named `name` (lower-cased)."""
    return f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:{kind}/{name.lower()}"


def endpoint_arn(region: str, name: str) -> str:
    """Return the ARN SageMaker gives endpoint `name` (lower-cased, as SageMaker does)."""
    return arn(region, "endpoint", name)


def log_group(endpoint: str) -> str:
    """Return the CloudWatch Logs group of an endpoint's containers [hosting]."""
    return f"/aws/sagemaker/Endpoints/{endpoint}"


def log_stream(variant: str, hostname: str) -> str:
    """Return the log stream of one container: `{Variant}/{InstanceId}/{ContainerHostname}` [hosting]."""
    return f"{variant}/{INSTANCE_ID}/{hostname}"


TRANSFORM_LOG_GROUP = "/aws/sagemaker/TransformJobs"  # [batch]
# A transform job whose container never answers /ping, as its FailureReason is quoted in
# aws/amazon-sagemaker-examples#852 (an inference pipeline's batch transform)
TRANSFORM_PING_FAILURE = (
    "AlgorithmError: Model container failed to respond to ping. Please ensure /ping endpoint is implemented "
    "and responds with an HTTP 200 status code"
)


def transform_data_log_stream(job: str) -> str:
    """Return a transform job's data log stream: the job's own lines (limits, each failed file), not a container's.

    SageMaker names it `{JobName}/{InstanceId}-{epoch}/data-log` (developer guide, "Log groups and streams
    that SageMaker sends to CloudWatch Logs"); its lines read `2021-03-14T23:56:26.474:[sagemaker logs]:
    bucket/key: ...` (as quoted in aws/sagemaker-tensorflow-serving-container#93).
    """
    return f"{job}/{INSTANCE_ID}/data-log"


def transform_log_stream(job: str, hostname: str) -> str:
    """Return the log stream of one transform job container: `{JobName}/{InstanceId}-{ContainerHostname}`."""
    return f"{job}/{INSTANCE_ID}-{hostname}"
