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
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
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
)

LOG = logging.getLogger(__name__)
ROUTES = Map([Rule("/endpoints/<name>/invocations", methods=["POST"], endpoint="invoke", strict_slashes=False)])
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
        request = Request(environ)
        request_id = str(uuid.uuid4())
        try:
            response = self.dispatch(request, request_id)
        except ApiError as err:
            response = render_error(err)
        except Exception as err:  # a bug here must still answer, and say what broke
            LOG.exception("a request failed inside the emulator")
            response = render_error(InternalFailure(f"The emulator failed: {err!r}"))
        response.headers.setdefault(H_REQUEST_ID, request_id)
        if not environ.get("byoc.body_read") and _has_body(request):
            response.headers["Connection"] = "close"  # never read a refused body: close instead
        return response(environ, start_response)

    def dispatch(self, request: Request, request_id: str) -> Response:
        """Answer one request: a Runtime API route, else the first hook that answers."""
        try:
            rule, args = ROUTES.bind_to_environ(request.environ).match()
        except (NotFound, MethodNotAllowed):
            for hook in self.hooks:
                response = hook(request)
                if response is not None:
                    return response
            raise UnknownOperation(
                f"No operation is served at {request.method} {request.path}: this SageMaker Runtime "
                "emulator serves POST /endpoints/ENDPOINT_NAME/invocations."
            ) from None
        return self.invoke(request, args["name"], request_id)

    def invoke(self, request: Request, name: str, request_id: str) -> Response:
        """InvokeEndpoint: read the body, run the pipeline, render its answer."""
        with self.serving(name) as router:
            pipeline = router.choose(request.headers.get(H_TARGET_VARIANT))
            body = read_body(
                request.environ["wsgi.input"],
                request.content_length,
                bool(request.environ.get("wsgi.input_terminated")),
                MAX_REQUEST_BYTES,
                request.headers.get(H_INFERENCE_ID) or request_id,
            )
            request.environ["byoc.body_read"] = True
            return render_answer(pipeline, pipeline.invoke(invocation_of(request, pipeline, body)))


def invocation_of(request: Request, pipeline: Pipeline, body: bytes) -> Invocation:
    """Return what the caller asked for, refusing headers this endpoint cannot honour."""
    h = request.headers
    if h.get(H_TARGET_MODEL) is not None:
        raise ValidationError(
            f"TargetModel was given, but endpoint {pipeline.name} is not a multi-model endpoint: leave it out."
        )
    return Invocation(
        body,
        h.get("Content-Type"),
        h.get("Accept"),
        h.get(H_CUSTOM_ATTRIBUTES),
        h.get(H_TARGET_HOSTNAME),
        h.get(H_INFERENCE_ID),
    )


def _has_body(request: Request) -> bool:
    return bool(request.environ.get("wsgi.input_terminated")) or bool(request.content_length)


def render_answer(pipeline: Pipeline, answer: Answer) -> Response:
    """Return the response of a successful InvokeEndpoint."""
    response = Response(answer.body, status=200)
    response.headers[H_INVOKED_VARIANT] = pipeline.variant
    if answer.content_type is not None:
        response.headers["Content-Type"] = answer.content_type
    else:
        del response.headers["Content-Type"]
    if answer.custom_attributes is not None:
        response.headers[H_CUSTOM_ATTRIBUTES] = answer.custom_attributes
    return response


def render_error(err: ApiError) -> Response:
    """Return the JSON error botocore parses into `err.response["Error"]`."""
    response = Response(json.dumps(err.fields()), status=err.status, content_type="application/json")
    response.headers[H_ERROR_TYPE] = err.code
    return response
