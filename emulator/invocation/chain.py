"""Forward one invocation through a pipeline's containers with SageMaker's serial/direct semantics.

No Docker and no HTTP server here: a `Pipeline` calls `Hop`s (see `emulator.invocation.hops.HttpHop`) and
raises `emulator.api.errors` errors that the API edge renders. The invocation's data types are in
messages.py, the ModelError wordings in failures.py (mixed into Pipeline), the latency counts in stats.py.

Wordings follow what SageMaker returns, as quoted in public reports:
- ModelError: `Received client error (415) from primary with message "...". See https://us-east-1.
  console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEventViewer:group=/aws/sagemaker/
  Endpoints/NAME in account ACCOUNT for more information.` (aws/sagemaker-xgboost-container#390,
  aws/amazon-sagemaker-examples#2047), "server error" for 5xx (aws/sagemaker-python-sdk#2955).
- Timeout: `Received server error (0) from primary with message "Your invocation timed out while
  waiting for a response from container primary. Review the latency metrics for each container in
  Amazon CloudWatch, resolve the issue, and try again."` (aws-samples/host-yolov8-on-sagemaker-
  endpoint#21, RamVegiraju/SageMaker-Deployment#3, aws/amazon-sagemaker-examples#799).
- Oversize request: `Request {request-id} has oversize body.` (aws/sagemaker-python-sdk#4271).
- Between containers: the inference-pipeline troubleshooting guide's "Received response from X
  with status code 200. However, the request payload from X to Y is N bytes, which has exceeded
  the maximum limit of 5 MB."
- Direct mode: the three ValidationError cases listed in "Invoke a multi-container endpoint with
  direct invocation" (docs.aws.amazon.com/sagemaker/latest/dg/multi-container-direct.html); the
  guide gives no exact text, so those messages are ours.
"""

import time
from collections.abc import Sequence

from emulator.api.errors import ModelError, ValidationError
from emulator.invocation.failures import TIMEOUT_TEXT, PipelineFailures, oversize_body
from emulator.invocation.hops import HopResponse, HopUnreachable
from emulator.invocation.messages import Answer, Hop, Invocation
from emulator.invocation.stats import PipelineStats, percentile
from emulator.sagemaker import (
    H_CUSTOM_ATTRIBUTES,
    MAX_BETWEEN_CONTAINERS_BYTES,
    MAX_CUSTOM_ATTRIBUTES_CHARS,
    MAX_REQUEST_BYTES,
    MAX_RESPONSE_BYTES,
    MODES,
)

__all__ = [
    "TIMEOUT_TEXT",
    "Answer",
    "Hop",
    "HopResponse",
    "HopUnreachable",
    "Invocation",
    "Pipeline",
    "PipelineStats",
    "oversize_body",
    "percentile",
]

CUSTOM_ATTRIBUTES = H_CUSTOM_ATTRIBUTES
# A caller that sends no Content-Type: containers see application/octet-stream (inferred from
# reports such as aws/amazon-sagemaker-examples#2047, where a call without ContentType reached the
# model as "content-type application/octet-stream not supported").
DEFAULT_CONTENT_TYPE = "application/octet-stream"


class Pipeline(PipelineFailures):
    """An endpoint's containers and how to call them (Serial chain or Direct by hostname)."""

    def __init__(
        self,
        name: str,
        hops: Sequence[Hop],
        mode: str = "Serial",
        variant: str = "AllTraffic",
        timeout_s: float = 60.0,
        log_group: str | None = None,
        region: str = "us-east-1",
        payload_limits: bool = True,
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if not hops:
            raise ValueError("a pipeline needs at least one hop")
        self.name = name
        self.hops = tuple(hops)
        self.mode = mode
        self.variant = variant
        self.timeout_s = timeout_s
        self.region = region
        self.log_group = log_group or f"/aws/sagemaker/Endpoints/{name}"
        # InvokeEndpoint's 6 MiB and the 5 MB between containers; a transform job turns them off
        # (its MaxPayloadInMB, up to 100, is enforced when its mini-batches are made)
        self.payload_limits = payload_limits
        self.stats = PipelineStats([hop.hostname for hop in self.hops])
        self._by_hostname = {hop.hostname: hop for hop in self.hops}

    def invoke(self, invocation: Invocation) -> Answer:
        """Run one invocation through the containers and return the last answer."""
        self._check_request(invocation)
        hops = self._route(invocation.target_hostname)
        try:
            answer = self._chain(hops, invocation)
        except ModelError as err:
            self.stats.record_error(err.hostname)
            raise
        self.stats.record(answer.latencies_ms)
        return answer

    def _check_request(self, inv: Invocation) -> None:
        if self.payload_limits and len(inv.body) > MAX_REQUEST_BYTES:
            raise oversize_body(len(inv.body), inv.inference_id)
        attrs = inv.custom_attributes
        if attrs is not None and (len(attrs) > MAX_CUSTOM_ATTRIBUTES_CHARS or not attrs.isascii()):
            raise ValidationError(
                "1 validation error detected: Value at 'customAttributes' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_CUSTOM_ATTRIBUTES_CHARS} and "
                f"contain only US-ASCII characters (got {len(attrs)} characters)"
            )

    def _route(self, target: str | None) -> Sequence[Hop]:
        if self.mode == "Serial":
            if target is not None:
                raise ValidationError(
                    f"TargetContainerHostname {target} was given, but endpoint {self.name} is not configured "
                    "for direct invocation (its InferenceExecutionConfig.Mode is Serial): leave it out."
                )
            return self.hops
        if target is None:
            raise ValidationError(
                f"Endpoint {self.name} is configured for direct invocation: give TargetContainerHostname, "
                f"one of: {', '.join(self._by_hostname)}."
            )
        hop = self._by_hostname.get(target)
        if hop is None:
            raise ValidationError(
                f"TargetContainerHostname {target} does not exist in endpoint {self.name}; its containers "
                f"are: {', '.join(self._by_hostname)}."
            )
        return (hop,)

    def _chain(self, hops: Sequence[Hop], inv: Invocation) -> Answer:
        deadline = time.perf_counter() + self.timeout_s
        body = inv.body
        content_type: str | None = inv.content_type or DEFAULT_CONTENT_TYPE
        latencies: dict[str, float] = {}
        response: HopResponse | None = None
        for i, hop in enumerate(hops):
            last = i == len(hops) - 1
            headers = _headers(content_type, inv.accept if last else None, inv.custom_attributes)
            response = self._call(hop, body, headers, deadline, latencies)
            limit = MAX_RESPONSE_BYTES if last else MAX_BETWEEN_CONTAINERS_BYTES
            if self.payload_limits and len(response.body) > limit:
                raise self._too_large(hop, None if last else hops[i + 1], response)
            body, content_type = response.body, response.headers.get("content-type")
        assert response is not None, "a pipeline has at least one container"
        return Answer(body, content_type, response.headers.get(CUSTOM_ATTRIBUTES.lower()), latencies)

    def _call(
        self, hop: Hop, body: bytes, headers: dict[str, str], deadline: float, latencies: dict[str, float]
    ) -> HopResponse:
        started = time.perf_counter()
        remaining = deadline - started
        try:
            if remaining <= 0:
                raise HopUnreachable(hop.hostname, "the invocation's time ran out", timed_out=True)
            response = hop.post(body, headers, remaining)
        except HopUnreachable as err:
            raise self._unreachable(hop.hostname, err) from None
        finally:
            latencies[hop.hostname] = (time.perf_counter() - started) * 1000.0
        if not 200 <= response.status < 300:
            raise self._failed(hop.hostname, response)
        return response

    def __repr__(self) -> str:
        return f"Pipeline({self.name!r}, {[h.hostname for h in self.hops]}, mode={self.mode!r})"


def _headers(content_type: str | None, accept: str | None, custom_attributes: str | None) -> dict[str, str]:
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if accept is not None:
        headers["Accept"] = accept
    if custom_attributes is not None:
        headers[CUSTOM_ATTRIBUTES] = custom_attributes
    return headers
