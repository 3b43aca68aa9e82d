"""HTTP calls to a container under test that never raise: every outcome becomes a Reply."""

import time
from dataclasses import dataclass, field

import requests

POLL_S = 0.2
READY_PING_TIMEOUT_S = 10.0  # lenient: a slow ping is the ping rule's business, not the start's


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
        return self.headers.get("content-type", "")

    def describe(self) -> str:
        """Return e.g. `415 'unsupported'` or `no answer (timed out after 2.0 s)`."""
        if self.status is None:
            return f"no answer ({self.error})"
        snippet = self.body[:120].decode("utf-8", "replace").strip()
        return f"{self.status}" + (f" {snippet!r}" if snippet else "")


def call(base_url: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
         timeout: float = 60.0) -> Reply:
    """Send one request and return its Reply (errors included)."""
    started = time.monotonic()
    with requests.Session() as session:
        session.trust_env = False  # never route loopback calls through a proxy from the environment
        try:
            response = session.request(method, base_url + path, data=body, headers=headers, timeout=timeout)
        except requests.Timeout:
            return Reply(None, seconds=time.monotonic() - started, error=f"timed out after {timeout:g} s")
        except requests.RequestException as err:
            return Reply(None, seconds=time.monotonic() - started, error=_reason(err))
    headers = {k.lower(): v for k, v in response.headers.items()}
    return Reply(response.status_code, response.content, headers, time.monotonic() - started)


def ping(base_url: str, timeout: float) -> Reply:
    """GET /ping."""
    return call(base_url, "GET", "/ping", timeout=timeout)


def invoke(base_url: str, body: bytes, content_type: str, accept: str | None = None, extra: dict | None = None,
           timeout: float = 60.0) -> Reply:
    """POST /invocations with a Content-Type (and Accept, and any extra headers)."""
    headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {}), **(extra or {})}
    return call(base_url, "POST", "/invocations", body, headers, timeout)


def wait_for_ping(base_url: str, deadline_s: float, alive=lambda: True) -> tuple[float | None, Reply]:
    """Poll /ping until 200; return (seconds it took or None, the last reply)."""
    started = time.monotonic()
    last = Reply(None, error="never tried")
    while time.monotonic() - started < deadline_s:
        last = ping(base_url, READY_PING_TIMEOUT_S)
        if last.status == 200:
            return time.monotonic() - started, last
        if not alive():
            return None, last
        time.sleep(POLL_S)
    return None, last


def media_type(content_type: str) -> str:
    """Return `text/csv` for `text/csv; charset=utf-8`."""
    return content_type.split(";")[0].strip().lower()


def _reason(err: Exception) -> str:
    text = str(err)
    for known in ("Connection refused", "Connection reset", "Connection aborted", "RemoteDisconnected", "Broken pipe"):
        if known.lower() in text.lower():
            return known.lower()
    return f"{type(err).__name__}: {text[:160]}"
