"""Serve the WSGI app on `host:port` with cheroot (CherryPy's HTTP/1.1 server) in a background thread.

cheroot keeps connections alive and runs a thread pool, so a hop through the local URL costs a
fraction of a millisecond (werkzeug's development server closes every connection and was measured
at about 0.8 ms more per request, see docs/architecture.md). Its own protocol errors (a bad request
line, a malformed Content-Length, headers too large) are answered here as SageMaker's JSON error
with a 4xx status instead of cheroot's plain text, and framing it accepts but we refuse (both
Content-Length and chunked) is refused before the app runs.
"""

import json
import logging
import socket
import threading
import time

from cheroot import server as cheroot_server
from cheroot import wsgi

from emulator.api.app import LocalApi
from emulator.api.framing import framing_problem
from emulator.invocation.chain import Pipeline
from emulator.invocation.routing import VariantRouter
from emulator.sagemaker import H_ERROR_TYPE

LOG = logging.getLogger(__name__)
IDLE_TIMEOUT_S = 300  # close a keep-alive connection idle this long
MAX_HEADER_BYTES = 64 * 1024  # request line and headers together
THREADS = 16  # concurrent requests; more wait in the accept queue
# The listen backlog (cheroot's default, 5, drops the SYNs of a burst of new connections: 32 callers
# connecting at once then wait for TCP's 1 s SYN retransmission, measured as a p99 of 1,055 ms)
LISTEN_BACKLOG = 1024
# Idle keep-alive connections kept open (cheroot's default, 10, answers "Connection: close" beyond it:
# 32 callers then reconnect all the time, and a few of those closes reach a caller as a reset).
KEEP_ALIVE_LIMIT = 256
LINGER_S = 2.0  # after answering a request whose body was left unread, read and drop what the client still sends
LINGER_BYTES = 64 * 1024 * 1024


class _CountingHeaderReader(cheroot_server.HeaderReader):
    """cheroot's header reader, counting Content-Length lines (it keeps only the last one)."""

    def __init__(self) -> None:
        self.content_lengths = 0

    def _transform_key(self, key_name):
        if key_name.strip().lower() == b"content-length":
            self.content_lengths += 1
        return super()._transform_key(key_name)


class _Request(cheroot_server.HTTPRequest):
    """cheroot's request with our framing rule and JSON protocol errors."""

    def read_request_headers(self) -> bool:
        self.header_reader = _CountingHeaderReader()
        if not super().read_request_headers():
            return False
        if self.header_reader.content_lengths > 1:
            self.simple_response("400 Bad Request", "The request has more than one Content-Length header; send one.")
            return False
        length = self.inheaders.get(b"Content-Length")
        encoding = self.inheaders.get(b"Transfer-Encoding")
        problem = framing_problem(
            length.decode("latin-1") if length is not None else None,
            encoding.decode("latin-1") if encoding is not None else None,
        )
        if problem is not None:
            self.simple_response("400 Bad Request", problem)
            return False
        return True

    def send_headers(self) -> None:
        """Honour the app's `Connection: close` (it sets one when it did not read the body)."""
        if any(k.lower() == b"connection" and v.lower() == b"close" for k, v in self.outheaders):
            self.close_connection = True
            self.conn.unread_body = True
        super().send_headers()

    def simple_response(self, status, msg="") -> None:
        """Answer a protocol error as SageMaker's JSON error; never a 5xx for a malformed request."""
        code = int(str(status)[:3])
        code = code if 400 <= code < 500 else 400
        text = msg.decode("latin-1") if isinstance(msg, bytes) else str(msg or status)
        body = json.dumps({"Message": f"Malformed HTTP request: {text}"}).encode()
        head = (
            f"HTTP/1.1 {code} {'Bad Request' if code == 400 else 'Error'}\r\nContent-Type: application/json\r\n"
            f"{H_ERROR_TYPE}: ValidationError\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        self.close_connection = True
        self.conn.unread_body = True
        try:
            self.conn.wfile.write(head.encode("latin-1") + body)
        except OSError:
            pass


class _Connection(cheroot_server.HTTPConnection):
    RequestHandlerClass = _Request
    unread_body = False

    def close(self) -> None:
        """Close; after an answer sent before the body was read, close gently (a lingering close).

        Closing a socket with unread input makes the kernel send a reset, which can destroy the
        answer in the client's buffers before it reads it (it sees a broken pipe, not our 400).
        So: finish writing, half-close, and read and drop the rest for a bounded time.
        """
        if self.unread_body:
            try:
                self.wfile.flush()
            except OSError:
                pass
            _linger(self.socket)
        super().close()


def _linger(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_WR)
        deadline, dropped = time.monotonic() + LINGER_S, 0
        while dropped < LINGER_BYTES and (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            data = sock.recv(1 << 20)
            if not data:
                break
            dropped += len(data)
    except OSError:
        pass


class _Server(wsgi.Server):
    ConnectionClass = _Connection


class RuntimeApi:
    """The local URL: `LocalApi` served on `host:port` (0 = any free port) in a thread; a context manager."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, app: LocalApi | None = None):
        self.host, self.port = host, port
        self.app = app or LocalApi()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> "RuntimeApi":
        """Bind the port and serve in a background thread."""
        server = _Server(
            (self.host, self.port),
            self.app,
            numthreads=THREADS,
            request_queue_size=LISTEN_BACKLOG,
            timeout=IDLE_TIMEOUT_S,
            server_name="byoc",
            shutdown_timeout=1,
        )
        server.max_request_header_size = MAX_HEADER_BYTES
        server.keep_alive_conn_limit = KEEP_ALIVE_LIMIT
        server.prepare()  # binds now, so a taken port fails here
        self.port = server.bind_addr[1]
        self.app.closing = False
        self._server = server
        self._thread = threading.Thread(target=server.serve, name=f"byoc-api-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (requests still on keep-alive get ServiceUnavailable)."""
        self.app.closing = True
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            server.stop()
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
    def endpoints(self) -> dict[str, VariantRouter | None]:
        """Return a copy of the served endpoints by name."""
        return self.app.endpoints
