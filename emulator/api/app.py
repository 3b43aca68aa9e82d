"""The one WSGI app behind the local URL: the Runtime API's routes, then hooks for other AWS calls.

Errors raised below (the invocation chain, lookups, framing) are rendered here, once, the way
botocore's rest-json parser reads them (botocore/parsers.py `RestJSONParser`): the code in the
`x-amzn-ErrorType` header, the message in the JSON body's `Message`, and a modeled error's extra
members (ModelError's OriginalStatusCode, OriginalMessage, LogStreamArn) as top-level body keys.

"Endpoint NAME of account ACCOUNT not found." is SageMaker's wording (aws/amazon-sagemaker-examples
#293, #559, #1477); the ModelNotReadyException, TargetVariant and TargetModel messages are ours (no
public report quotes SageMaker's).
"""

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.sansio.utils import get_content_length
from werkzeug.wrappers import Request, Response

from emulator.api.errors import (
    ApiError,
    InternalFailure,
    ModelNotReadyException,
    ServiceUnavailable,
    UnknownOperation,
    ValidationError,
)
from emulator.api.framing import read_body
from emulator.invocation.chain import Answer, Invocation, Pipeline
from emulator.invocation.routing import VariantRouter
from emulator.sagemaker import (
    ACCOUNT_ID,
    H_CUSTOM_ATTRIBUTES,
    H_ERROR_TYPE,
    H_INFERENCE_ID,
    H_INVOKED_VARIANT,
    H_REQUEST_ID,
    H_TARGET_HOSTNAME,
    H_TARGET_MODEL,
    H_TARGET_VARIANT,
    MAX_REQUEST_BYTES,
    NAME_PATTERN,
)

LOG = logging.getLogger(__name__)
ROUTES = Map([Rule("/endpoints/<name>/invocations", methods=["POST"], endpoint="invoke", strict_slashes=False)])
# InvokeEndpoint as boto3 sends it, recognised without werkzeug's router: a name as SageMaker allows one
# (group 1). Anything else under /endpoints/ goes through ROUTES.
INVOKE_PATH = re.compile(f"/endpoints/({NAME_PATTERN})/invocations")
# A hook answers a request that is not the Runtime API's (the control plane, the proxy to moto),
# or returns None to pass it on.
Hook = Callable[[Request], Response | None]


class LocalApi:
    """A WSGI app answering InvokeEndpoint for the endpoints it is given, and whatever its hooks answer."""

    def __init__(self) -> None:
        self._endpoints: dict[str, VariantRouter | None] = {}
        self._lock = threading.Lock()
        self.hooks: list[Hook] = []
        self.closing = False

    def add(self, name: str, target: Pipeline | VariantRouter | None) -> None:
        """Serve `target` (a pipeline, or variants by weight) as endpoint `name`; None marks it as still starting.

        Once this returns, no new invocation reaches what was served before under `name`.
        """
        router = VariantRouter.single(target) if isinstance(target, Pipeline) else target
        with self._lock:
            self._endpoints[name] = router

    def remove(self, name: str) -> None:
        """Stop serving an endpoint (later calls get 'not found')."""
        with self._lock:
            self._endpoints.pop(name, None)

    @property
    def endpoints(self) -> dict[str, VariantRouter | None]:
        """Return a copy of the served endpoints by name."""
        with self._lock:
            return dict(self._endpoints)

    def router(self, name: str) -> VariantRouter:
        """Return the router serving `name`, or raise the error SageMaker would answer (call under the lock)."""
        if self.closing:
            raise ServiceUnavailable("The emulator is shutting down; start the endpoint again and retry.")
        if name not in self._endpoints:
            raise ValidationError(f"Endpoint {name} of account {ACCOUNT_ID} not found.")
        router = self._endpoints[name]
        if router is None:
            raise ModelNotReadyException(
                f"Endpoint {name} is still starting: not every container has passed the ping health "
                "check yet. Wait and try your request again."
            )
        return router

    def pipeline(self, name: str, variant: str | None = None) -> Pipeline:
        """Return the pipeline that would serve `name` (the TargetVariant's, else one by weight)."""
        with self._lock:
            return self.router(name).choose(variant)

    @contextmanager
    def serving(self, name: str) -> Iterator[VariantRouter]:
        """Look up `name` and count an invocation under way on it, in one step (see `add`)."""
        with self._lock:
            router = self.router(name)
            router.begin()
        try:
            yield router
        finally:
            router.end()

    def __call__(self, environ, start_response):
        """Answer one request: InvokeEndpoint straight from the WSGI environ, else a hook's answer.

        InvokeEndpoint is the hot path (every request of a load test): it reads the environ itself and
        answers with start_response, without werkzeug's Request, router and Response objects, which
        cost about as much CPU as the rest of the request's handling here. Errors, and every other
        operation, are werkzeug responses.
        """
        request_id = str(uuid.uuid4())
        try:
            name = _invocation_name(environ)
            if name is not None:
                return self.invoke(environ, start_response, name, request_id)
            response = self.dispatch(Request(environ))
        except ApiError as err:
            response = render_error(err)
        except Exception as err:  # a bug here must still answer, and say what broke
            LOG.exception("a request failed inside the emulator")
            response = render_error(InternalFailure(f"The emulator failed: {err!r}"))
        response.headers.setdefault(H_REQUEST_ID, request_id)
        if not environ.get("byoc.body_read") and _has_body(environ):
            response.headers["Connection"] = "close"  # never read a refused body: close instead
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Answer a request that is not InvokeEndpoint: the first hook that answers it."""
        for hook in self.hooks:
            response = hook(request)
            if response is not None:
                return response
        raise UnknownOperation(
            f"No operation is served at {request.method} {request.path}: this SageMaker Runtime "
            "emulator serves POST /endpoints/ENDPOINT_NAME/invocations."
        )

    def invoke(self, environ, start_response, name: str, request_id: str) -> list[bytes]:
        """InvokeEndpoint: read the body, run the pipeline, answer with its result."""
        with self.serving(name) as router:
            pipeline = router.choose(environ.get(ENV_TARGET_VARIANT))
            body = read_body(
                environ["wsgi.input"],
                _content_length(environ),
                bool(environ.get("wsgi.input_terminated")),
                MAX_REQUEST_BYTES,
                environ.get(ENV_INFERENCE_ID) or request_id,
            )
            environ["byoc.body_read"] = True
            answer = pipeline.invoke(invocation_of(environ, pipeline, body))
        start_response("200 OK", answer_headers(pipeline, answer, request_id))
        return [answer.body]


def _environ_key(header: str) -> str:
    """Return the WSGI environ key of a request header (PEP 3333: HTTP_ + upper case, - as _)."""
    return "HTTP_" + header.upper().replace("-", "_")


ENV_TARGET_VARIANT = _environ_key(H_TARGET_VARIANT)
ENV_TARGET_MODEL = _environ_key(H_TARGET_MODEL)
ENV_TARGET_HOSTNAME = _environ_key(H_TARGET_HOSTNAME)
ENV_INFERENCE_ID = _environ_key(H_INFERENCE_ID)
ENV_CUSTOM_ATTRIBUTES = _environ_key(H_CUSTOM_ATTRIBUTES)


def _invocation_name(environ) -> str | None:
    """Return the endpoint name of an InvokeEndpoint request, or None for any other request."""
    path = environ.get("PATH_INFO", "")
    if environ.get("REQUEST_METHOD") == "POST" and (match := INVOKE_PATH.fullmatch(path)):
        return match.group(1)
    if not path.startswith("/endpoints/"):
        return None
    try:  # the same route in forms the pattern leaves to werkzeug (a trailing slash, an unusual name)
        _, args = ROUTES.bind_to_environ(environ).match()
    except (NotFound, MethodNotAllowed):
        return None
    return args["name"]


def invocation_of(environ, pipeline: Pipeline, body: bytes) -> Invocation:
    """Return what the caller asked for, refusing headers this endpoint cannot honour."""
    if environ.get(ENV_TARGET_MODEL) is not None:
        raise ValidationError(
            f"TargetModel was given, but endpoint {pipeline.name} is not a multi-model endpoint: leave it out."
        )
    return Invocation(
        body,
        environ.get("CONTENT_TYPE"),
        environ.get("HTTP_ACCEPT"),
        environ.get(ENV_CUSTOM_ATTRIBUTES),
        environ.get(ENV_TARGET_HOSTNAME),
        environ.get(ENV_INFERENCE_ID),
    )


def _content_length(environ) -> int | None:
    """Return the request's Content-Length as werkzeug reads it (None when chunked, missing or not a number)."""
    return get_content_length(environ.get("CONTENT_LENGTH"), environ.get("HTTP_TRANSFER_ENCODING"))


def _has_body(environ) -> bool:
    return bool(environ.get("wsgi.input_terminated")) or bool(_content_length(environ))


def answer_headers(pipeline: Pipeline, answer: Answer, request_id: str) -> list[tuple[str, str]]:
    """Return the headers of a successful InvokeEndpoint's answer."""
    headers = [(H_INVOKED_VARIANT, pipeline.variant)]
    if answer.content_type is not None:
        headers.append(("Content-Type", answer.content_type))
    if answer.custom_attributes is not None:
        headers.append((H_CUSTOM_ATTRIBUTES, answer.custom_attributes))
    headers += [("Content-Length", str(len(answer.body))), (H_REQUEST_ID, request_id)]
    return headers


def render_error(err: ApiError) -> Response:
    """Return the JSON error botocore parses into `err.response["Error"]`."""
    response = Response(json.dumps(err.fields()), status=err.status, content_type="application/json")
    response.headers[H_ERROR_TYPE] = err.code
    return response
