"""One hop of a pipeline: a pooled keep-alive HTTP client for one container's `/invocations`.

`HttpHop.abort()` shuts down every socket of the hop, so calls blocked on a container that has
exited fail at once instead of waiting for their timeout (a vanished address never answers).
"""

import socket
import threading
import weakref
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from urllib3.connection import HTTPConnection
from urllib3.exceptions import HTTPError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

ONE_SEND_MAX_BYTES = 64 * 1024  # bodies up to this size go out with their headers in one send


class OneSendConnection(HTTPConnection):
    """An HTTPConnection that sends a small request's headers and body in one send, not two.

    urllib3 sends the header block, then the body: two system calls and two segments on the
    wire for every hop (about 0.3 ms a hop on a busy machine, each send delivering to the
    container through the bridge). Holding the header block until the body comes halves that.
    """

    _hold = False
    _held: bytes | None = None

    def request(self, method, url, body=None, headers=None, **kwargs):
        self._hold = isinstance(body, bytes) and 0 < len(body) <= ONE_SEND_MAX_BYTES
        self._held = None
        try:
            super().request(method, url, body=body, headers=headers, **kwargs)
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


class OneSendPool(urllib3.HTTPConnectionPool):
    """A keep-alive pool of OneSendConnections."""

    ConnectionCls = OneSendConnection


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


def _tracked_connection(sockets: _Sockets) -> type[OneSendConnection]:
    class TrackedConnection(OneSendConnection):
        def connect(self) -> None:
            super().connect()
            sockets.add(self.sock)

    return TrackedConnection


class HttpHop:
    """Call one container over HTTP/1.1 keep-alive, with retries off (a POST is never resent)."""

    def __init__(self, hostname: str, base_url: str, pool_size: int = 32):
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"base_url must look like http://HOST:PORT, got {base_url!r}")
        self.hostname = hostname
        self.base_url = base_url.rstrip("/")
        self._pool = OneSendPool(parts.hostname, parts.port or 80, maxsize=pool_size, block=False, retries=False)
        self._sockets = _Sockets()
        self._pool.ConnectionCls = _tracked_connection(self._sockets)

    def post(self, body: bytes, headers: dict[str, str], timeout_s: float) -> HopResponse:
        """POST `body` to /invocations and return the answer; raise HopUnreachable on failure."""
        try:
            resp = self._pool.urlopen(
                "POST",
                "/invocations",
                body=body,
                headers=headers,
                retries=False,
                redirect=False,
                timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
            )
        except NewConnectionError as err:  # in urllib3 2 a subclass of ConnectTimeoutError: test it first
            raise HopUnreachable(self.hostname, f"cannot connect to {self.base_url}: {err}") from None
        except Urllib3Timeout as err:
            raise HopUnreachable(self.hostname, f"no answer within {timeout_s:.3g} s ({err})", timed_out=True) from None
        except (HTTPError, OSError) as err:
            raise HopUnreachable(self.hostname, f"cannot reach {self.base_url}: {err}") from None
        return HopResponse(resp.status, resp.data, {k.lower(): v for k, v in resp.headers.items()})

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
