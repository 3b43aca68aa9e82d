"""One hop of a pipeline: a pooled keep-alive HTTP client for one container's `/invocations`.

`HttpHop.abort()` shuts down every socket of the hop, so calls blocked on a container that has
exited fail at once instead of waiting for their timeout (a vanished address never answers).

The client is the standard library's http.client with a small pool of kept-alive connections, not
urllib3: on this path urllib3's own bookkeeping (retries, timeouts, its response wrapper, header
normalisation) cost about 110 µs of CPU on a call of about 250 µs (docs/performance.md, "The hop
client"), the same again for every hop of every request, where the target for a whole hop is
0.5 ms. The hop needs none of urllib3's features: one host, POST only, no retries, no redirects,
no TLS, no proxies.
"""

import http.client
import select
import socket
import threading
import weakref
from dataclasses import dataclass
from http.client import HTTPConnection
from urllib.parse import urlsplit

ONE_SEND_MAX_BYTES = 64 * 1024  # bodies up to this size go out with their headers in one send


class OneSendConnection(HTTPConnection):
    """An HTTPConnection that sends a small request's headers and body in one send, not two.

    http.client sends the header block, then the body: two system calls and two segments on the
    wire for every hop (about 0.3 ms a hop on a busy machine, each send delivering to the
    container through the bridge). Holding the header block until the body comes halves that.
    """

    _hold = False
    _held: bytes | None = None

    def request(self, method, url, body=None, headers=None, **kwargs):
        self._hold = isinstance(body, bytes) and 0 < len(body) <= ONE_SEND_MAX_BYTES
        self._held = None
        try:
            super().request(method, url, body=body, headers=headers or {}, **kwargs)
            if self._held is not None:  # no body was sent after all: the headers go alone
                super().send(self._held)
        finally:
            self._hold, self._held = False, None

    def send(self, data) -> None:
        if self._hold and self._held is None:
            self._held = bytes(data)
            return
        if self._held is not None:
            data, self._held = self._held + bytes(data), None
            self._hold = False
        super().send(data)


class HopUnreachable(Exception):
    """The container refused, reset or dropped the connection, or did not answer in time."""

    def __init__(self, hostname: str, reason: str, timed_out: bool = False, exited: bool = False):
        super().__init__(f"{hostname}: {reason}")
        self.hostname = hostname
        self.reason = reason
        self.timed_out = timed_out
        self.exited = exited  # Docker reported the container's exit; `reason` says with which code


@dataclass(frozen=True)
class HopResponse:
    """A container's answer: status, body and headers (names lower-case)."""

    status: int
    body: bytes
    headers: dict[str, str]


class _Sockets:
    """The live sockets of one hop's connections, so another thread can cut them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._live: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._cut = False

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._live.add(sock)
            cut = self._cut
        if cut:  # connected just as the hop was cut: cut this one too
            _shutdown(sock)

    def shutdown_all(self) -> int:
        """Shut every socket down, and any connected later (a blocked read returns at once); return how many."""
        with self._lock:
            live, self._cut = list(self._live), True
        for sock in live:
            _shutdown(sock)
        return len(live)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # closed already


class _Connection(OneSendConnection):
    """One kept-alive connection of a hop; its socket is registered so `abort` can cut it."""

    def __init__(self, host: str, port: int, timeout_s: float, sockets: _Sockets):
        super().__init__(host, port, timeout=timeout_s)
        self._sockets = sockets

    def connect(self) -> None:
        super().connect()
        self._sockets.add(self.sock)

    def dropped(self) -> bool:
        """Return True when an idle connection cannot be reused: closed, or the server closed its end.

        An idle keep-alive socket that is readable has seen the server's FIN (or bytes nobody asked
        for): a POST sent on it would fail, and a POST is never resent.
        """
        if self.sock is None:
            return True
        try:
            poller = select.poll()  # not select.select: it refuses file descriptors above 1023
            poller.register(self.sock, select.POLLIN)
            return bool(poller.poll(0))
        except (OSError, ValueError):
            return True


class _Pool:
    """Idle connections to one host, newest first; at most `size` kept, more made when all are busy."""

    def __init__(self, host: str, port: int, size: int, sockets: _Sockets):
        self.host, self.port, self.size = host, port, size
        self._sockets = sockets
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()
        self.closed = False

    def take(self, timeout_s: float) -> _Connection:
        """Return an idle connection still open, else a new one (not connected yet)."""
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                return _Connection(self.host, self.port, timeout_s, self._sockets)
            if not conn.dropped():
                conn.timeout = timeout_s
                conn.sock.settimeout(timeout_s)
                return conn
            conn.close()

    def give_back(self, conn: _Connection) -> None:
        """Keep `conn` for the next call, unless the pool is closed or full."""
        with self._lock:
            if not self.closed and len(self._idle) < self.size:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Close every idle connection; later calls get an error (connections in use close when done)."""
        with self._lock:
            idle, self._idle, self.closed = self._idle, [], True
        for conn in idle:
            conn.close()


class HttpHop:
    """Call one container over HTTP/1.1 keep-alive, with retries off (a POST is never resent)."""

    def __init__(self, hostname: str, base_url: str, pool_size: int = 32):
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"base_url must look like http://HOST:PORT, got {base_url!r}")
        self.hostname = hostname
        self.base_url = base_url.rstrip("/")
        self._sockets = _Sockets()
        self._pool = _Pool(parts.hostname, parts.port or 80, pool_size, self._sockets)

    def post(self, body: bytes, headers: dict[str, str], timeout_s: float) -> HopResponse:
        """POST `body` to /invocations and return the answer; raise HopUnreachable on failure."""
        if self._pool.closed:
            raise HopUnreachable(self.hostname, f"cannot reach {self.base_url}: its connections were closed")
        conn = self._pool.take(timeout_s)
        connecting = conn.sock is None
        try:
            if connecting:
                conn.connect()
                connecting = False
            conn.request("POST", "/invocations", body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as err:  # TimeoutError is an OSError: tested first below
            conn.close()
            if isinstance(err, TimeoutError):
                raise HopUnreachable(
                    self.hostname, f"no answer within {timeout_s:.3g} s ({err})", timed_out=True
                ) from None
            if connecting:
                raise HopUnreachable(self.hostname, f"cannot connect to {self.base_url}: {err}") from None
            raise HopUnreachable(self.hostname, f"cannot reach {self.base_url}: {_describe(err)}") from None
        answer = HopResponse(resp.status, data, {k.lower(): v for k, v in resp.getheaders()})
        if resp.will_close:
            conn.close()
        else:
            self._pool.give_back(conn)
        return answer

    def abort(self) -> int:
        """Cut every connection, those of calls under way included (they raise HopUnreachable); return how many."""
        cut = self._sockets.shutdown_all()
        self._pool.close()
        return cut

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.close()

    def __repr__(self) -> str:
        return f"HttpHop({self.hostname!r}, {self.base_url!r})"


def _describe(err: Exception) -> str:
    """Name an error by its type and text: some of http.client's have no text (BadStatusLine(''))."""
    text = str(err)
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
