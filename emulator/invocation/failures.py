"""SageMaker's errors for a failed invocation: ModelError from a container, ValidationError for an oversize body.

The wordings are SageMaker's as quoted in public reports; chain.py's docstring names each source
(aws/sagemaker-xgboost-container#390, aws/sagemaker-python-sdk#2955 and #4271, the inference-pipeline
troubleshooting guide, aws-samples/host-yolov8-on-sagemaker-endpoint#21 for the timeout).
"""

import uuid

from emulator.api.errors import ModelError, ValidationError
from emulator.invocation.hops import HopResponse, HopUnreachable
from emulator.invocation.messages import Hop
from emulator.sagemaker import ACCOUNT_ID, INSTANCE_ID, MAX_ORIGINAL_MESSAGE_CHARS, MAX_REQUEST_BYTES

# SageMaker's timeout wording (aws-samples/host-yolov8-on-sagemaker-endpoint#21, aws/amazon-sagemaker-examples#799)
TIMEOUT_TEXT = (
    "Your invocation timed out while waiting for a response from container {host}. Review the "
    "latency metrics for each container in Amazon CloudWatch, resolve the issue, and try again."
)


class PipelineFailures:
    """Word the ModelError a pipeline raises when a container fails, and say where its log stream is."""

    region: str
    variant: str
    log_group: str

    def log_stream_arn(self, hostname: str) -> str:
        """Return the CloudWatch log stream ARN SageMaker would give this container."""
        return (
            f"arn:aws:logs:{self.region}:{ACCOUNT_ID}:log-group:{self.log_group}"
            f":log-stream:{self.variant}/{INSTANCE_ID}/{hostname}"
        )

    def _model_error(self, hostname: str, status: int, text: str) -> ModelError:
        kind = "server" if status >= 500 or status == 0 else "client"
        text = text[:MAX_ORIGINAL_MESSAGE_CHARS]
        message = (
            f'Received {kind} error ({status}) from {hostname} with message "{text}". '
            f"See {self._console_url()} in account {ACCOUNT_ID} for more information."
        )
        return ModelError(message, status, text, self.log_stream_arn(hostname), hostname)

    def _failed(self, hostname: str, response: HopResponse) -> ModelError:
        return self._model_error(hostname, response.status, response.body.decode("utf-8", "replace"))

    def _unreachable(self, hostname: str, err: HopUnreachable) -> ModelError:
        if err.timed_out:
            return self._model_error(hostname, 0, TIMEOUT_TEXT.format(host=hostname))
        if err.exited:  # our wording: SageMaker does not publish what a call to a crashed container gets
            return self._model_error(
                hostname,
                0,
                f"Container {hostname} {err.reason}. Check its log stream, resolve the issue, and try again.",
            )
        return self._model_error(
            hostname,
            0,
            f"Container {hostname} is unreachable ({err.reason}). It may have crashed: "
            "check its log stream, resolve the issue, and try again.",
        )

    def _too_large(self, hop: Hop, next_hop: Hop | None, response: HopResponse) -> ModelError:
        src, size = hop.hostname, len(response.body)
        if next_hop is None:
            message = (
                f"Received response from {src} with status code {response.status}. However, the "
                f"response payload from {src} is {size} bytes, which has exceeded the maximum limit of 6 MB."
            )
        else:
            message = (
                f"Received response from {src} with status code {response.status}. However, the "
                f"request payload from {src} to {next_hop.hostname} is {size} bytes, which has "
                "exceeded the maximum limit of 5 MB."
            )
        return ModelError(message, response.status, "", self.log_stream_arn(src), src)

    def _console_url(self) -> str:
        r = self.region
        return f"https://{r}.console.aws.amazon.com/cloudwatch/home?region={r}#logEventViewer:group={self.log_group}"


def oversize_body(size: int, request_id: str | None = None) -> ValidationError:
    """Return SageMaker's error for a request body over 6 MiB."""
    request_id = request_id or str(uuid.uuid4())
    return ValidationError(
        f"Request {request_id} has oversize body. The body is {size} bytes; InvokeEndpoint accepts at "
        f"most {MAX_REQUEST_BYTES} bytes (6 MiB): send less per call, or use asynchronous inference."
    )
