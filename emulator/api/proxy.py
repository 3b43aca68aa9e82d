"""Every AWS call that is not SageMaker's goes on to the session's moto server: a streaming WSGI proxy.

One URL serves everything, routed the way moto's own server routes (moto/moto_server/utilities.py
and werkzeug_app.py `DomainDispatcherApplication.get_application`): by the service named in the
SigV4 credential scope, `Credential=AKID/DATE/REGION/SERVICE/aws4_request` in the Authorization
header (or `X-Amz-Credential` in a presigned URL's query). SageMaker's own calls (the control plane's
`X-Amz-Target: SageMaker.*`, the runtime's `POST /endpoints/NAME/invocations`, both signed for
service `sagemaker`) stay here; every other signed call is forwarded with its method, path, query,
headers (Host rewritten to moto's, the signature kept: moto does not verify it) and body, and the
answer is streamed back as it comes.
"""

import functools
import json
import logging
import re
from collections.abc import Callable, Collection, Iterable
from urllib.parse import parse_qs, quote, urlparse
from xml.sax.saxutils import escape

import urllib3
from werkzeug.wrappers import Request, Response

LOG = logging.getLogger(__name__)

SAGEMAKER_SERVICES = ("sagemaker",)  # the credential scope of both SageMaker APIs
# What the byoc/moto image serves, by signing name (containers/moto/Dockerfile trims moto and botocore to
# them); a call signed for any other service is refused here instead of failing inside moto with a 500.
LOCAL_AWS_SERVICES = ("s3", "dynamodb", "logs", "sts", "iam", "ecr")
SERVICE_NAMES = {
    "s3": "S3",
    "dynamodb": "DynamoDB",
    "logs": "CloudWatch Logs",
    "sts": "STS",
    "iam": "IAM",
    "ecr": "ECR",
}
SAGEMAKER_TARGET_PREFIX = "SageMaker."  # X-Amz-Target of the control plane (JSON 1.1)
INVOKE_PATH = re.compile(r"^/endpoints/[^/]+/invocations(?:-response-stream|-async)?/?$")
CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
# Hop-by-hop headers (RFC 9110 section 7.6.1) are the connection's, never forwarded.
HOP_BY_HOP = frozenset(
    (
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "proxy-connection",
    )
)
CHUNK_BYTES = 64 * 1024
CONNECT_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 120.0  # a large S3 object or a slow scan still answers
POOL_SIZE = 16
MAX_CHUNKED_BYTES = 64 * 1024 * 1024  # a chunked body is read whole before it goes on

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


def signing_service(environ: dict) -> str | None:
    """Return the service a request is signed for, or None when it is unsigned.

    SigV4 names it in the credential scope (header or presigned query); SigV2 (`Authorization: AWS
    AKID:SIG`, or `AWSAccessKeyId` and `Signature` in the query: what boto3 presigns S3 URLs with)
    is S3's, as moto's server assumes too.
    """
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    found = CREDENTIAL.search(authorization)
    if found:
        return found.group(1)
    query = parse_qs(environ.get("QUERY_STRING", ""))
    parts = query.get("X-Amz-Credential", [""])[0].split("/")
    if len(parts) == 5 and parts[4] == "aws4_request":
        return parts[3]
    if authorization.startswith("AWS ") or ("AWSAccessKeyId" in query and "Signature" in query):
        return "s3"
    return None


def is_sagemaker(environ: dict) -> bool:
    """Return True for SageMaker's calls (control plane or runtime) and unsigned calls: they stay here."""
    if environ.get("HTTP_X_AMZ_TARGET", "").startswith(SAGEMAKER_TARGET_PREFIX):
        return True
    if environ.get("REQUEST_METHOD") == "POST" and INVOKE_PATH.match(environ.get("PATH_INFO", "")):
        return True
    service = signing_service(environ)
    return service is None or service in SAGEMAKER_SERVICES


def route_by_service(sagemaker: WsgiApp, other: WsgiApp) -> WsgiApp:
    """Return a WSGI app sending SageMaker's calls to `sagemaker` and every other AWS call to `other`."""

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        return (sagemaker if is_sagemaker(environ) else other)(environ, start_response)

    return app


class _Passthrough(Response):
    """A response carried as it came: no Content-Type added where the upstream sent none."""

    default_mimetype = None


def proxy_hook(url: str, services: Collection[str] | None = LOCAL_AWS_SERVICES) -> Callable[[Request], Response | None]:
    """Return a `LocalApi` hook answering every non-SageMaker call by forwarding it to `url` (see proxy_to)."""
    forward = proxy_to(url, services=services)

    def hook(request: Request) -> Response | None:
        if is_sagemaker(request.environ):
            return None
        outer = request.environ

        def forward_and_tell(environ: dict, start_response: Callable) -> Iterable[bytes]:
            try:
                return forward(environ, start_response)
            finally:  # werkzeug's from_app runs the app on a copy of the environ: say on the original
                if environ.get("byoc.body_read"):  # that the body was read, or the app closes the connection
                    outer["byoc.body_read"] = True

        return _Passthrough.from_app(forward_and_tell, outer)

    hook.pool = forward.pool  # type: ignore[attr-defined]
    return hook


def proxy_to(
    url: str,
    *,
    services: Collection[str] | None = LOCAL_AWS_SERVICES,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
    read_timeout_s: float = READ_TIMEOUT_S,
) -> WsgiApp:
    """Return a WSGI app forwarding each request to the server at `url` and streaming its answer back.

    A call signed for a service outside `services` (None: any) is answered 501 NotImplemented, naming
    the services that are served.
    """
    target = urlparse(url)
    if target.scheme != "http" or not target.hostname:
        raise ValueError(f"proxy_to needs an http://HOST:PORT URL, got {url!r}")
    netloc = target.netloc
    pool = urllib3.HTTPConnectionPool(
        target.hostname,
        target.port or 80,
        maxsize=POOL_SIZE,
        block=False,
        timeout=urllib3.Timeout(connect=connect_timeout_s, read=read_timeout_s),
        retries=False,
    )

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        service = signing_service(environ)
        if services is not None and service is not None and service not in services:
            return _not_served(service, services, environ, start_response)
        try:
            body = _body(environ)
        except ValueError as err:
            return _error("413 Request Entity Too Large", "RequestEntityTooLarge", str(err), start_response)
        try:
            answer = pool.urlopen(
                environ["REQUEST_METHOD"],
                _target_path(environ),
                body=body,
                headers=_request_headers(environ, netloc),
                preload_content=False,
                decode_content=False,
                redirect=False,
                assert_same_host=False,
            )
        except urllib3.exceptions.HTTPError as err:
            LOG.warning(
                "local AWS at %s did not answer %s %s: %s",
                url,
                environ["REQUEST_METHOD"],
                environ.get("PATH_INFO"),
                err,
            )
            return _error(
                "503 Service Unavailable",
                "ServiceUnavailable",
                f"the local AWS services at {url} did not answer ({err}); is the session's moto server still running?",
                start_response,
            )
        headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP]
        start_response(f"{answer.status} {answer.reason or ''}".rstrip(), headers)
        return _Streamed(answer)

    app.pool = pool  # type: ignore[attr-defined]  # tests and owners may close it
    return app


def _target_path(environ: dict) -> str:
    """Return the request's path and query as the client sent them (S3 keys keep their escapes)."""
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if raw:
        return raw if raw.startswith("/") else urlparse(raw)._replace(scheme="", netloc="").geturl()
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    path = quote(path.encode("latin-1"), safe="/~!$&'()*+,;=:@%")  # PEP 3333: PATH_INFO is latin-1
    query = environ.get("QUERY_STRING")
    return f"{path}?{query}" if query else path


def _request_headers(environ: dict, netloc: str) -> dict[str, str]:
    """Return the request's end-to-end headers, Host rewritten to the target's."""
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
            if name.lower() not in HOP_BY_HOP and name.lower() != "host":
                headers[name] = value
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers[name] = environ[key]
    headers["Host"] = netloc
    return headers


def _body(environ: dict):
    """Return the request body: a reader of Content-Length bytes (streamed on), or a de-chunked body read whole."""
    stream = environ["wsgi.input"]
    environ["byoc.body_read"] = True  # the app closes connections whose body nobody read
    length = environ.get("CONTENT_LENGTH")
    if length:
        return _Limited(stream, int(length))
    if environ.get("wsgi.input_terminated"):
        data = stream.read(MAX_CHUNKED_BYTES + 1)
        if len(data) > MAX_CHUNKED_BYTES:
            raise ValueError(f"a chunked request body over {MAX_CHUNKED_BYTES} bytes; send a Content-Length")
        return data
    return None


class _Limited:
    """A file-like reader of exactly `length` bytes of a WSGI input, for urllib3 to stream on."""

    def __init__(self, stream, length: int):
        self._stream, self._left = stream, length

    def read(self, size: int = -1) -> bytes:
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._stream.read(size) if size else b""
        self._left -= len(data)
        return data


def _error(status: str, code: str, message: str, start_response: Callable) -> list[bytes]:
    """Answer in AWS's JSON error shape (botocore reads `__type` and the x-amzn-ErrorType header)."""
    body = json.dumps({"__type": code, "message": message}).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", code),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


def _not_served(service: str, services: Collection[str], environ: dict, start_response: Callable) -> list[bytes]:
    """Answer a call for a service the local AWS services do not hold, in that service's error shape."""
    served = ", ".join(SERVICE_NAMES.get(name, name) for name in services)
    message = (
        f"this call is signed for the AWS service {service!r}, which byoc's local URL does not serve: it serves "
        f"SageMaker and (through moto) {served}. Point this client at the service's own endpoint or emulator, "
        "not at byoc's URL."
    )
    if _protocol(service) in ("json", "rest-json") or "json" in environ.get("CONTENT_TYPE", ""):
        return _error("501 Not Implemented", "NotImplemented", message, start_response)
    body = (  # the query and rest-xml protocols' error document (botocore reads Error/Code and Error/Message)
        "<ErrorResponse><Error><Type>Sender</Type><Code>NotImplemented</Code>"
        f"<Message>{escape(message)}</Message></Error></ErrorResponse>"
    ).encode()
    start_response(
        "501 Not Implemented",
        [("Content-Type", "text/xml"), ("x-amzn-ErrorType", "NotImplemented"), ("Content-Length", str(len(body)))],
    )
    return [body]


@functools.lru_cache(maxsize=64)
def _protocol(service: str) -> str | None:
    """Return the protocol of the botocore model named like the signing service, or None when there is none."""
    import botocore.exceptions
    import botocore.loaders

    try:
        model = botocore.loaders.create_loader().load_service_model(service, "service-2")
    except (botocore.exceptions.DataNotFoundError, botocore.exceptions.UnknownServiceError, ValueError):
        return None
    return model.get("metadata", {}).get("protocol")


class _Streamed:
    """The upstream answer as a WSGI iterable: chunks as they arrive, the connection released on close."""

    def __init__(self, answer: urllib3.BaseHTTPResponse):
        self._answer = answer

    def __iter__(self):
        yield from self._answer.stream(CHUNK_BYTES, decode_content=False)

    def close(self) -> None:
        self._answer.release_conn()
