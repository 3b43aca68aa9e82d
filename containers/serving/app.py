"""The Flask app: GET /ping and POST /invocations around one handler and its model, loaded once."""

import importlib
import logging
from pathlib import Path
from types import ModuleType
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from .config import CUSTOM_ATTRIBUTES, MAX_BODY_BYTES, MAX_PAYLOAD_MB, ServeSettings
from .errors import ModelLoadError, ServingError

log = logging.getLogger("serving")
STATE = "byoc"


def create_app(handler: ModuleType, model: Any = None, workers: int = 1) -> Flask:
    """Return the app serving `model` through `handler`; /ping is 503 while model is None."""
    app = Flask("serving")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions[STATE] = {"handler": handler, "model": model, "workers": workers}
    app.add_url_rule("/ping", "ping", _ping, methods=["GET"])
    app.add_url_rule("/invocations", "invocations", _invocations, methods=["POST"])
    app.add_url_rule("/execution-parameters", "execution_parameters", _execution_parameters, methods=["GET"])
    app.register_error_handler(ServingError, _render_error)
    app.register_error_handler(HTTPException, _render_http_error)
    app.register_error_handler(Exception, _render_unexpected)
    app.after_request(_echo_custom_attributes)
    return app


def load_app(settings: ServeSettings) -> Flask:
    """Import the handler, load its model once from the model folder and return the app."""
    try:
        handler = importlib.import_module(settings.handler)
    except ImportError as err:
        raise ModelLoadError(f"cannot import the handler module {settings.handler!r}: {err}") from None
    model = load_model(handler, settings.model_dir)
    log.info("serving: %s loaded the model from %s", settings.handler, settings.model_dir)
    return create_app(handler, model, settings.workers)


def load_model(handler: ModuleType, model_dir: Path) -> Any:
    """Return handler.load(model_dir); any failure becomes a ModelLoadError that says what went wrong."""
    if not model_dir.is_dir():
        raise ModelLoadError(f"the model folder {model_dir} does not exist; mount the unpacked model.tar.gz there")
    try:
        return handler.load(model_dir)
    except ModelLoadError:
        raise
    except Exception as err:  # a handler's own failure, reported with its type
        raise ModelLoadError(f"loading the model from {model_dir} failed: {type(err).__name__}: {err}") from None


def _state() -> dict:
    """Return the handler and model of the app serving this request."""
    return current_app.extensions[STATE]


def _ping() -> Response:
    """Answer 200 with an empty body when the model is loaded, else 503."""
    if _state()["model"] is None:
        return Response("the model is not loaded\n", status=503, mimetype="text/plain")
    return Response(b"", status=200, mimetype="text/plain")


def _execution_parameters() -> Response:
    """Answer batch transform's question: one transform per worker, many records a request, 6 MB a request."""
    # Field names and MULTI_RECORD as AWS's own containers answer GET /execution-parameters
    # (CONTRACT.md, batch transform)
    return jsonify(
        {
            "MaxConcurrentTransforms": _state()["workers"],
            "BatchStrategy": "MULTI_RECORD",
            "MaxPayloadInMB": MAX_PAYLOAD_MB,
        }
    )


def _invocations() -> Response:
    """Run the handler on the request body and return its answer."""
    state = _state()
    if state["model"] is None:
        raise ServingError("the model is not loaded yet; wait for GET /ping to answer 200", status=503)
    body = _body()
    content, content_type = state["handler"].invoke(
        state["model"], body, request.headers.get("Content-Type"), request.headers.get("Accept")
    )
    return Response(content, status=200, content_type=content_type)


def _body() -> bytes:
    """Return the request body: one read of Content-Length bytes (werkzeug's get_data reads 64 KiB at a
    time, 8 ms for 1.5 MB); a body without a length, or over the limit (413), goes werkzeug's way."""
    length = request.content_length
    if length is not None and length <= MAX_BODY_BYTES:
        return request.environ["wsgi.input"].read(length)
    return request.get_data(cache=False)


def _render_error(err: ServingError) -> Response:
    """Render a ServingError as its status with the message as plain text."""
    log.warning("serving: %s %s -> %d %s", request.method, request.path, err.status, err.message)
    return Response(err.message + "\n", status=err.status, mimetype="text/plain")


def _render_http_error(err: HTTPException) -> Response:
    """Render werkzeug's errors (404, 405, 413) as plain text."""
    message = err.description or err.name
    if err.code == 413:
        message = f"the request body exceeds {MAX_BODY_BYTES} bytes (6 MiB), SageMaker's limit"
    return Response(message + "\n", status=err.code or 500, mimetype="text/plain")


def _render_unexpected(err: Exception) -> Response:
    """Render a handler bug as 500, with the traceback in the log."""
    log.exception("serving: unexpected error in %s %s", request.method, request.path)
    return Response(f"internal error: {type(err).__name__}: {err}\n", status=500, mimetype="text/plain")


def _echo_custom_attributes(response: Response) -> Response:
    """Copy X-Amzn-SageMaker-Custom-Attributes from the request onto the response, unchanged."""
    value = request.headers.get(CUSTOM_ATTRIBUTES)
    if value is not None and CUSTOM_ATTRIBUTES not in response.headers:
        response.headers[CUSTOM_ATTRIBUTES] = value
    return response
