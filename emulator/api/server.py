"""Serve the WSGI app on `host:port` in a background thread, with werkzeug's threaded server.

The request handler refuses broken framing before the app sees the request, and answers every
error werkzeug or http.server would send as HTML (bad request line, headers too large, ...) as a
JSON 4xx in SageMaker's error shape instead. werkzeug's server closes every connection after its
answer (no keep-alive) and drains what the caller still sends; a refused body is not drained but
cut off (the socket's read side is shut), so no more than the 6 MiB limit is ever read.
"""

import json
import logging
import socket
import threading

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from emulator.api.app import LocalApi
from emulator.api.framing import framing_problem
from emulator.invocation.chain import Pipeline
from emulator.sagemaker import H_ERROR_TYPE

LOG = logging.getLogger(__name__)
IDLE_TIMEOUT_S = 300.0                 # close a keep-alive connection idle this long


class _Handler(WSGIRequestHandler):
    """werkzeug's handler with framing checks, JSON errors and quiet logging."""

    timeout = IDLE_TIMEOUT_S
    disable_nagle_algorithm = True
    server_version = "byoc"
    sys_version = ""

    def make_environ(self):
        """Add a way for the app to stop reading a body it refuses (werkzeug drains what is left)."""
        environ = super().make_environ()
        environ["byoc.stop_reading"] = self._stop_reading
        return environ

    def _stop_reading(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RD)
        except OSError:
            pass

    def run_wsgi(self) -> None:
        problem = framing_problem(self.headers)
        if problem is not None:
            self.close_connection = True
            self.send_error(400, problem)
            return
        super().run_wsgi()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer a protocol error as SageMaker's JSON error; never a 5xx for a malformed request."""
        status = code if 400 <= code < 500 else 400
        body = json.dumps({"Message": f"Malformed HTTP request: {message or explain or code}"}).encode()
        self.close_connection = True
        self.request_version = "HTTP/1.1"      # parse errors leave HTTP/0.9 here, which writes no status line
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header(H_ERROR_TYPE, "ValidationError")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass

    def log_request(self, code="-", size="-") -> None:
        LOG.debug("%s %s -> %s", getattr(self, "command", "-"), getattr(self, "path", "-"), code)

    def log_error(self, format: str, *args) -> None:
        LOG.debug("http: " + format, *args)

    def log(self, type: str, message: str, *args) -> None:
        LOG.debug("http %s: " + message, type, *args)


class RuntimeApi:
    """The local URL: `LocalApi` served on `host:port` (0 = any free port) in a thread; a context manager."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, app: LocalApi | None = None):
        self.host, self.port = host, port
        self.app = app or LocalApi()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> "RuntimeApi":
        """Bind the port and serve in a background thread."""
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=_Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_port
        self.app.closing = False
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"byoc-api-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (requests still on keep-alive get ServiceUnavailable)."""
        self.app.closing = True
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> "RuntimeApi":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Return the base URL to give boto3 as `endpoint_url`."""
        return f"http://{self.host}:{self.port}"

    def add(self, name: str, pipeline: Pipeline | None) -> None:
        """Serve `pipeline` as endpoint `name`; None marks it as still starting."""
        self.app.add(name, pipeline)

    def remove(self, name: str) -> None:
        """Stop serving an endpoint."""
        self.app.remove(name)

    @property
    def endpoints(self) -> dict[str, Pipeline | None]:
        """Return a copy of the served endpoints by name."""
        return self.app.endpoints
