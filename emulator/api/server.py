"""The SageMaker Runtime HTTP surface: `POST /endpoints/{name}/invocations` for any number of endpoints.

Errors raised below (forwarder, lookups) are rendered here, once, the way botocore's rest-json
parser reads them (botocore/parsers.py `RestJSONParser`): the code in the `x-amzn-ErrorType`
header, the message in the JSON body's `Message`, and a modeled error's extra members
(ModelError's OriginalStatusCode, OriginalMessage, LogStreamArn) as top-level body keys.

"Endpoint NAME of account ACCOUNT not found." is SageMaker's wording (aws/amazon-sagemaker-examples
#293, #559, #1477); the ModelNotReadyException, TargetVariant and TargetModel messages are ours (no
public report quotes SageMaker's).
"""

import json
import logging
import re
import sys
import threading
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from emulator.api.errors import (ApiError, InternalFailure, ModelNotReadyException, ServiceUnavailable,
                         UnknownOperation, ValidationError)
from emulator.invocation.chain import Answer, Invocation, Pipeline, oversize_body
from emulator.sagemaker import (ACCOUNT_ID, H_CUSTOM_ATTRIBUTES, H_INFERENCE_ID, H_TARGET_HOSTNAME, H_TARGET_MODEL,
                                H_TARGET_VARIANT, MAX_REQUEST_BYTES)

LOG = logging.getLogger(__name__)
INVOKE_PATH = re.compile(r"^/endpoints/([^/?]+)/invocations/?(?:\?.*)?$")
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024   # read and drop at most this much of a refused body, else close
IDLE_TIMEOUT_S = 300.0                 # close a keep-alive connection idle this long
REASONS = {530: "Internal Dependency Failure"}


class RuntimeApi:
    """An HTTP server on `host:port` (0 = any free port) answering InvokeEndpoint for its endpoints."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port
        self._endpoints: dict[str, Pipeline | None] = {}
        self._server: "_Server | None" = None
        self._thread: threading.Thread | None = None
        self._closing = False

    def start(self) -> "RuntimeApi":
        """Bind the port and serve in a background thread."""
        self._server = _Server((self.host, self.port), _Handler)
        self._server.api = self
        self.port = self._server.server_address[1]
        self._closing = False
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"byoc-api-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (requests still on keep-alive get ServiceUnavailable)."""
        self._closing = True
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> "RuntimeApi":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Return the base URL to give boto3 as `endpoint_url`."""
        return f"http://{self.host}:{self.port}"

    def add(self, endpoint_name: str, pipeline: Pipeline | None) -> None:
        """Serve `pipeline` as `endpoint_name`; None marks it as still starting (ModelNotReady)."""
        self._endpoints[endpoint_name] = pipeline

    def remove(self, name: str) -> None:
        """Stop serving an endpoint (later calls get 'not found')."""
        self._endpoints.pop(name, None)

    @property
    def endpoints(self) -> dict[str, Pipeline | None]:
        """Return a copy of the served endpoints by name."""
        return dict(self._endpoints)

    def pipeline(self, name: str) -> Pipeline:
        """Return the pipeline serving `name`, or raise the error SageMaker would answer."""
        if self._closing:
            raise ServiceUnavailable("The emulator is shutting down; start the endpoint again and retry.")
        try:
            pipeline = self._endpoints[name]
        except KeyError:
            raise ValidationError(f"Endpoint {name} of account {ACCOUNT_ID} not found.") from None
        if pipeline is None:
            raise ModelNotReadyException(
                f"Endpoint {name} is still starting: not every container has passed the ping health "
                "check yet. Wait and try your request again.")
        return pipeline


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    api: RuntimeApi

    def handle_error(self, request, client_address) -> None:
        """Log a caller that went away quietly; anything else with its traceback."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            LOG.debug("caller %s went away", client_address)
        else:
            LOG.exception("unexpected error serving %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT_S
    server_version = "byoc-emulator"
    sys_version = ""

    def do_POST(self) -> None:
        self._handle()

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_POST

    def _handle(self) -> None:
        request_id = str(uuid.uuid4())
        self._unread = self._has_body()
        try:
            status, headers, body = self._dispatch(request_id)
        except ApiError as err:
            status, headers, body = render_error(err)
        except Exception as err:  # a bug here must still answer, and say what broke
            LOG.exception("InvokeEndpoint failed inside the emulator")
            status, headers, body = render_error(InternalFailure(f"The emulator failed: {err!r}"))
        headers["x-amzn-RequestId"] = request_id
        if self._unread and not self._drainable():
            self.close_connection = True
        self._respond(status, headers, body)
        if self._unread and not self.close_connection:
            self._drain_body()

    def _dispatch(self, request_id: str) -> tuple[int, dict[str, str], bytes]:
        match = INVOKE_PATH.match(self.path) if self.command == "POST" else None
        if match is None:
            raise UnknownOperation(
                f"No operation is served at {self.command} {self.path.split('?')[0]}: this SageMaker "
                "Runtime emulator serves POST /endpoints/ENDPOINT_NAME/invocations.")
        self._check_length(request_id)
        pipeline = self.server.api.pipeline(unquote(match.group(1)))
        invocation = self._invocation(pipeline, self._read_body(request_id))
        return render_answer(pipeline, pipeline.invoke(invocation))

    def _check_length(self, request_id: str) -> None:
        length = self.headers.get("Content-Length")
        if length is None:
            return
        try:
            size = int(length)
        except ValueError:
            self.close_connection = True
            raise ValidationError(f"Content-Length {length!r} is not a number of bytes.") from None
        if size > MAX_REQUEST_BYTES:
            raise oversize_body(size, self.headers.get(H_INFERENCE_ID) or request_id)

    def _read_body(self, request_id: str) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(request_id)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._unread = False
        return body

    def _read_chunked(self, request_id: str) -> bytes:
        parts, total = [], 0
        while True:
            size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(65537).strip():  # trailers, up to the blank line
                    pass
                break
            total += size
            if total > MAX_REQUEST_BYTES:
                self.close_connection = True
                raise oversize_body(total, request_id)
            parts.append(self.rfile.read(size))
            self.rfile.readline(3)
        self._unread = False
        return b"".join(parts)

    def _invocation(self, pipeline: Pipeline, body: bytes) -> Invocation:
        h = self.headers
        variant = h.get(H_TARGET_VARIANT)
        if variant is not None and variant != pipeline.variant:
            raise ValidationError(f"TargetVariant {variant} is not a production variant of endpoint "
                                  f"{pipeline.name}; its only variant is {pipeline.variant}.")
        if h.get(H_TARGET_MODEL) is not None:
            raise ValidationError(f"TargetModel was given, but endpoint {pipeline.name} is not a "
                                  "multi-model endpoint: leave it out.")
        return Invocation(body, h.get("Content-Type"), h.get("Accept"), h.get(H_CUSTOM_ATTRIBUTES),
                          h.get(H_TARGET_HOSTNAME), h.get(H_INFERENCE_ID))

    def _respond(self, status: int, headers: dict[str, str], body: bytes) -> None:
        reason = REASONS.get(status) or HTTPStatus(status).phrase
        head = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        if self.close_connection:
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "replace")
        self.wfile.write(data if self.command == "HEAD" else data + body)  # one write: no Nagle stall

    def _has_body(self) -> bool:
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        return chunked or self.headers.get("Content-Length", "0").strip() not in ("", "0")

    def _drainable(self) -> bool:
        length = self.headers.get("Content-Length")
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        return (not chunked and length is not None and length.isdigit()
                and int(length) <= DRAIN_LIMIT_BYTES)

    def _drain_body(self) -> None:
        remaining = int(self.headers.get("Content-Length") or 0)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                self.close_connection = True
                return
            remaining -= len(chunk)

    def log_message(self, format: str, *args) -> None:
        LOG.debug("%s - " + format, self.address_string(), *args)


def render_answer(pipeline: Pipeline, answer: Answer) -> tuple[int, dict[str, str], bytes]:
    """Return the status, headers and body of a successful InvokeEndpoint."""
    headers = {"x-Amzn-Invoked-Production-Variant": pipeline.variant}
    if answer.content_type is not None:
        headers["Content-Type"] = answer.content_type
    if answer.custom_attributes is not None:
        headers[H_CUSTOM_ATTRIBUTES] = answer.custom_attributes
    return 200, headers, answer.body


def render_error(err: ApiError) -> tuple[int, dict[str, str], bytes]:
    """Return the status, headers and JSON body botocore parses into `err.response["Error"]`."""
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": err.code}
    return err.status, headers, json.dumps(err.fields()).encode()
