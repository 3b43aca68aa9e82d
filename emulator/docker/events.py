"""Notice containers exiting the moment Docker says so: one thread reading the engine's `die` events.

    watch = ExitWatch(client, {"com.byoc.unit": "g1-AllTraffic"}, on_exit).start()
    ...                                  # on_exit(container_id, exit_code) runs in the watch's thread
    watch.close()

Docker streams events as they happen (`GET /events`, filtered on labels and the `die` action), so
an exit is seen within milliseconds, without polling. Only exits after `start()` are seen: start the
watch before the containers it is about.
"""

import logging
import threading
from collections.abc import Callable

from docker.errors import DockerException
from requests.exceptions import RequestException

LOG = logging.getLogger(__name__)

ExitCallback = Callable[[str, int | None], None]


def exit_code_of(event: dict) -> int | None:
    """Return the exit code a `die` event carries (Actor.Attributes.exitCode), or None."""
    try:
        return int(event.get("Actor", {}).get("Attributes", {}).get("exitCode"))
    except (TypeError, ValueError):
        return None


class ExitWatch:
    """A daemon thread calling `on_exit(container_id, code)` for every labelled container that dies."""

    def __init__(self, client, labels: dict[str, str], on_exit: ExitCallback, name: str = "exits"):
        self._client, self._on_exit, self._name = client, on_exit, name
        self._filters = {"label": [f"{k}={v}" for k, v in labels.items()], "event": ["die"], "type": ["container"]}
        self._stream = None
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "ExitWatch":
        """Subscribe to the engine's events (before returning: later exits are never missed)."""
        self._stream = self._client.events(decode=True, filters=self._filters)
        self._thread = threading.Thread(
            target=self._read, args=(self._stream,), name=f"watch {self._name}", daemon=True
        )
        self._thread.start()
        return self

    def _read(self, stream) -> None:
        try:
            for event in stream:
                if self._closed.is_set():
                    return
                container_id = event.get("id") or event.get("Actor", {}).get("ID")
                if container_id:
                    try:
                        self._on_exit(container_id, exit_code_of(event))
                    except Exception:  # a listener's bug must not end the watch
                        LOG.exception("handling the exit of container %s failed", container_id[:12])
        except (DockerException, RequestException, OSError, ValueError, AttributeError) as err:
            if not self._closed.is_set():
                LOG.warning("watching %s for exits stopped: %s", self._name, err)

    def close(self) -> None:
        """Stop reading events; safe to call twice."""
        self._closed.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.close()
            except Exception as err:  # the connection may be gone already
                LOG.debug("closing the event stream of %s: %s", self._name, err)
