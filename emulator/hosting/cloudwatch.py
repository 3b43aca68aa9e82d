"""Containers' output to the local CloudWatch Logs, batched in the background so a log follower never waits.

    shipper = LogShipper(aws.client("logs"), log_group("support")).start()
    write = shipper.writer(log_stream("AllTraffic", "predictor"))   # the stream a ModelError's LogStreamArn names
    write("model loaded")                                           # queued at once; dropped (and counted) if full
    shipper.close()                                                 # sends what is queued, then stops

The group and stream are parameters: endpoints use /aws/sagemaker/Endpoints/NAME with
VARIANT/i-local/HOSTNAME, transform jobs /aws/sagemaker/TransformJobs with JOB/i-local-HOSTNAME.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

LOG = logging.getLogger(__name__)

# PutLogEvents quotas (CloudWatch Logs API reference, PutLogEvents): at most 10,000 events and
# 1,048,576 bytes per batch, each event counted as its UTF-8 message plus 26 bytes; one event at
# most 256 KB (262,144 bytes); events in chronological order; a message is at least 1 character.
EVENT_OVERHEAD_BYTES = 26
MAX_EVENT_BYTES = 262_144 - EVENT_OVERHEAD_BYTES
MAX_BATCH_BYTES = 1_048_576
MAX_BATCH_EVENTS = 10_000
DEFAULT_BATCH_EVENTS = 1_000
DEFAULT_INTERVAL_S = 1.0
DEFAULT_QUEUE_EVENTS = 10_000
EXISTS = "ResourceAlreadyExistsException"


@dataclass(frozen=True)
class _Event:
    stream: str
    timestamp_ms: int
    message: str


class _Flush:
    """A marker: everything queued before it is sent before `done` is set."""

    def __init__(self):
        self.done = threading.Event()


def clip(message: str) -> str:
    """Return `message` cut to the largest event CloudWatch accepts (whole UTF-8 characters)."""
    data = message.encode()
    return message if len(data) <= MAX_EVENT_BYTES else data[:MAX_EVENT_BYTES].decode(errors="ignore")


class LogShipper:
    """Ship lines of one log group's streams with batched PutLogEvents from one background thread."""

    def __init__(
        self,
        client,
        group: str,
        *,
        batch_events: int = DEFAULT_BATCH_EVENTS,
        interval_s: float = DEFAULT_INTERVAL_S,
        queue_events: int = DEFAULT_QUEUE_EVENTS,
        clock: Callable[[], float] = time.time,
    ):
        self.client, self.group = client, group
        self.batch_events = min(batch_events, MAX_BATCH_EVENTS)
        self.interval_s, self.clock = interval_s, clock
        self.dropped = 0  # lines refused because the queue was full
        self.failed = 0  # lines lost because PutLogEvents failed
        self.sent = 0
        self._queue: queue.Queue = queue.Queue(maxsize=queue_events)
        self._ready: set[str] = set()  # streams known to exist (the group is "")
        self._thread: threading.Thread | None = None

    def start(self) -> "LogShipper":
        """Start the background sender; idempotent."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"logs {self.group}", daemon=True)
            self._thread.start()
        return self

    def put(self, stream: str, message: str, timestamp_ms: int | None = None) -> None:
        """Queue one line for `stream`; never blocks (a full queue drops the line and counts it)."""
        if not message:
            return
        stamp = int(self.clock() * 1000) if timestamp_ms is None else timestamp_ms
        try:
            self._queue.put_nowait(_Event(stream, stamp, clip(message)))
        except queue.Full:
            self.dropped += 1

    def writer(self, stream: str) -> Callable[[str], None]:
        """Return a function queueing lines for `stream` (what a log follower calls per line)."""
        return lambda line: self.put(stream, line)

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Send everything queued so far; return False when that did not happen within `timeout_s`."""
        if self._thread is None or not self._thread.is_alive():
            return self._queue.empty()
        marker = _Flush()
        try:
            self._queue.put(marker, timeout=timeout_s)
        except queue.Full:
            return False
        return marker.done.wait(timeout_s)

    def close(self, timeout_s: float = 10.0) -> None:
        """Send what is queued, then stop the sender."""
        if self._thread is None:
            return
        self.flush(timeout_s)
        self._queue.put(None)
        self._thread.join(timeout_s)
        self._thread = None
        if self.dropped or self.failed:
            LOG.warning(
                "logs of %s: %d lines dropped (queue full), %d lost (PutLogEvents failed)",
                self.group,
                self.dropped,
                self.failed,
            )

    def _run(self) -> None:
        """Collect events until a batch is full or the interval passes, then send; stop on None."""
        pending: list[_Event] = []
        deadline = time.monotonic() + self.interval_s
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                item = _Flush()  # the interval passed: send what there is
            if isinstance(item, _Event):
                pending.append(item)
                if len(pending) < self.batch_events:
                    continue
            self._send_all(pending)
            pending = []
            deadline = time.monotonic() + self.interval_s
            if item is None:
                return
            if isinstance(item, _Flush):
                item.done.set()

    def _send_all(self, events: list[_Event]) -> None:
        """Send `events` as one PutLogEvents per stream and size-bounded batch."""
        streams: dict[str, list[_Event]] = {}
        for event in events:
            streams.setdefault(event.stream, []).append(event)
        for stream, batch in streams.items():
            for chunk in _batches(sorted(batch, key=lambda e: e.timestamp_ms)):
                self._send(stream, chunk)

    def _send(self, stream: str, events: list[_Event]) -> None:
        try:
            self._ensure(stream)
            self.client.put_log_events(
                logGroupName=self.group,
                logStreamName=stream,
                logEvents=[{"timestamp": e.timestamp_ms, "message": e.message} for e in events],
            )
            self.sent += len(events)
        except (BotoCoreError, ClientError) as err:
            self.failed += len(events)
            self._ready.discard(stream)  # the group may have been deleted: create both again next time
            self._ready.discard("")
            LOG.debug("PutLogEvents to %s %s failed: %s", self.group, stream, err)

    def _ensure(self, stream: str) -> None:
        """Create the group and the stream the first time they are written to."""
        if "" not in self._ready:
            _create(self.client.create_log_group, logGroupName=self.group)
            self._ready.add("")
        if stream not in self._ready:
            _create(self.client.create_log_stream, logGroupName=self.group, logStreamName=stream)
            self._ready.add(stream)


def _create(call, **kwargs) -> None:
    """Call a Create* operation; one that already exists is fine."""
    try:
        call(**kwargs)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != EXISTS:
            raise


def _batches(events: list[_Event]) -> list[list[_Event]]:
    """Split chronological events into batches within PutLogEvents' count and byte quotas."""
    batches: list[list[_Event]] = []
    current: list[_Event] = []
    size = 0
    for event in events:
        cost = len(event.message.encode()) + EVENT_OVERHEAD_BYTES
        if current and (len(current) >= MAX_BATCH_EVENTS or size + cost > MAX_BATCH_BYTES):
            batches.append(current)
            current, size = [], 0
        current.append(event)
        size += cost
    if current:
        batches.append(current)
    return batches
