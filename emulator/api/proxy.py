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

import json
import logging
import re
from typing import Callable, Iterable
from urllib.parse import parse_qs, quote, urlparse

import urllib3

LOG = logging.getLogger(__name__)

SAGEMAKER_SERVICES = ("sagemaker",)                  # the credential scope of both SageMaker APIs
SAGEMAKER_TARGET_PREFIX = "SageMaker."               # X-Amz-Target of the control plane (JSON 1.1)
INVOKE_PATH = re.compile(r"^/endpoints/[^/]+/invocations(?:-response-stream|-async)?/?$")
CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
# Hop-by-hop headers (RFC 9110 section 7.6.1) are the connection's, never forwarded.
HOP_BY_HOP = frozenset(("connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                        "trailer", "trailers", "transfer-encoding", "upgrade", "proxy-connection"))
CHUNK_BYTES = 64 * 1024
CONNECT_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 120.0                               # a large S3 object or a slow scan still answers
POOL_SIZE = 16

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


def signing_service(environ: dict) -> str | None:
    """Return the service a request is signed for (SigV4 credential scope), or None when unsigned."""
    found = CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if found:
        return found.group(1)
    credential = parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0]
    parts = credential.split("/")
    return parts[3] if len(parts) == 5 and parts[4] == "aws4_request" else None


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


def proxy_to(url: str, *, connect_timeout_s: float = CONNECT_TIMEOUT_S,
             read_timeout_s: float = READ_TIMEOUT_S) -> WsgiApp:
    """Return a WSGI app forwarding each request to the server at `url` and streaming its answer back."""
    target = urlparse(url)
    if target.scheme != "http" or not target.hostname:
        raise ValueError(f"proxy_to needs an http://HOST:PORT URL, got {url!r}")
    netloc = target.netloc
    pool = urllib3.HTTPConnectionPool(target.hostname, target.port or 80, maxsize=POOL_SIZE, block=False,
                                      timeout=urllib3.Timeout(connect=connect_timeout_s, read=read_timeout_s),
                                      retries=False)

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            answer = pool.urlopen(environ["REQUEST_METHOD"], _target_path(environ), body=_body(environ),
                                  headers=_request_headers(environ, netloc), preload_content=False,
                                  decode_content=False, redirect=False, assert_same_host=False)
        except urllib3.exceptions.HTTPError as err:
            LOG.warning("local AWS at %s did not answer %s %s: %s", url, environ["REQUEST_METHOD"],
                        environ.get("PATH_INFO"), err)
            return _unavailable(url, err, start_response)
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


def _body(environ: dict) -> bytes | None:
    """Return the request body: Content-Length bytes, or the whole input when the server de-chunked it."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        return stream.read(int(length))
    if environ.get("wsgi.input_terminated"):
        return stream.read()
    return None


def _unavailable(url: str, err: Exception, start_response: Callable) -> list[bytes]:
    """Answer 503 in AWS's JSON error shape, naming the local server that did not answer."""
    body = json.dumps({"__type": "ServiceUnavailable",
                       "message": f"the local AWS services at {url} did not answer ({err}); "
                                  "is the session's moto server still running?"}).encode()
    start_response("503 Service Unavailable", [("Content-Type", "application/x-amz-json-1.1"),
                                               ("x-amzn-ErrorType", "ServiceUnavailable"),
                                               ("Content-Length", str(len(body)))])
    return [body]


class _Streamed:
    """The upstream answer as a WSGI iterable: chunks as they arrive, the connection released on close."""

    def __init__(self, answer: urllib3.BaseHTTPResponse):
        self._answer = answer

    def __iter__(self):
        yield from self._answer.stream(CHUNK_BYTES, decode_content=False)

    def close(self) -> None:
        self._answer.release_conn()
