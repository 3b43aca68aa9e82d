"""HTTP calls to a container under test that never raise: every outcome becomes a Reply (urllib3, as the hops)."""

import time
from dataclasses import dataclass, field

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, ProtocolError
from urllib3.exceptions import TimeoutError as Urllib3Timeout


@dataclass(frozen=True)
class Reply:
    """What one HTTP call got: a status and body, or the error that stood in for them."""

    status: int | None
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    @property
    def content_type(self) -> str:
        """Return the Content-Type header whole, parameters included."""
        return self.headers.get("content-type", "")

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        """Return e.g. `415 (text/plain) 'unsupported'` or `no answer (timed out after 2 s)`."""
        if self.status is None:
            return f"no answer ({self.error})"
        snippet = self.body[:120].decode("utf-8", "replace").strip()
        label = f" ({self.content_type})" if self.content_type else ""
        return f"{self.status}{label}" + (f" {snippet!r}" if snippet else "")


def call(
    base_url: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 60.0
) -> Reply:
    """Send one request and return its Reply (errors included)."""
    started = time.monotonic()
    try:  # a fresh connection per call (no proxy from the environment): containers come and go, ports are reused
        with urllib3.PoolManager(retries=False) as http:
            response = http.request(
                method,
                base_url + path,
                body=body,
                headers=headers,
                redirect=False,
                timeout=urllib3.Timeout(connect=min(timeout, 5.0), read=timeout),
            )
    except Urllib3Timeout:
        return Reply(None, seconds=time.monotonic() - started, error=f"timed out after {timeout:g} s")
    except (HTTPError, OSError) as err:
        return Reply(None, seconds=time.monotonic() - started, error=_reason(err))
    headers = {k.lower(): v for k, v in response.headers.items()}
    return Reply(response.status, response.data, headers, time.monotonic() - started)


def ping(base_url: str, timeout: float) -> Reply:
    """GET /ping."""
    return call(base_url, "GET", "/ping", timeout=timeout)


def invoke(
    base_url: str,
    body: bytes,
    content_type: str,
    accept: str | None = None,
    extra: dict | None = None,
    timeout: float = 60.0,
) -> Reply:
    """POST /invocations with a Content-Type (and Accept, and any extra headers)."""
    headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {}), **(extra or {})}
    return call(base_url, "POST", "/invocations", body, headers, timeout)


def media_type(content_type: str) -> str:
    """Return `text/csv` for `text/csv; charset=utf-8`."""
    return content_type.split(";")[0].strip().lower()


def _reason(err: Exception) -> str:
    if isinstance(err, NewConnectionError) or "refused" in str(err).lower():
        return "connection refused"
    text = str(err)
    for known in ("Connection reset", "Connection aborted", "RemoteDisconnected", "Broken pipe"):
        if known.lower() in text.lower():
            return known.lower()
    if isinstance(err, ProtocolError):
        return f"the connection broke: {text[:160]}"
    return f"{type(err).__name__}: {text[:160]}"
