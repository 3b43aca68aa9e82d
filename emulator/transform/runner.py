"""Run a transform job over input objects: split, filter, batch, invoke concurrently, join, assemble, write.

Pure: no Docker, no HTTP, no boto3. The caller gives
- `source`: an iterable of (key, bytes), the key relative to the input prefix (see `output.relative_key`);
- `invoke(body, content_type, accept, timeout_s) -> (body, content_type)`, raising ModelInvocationError
  when the model answers with an error or not in time;
- `sink(location, body)`, called once per input file whose every record succeeded, with
  `<output_path>/<key>.out`.
Semantics (API reference TransformOutput.S3OutputPath; developer guide "Batch transform"): an `.out` is
written only when its whole input file succeeded; other files go on; one failed file fails the job.
Failed calls are retried InvocationsMaxRetries times. A set `stop` event (StopTransformJob) sends no
new request; files not finished by then get no `.out` and the job ends Stopped.
Wording: SageMaker's job log names the file and the kind of failure ("bucket/key: ClientError: 400",
aws/amazon-sagemaker-examples#1620), and a failed job's FailureReason is typically "AlgorithmError: See
job logs for more information" (aws/deep-learning-containers#586); ours adds the first failure after it.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from .batching import Batch, line_batches, make_batches
from .errors import FileFailure, InvocationFailed, ModelInvocationError
from .joining import DataProcessor, Prepared
from .limits import Limits
from .output import assemble, output_location
from .records import decompress, split
from .result import FileOutcome, FileStatus, JobStatus, Progress, TransformResult, failure_reason
from .settings import TransformSettings

log = logging.getLogger("emulator.transform")

WRITERS = 2  # threads assembling and writing `.out` objects
Invoke = Callable[[bytes, str | None, str | None, float], tuple[bytes, str | None]]
Sink = Callable[[str, bytes], None]


class _File:
    """One input file in flight: its prepared records, answered pieces per batch, and whether it failed."""

    def __init__(self, key: str, location: str):
        self.key, self.location = key, location
        self.prepared: list[Prepared] = []
        self.pieces: dict[int, list[bytes]] = {}
        self.pending, self.sealed, self.closed = 0, False, False
        self.failure: FileFailure | None = None
        self.records = self.expected = 0
        self.started = time.monotonic()
        self.done = threading.Event()
        self.outcome: FileOutcome | None = None


class TransformRunner:
    """Run one transform job's data through a model; `run(source)` returns a TransformResult."""

    def __init__(
        self,
        settings: TransformSettings,
        limits: Limits,
        invoke: Invoke,
        sink: Sink,
        *,
        stop: threading.Event | None = None,
        progress: Callable[[Progress], None] | None = None,
        retry_delay_s: float = 0.2,
        data_log: Callable[[str], None] | None = None,
        name_of: Callable[[str], str] | None = None,
    ):
        self.settings, self.limits = settings, limits
        self.invoke, self.sink = invoke, sink
        self.stop = stop or threading.Event()
        self.progress = progress
        self.retry_delay_s = retry_delay_s
        self.data_log = data_log  # the job's data log: one line per event below, as SageMaker's data-log stream
        self.name_of = name_of or (lambda key: key)  # a key as the data log names it (bucket/key for S3)
        self.processor = DataProcessor(settings)
        self._lock = threading.Lock()
        self._records = self._bytes = self._files_done = 0
        self._source_error: str | None = None
        self._writer: ThreadPoolExecutor

    def run(self, source: Iterable[tuple[str, bytes]]) -> TransformResult:
        """Transform every input object of `source`; never raises for a file's failure."""
        started, clock = datetime.now(UTC), time.monotonic()
        self._say(
            logging.INFO,
            f"MaxConcurrentTransforms={self.limits.max_concurrent_transforms}, "
            f"MaxPayloadInMB={self.limits.max_payload_in_mb}, "
            f"BatchStrategy={self.limits.batch_strategy.upper().replace('RECORD', '_RECORD')}",
        )
        workers = self.limits.max_concurrent_transforms
        files: list[_File] = []
        self._source_error = None
        # `.out` objects are assembled and written by writer threads, so a slow sink (S3) never holds
        # one of the MaxConcurrentTransforms request slots
        with (
            ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="transform-out") as self._writer,
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="transform") as pool,
        ):
            exhausted = self._feed(iter(source), pool, threading.BoundedSemaphore(2 * workers), files)
            for f in files:
                f.done.wait()
        return self._result(files, started, time.monotonic() - clock, exhausted)

    def _feed(
        self,
        items: Iterator[tuple[str, bytes]],
        pool: ThreadPoolExecutor,
        slots: threading.BoundedSemaphore,
        files: list[_File],
    ) -> bool:
        """Start every input object in turn; return True when the source was read to its end."""
        while not self.stop.is_set():
            try:
                key, body = next(items)
            except StopIteration:
                return True
            except Exception as err:  # noqa: BLE001 - listing or reading the input failed: the job fails
                self._say(logging.ERROR, f"cannot read the input: {type(err).__name__}: {err}")
                self._source_error = f"ClientError: cannot read the input: {type(err).__name__}: {err}"
                return True
            files.append(self._start_file(key, body, pool, slots))
        return False

    def _start_file(self, key: str, body: bytes, pool: ThreadPoolExecutor, slots: threading.BoundedSemaphore) -> _File:
        f = _File(key, output_location(self.settings.output_path, key))
        try:
            batches = self._batches(f, body)
        except FileFailure as err:
            f.failure = err.located(key)
            batches = []
        f.expected = len(batches)
        for batch in batches:
            if f.failure is not None or not self._take(slots):
                break
            with self._lock:
                f.pending += 1
            pool.submit(self._call, f, batch).add_done_callback(lambda _: slots.release())
        with self._lock:
            f.sealed = True
        self._maybe_close(f)
        return f

    def _batches(self, f: _File, body: bytes) -> list[Batch]:
        data = decompress(body, self.settings.compression_type)
        if (
            not self.processor.active
            and self.settings.split_type == "Line"
            and self.limits.batch_strategy == "MultiRecord"
            and (fast := line_batches(f.key, data, self.limits.max_payload_in_mb)) is not None
        ):
            f.records = sum(b.count for b in fast)
            return fast
        for number, record in enumerate(split(data, self.settings.split_type), start=1):
            try:
                f.prepared.append(self.processor.prepare(record))
            except FileFailure as err:
                raise err.located(f.key, number) from None
        f.records = len(f.prepared)
        sent = (p.record for p in f.prepared)
        return list(make_batches(f.key, sent, self.limits.batch_strategy, self.limits.max_payload_in_mb))

    def _take(self, slots: threading.BoundedSemaphore) -> bool:
        while not slots.acquire(timeout=0.1):
            if self.stop.is_set():
                return False
        if self.stop.is_set():
            slots.release()
            return False
        return True

    def _call(self, f: _File, batch: Batch) -> None:
        try:
            if f.failure is None and not self.stop.is_set():
                self._answer(f, batch)
        except InvocationFailed as err:
            if not self.stop.is_set():  # a call cut short by StopTransformJob leaves the file Stopped, not Failed
                self._fail(f, err.located(f.key, batch.first, batch.last))
        except FileFailure as err:
            self._fail(f, err.located(f.key, batch.first, batch.last))
        except Exception as err:  # a bug in an invoke callable or here: fail the file, keep the job going
            log.exception("%s: unexpected error on records %d-%d", f.key, batch.first, batch.last)
            self._fail(f, FileFailure(f"internal error: {type(err).__name__}: {err}", f.key, batch.first, batch.last))
        finally:
            with self._lock:
                f.pending -= 1
            self._maybe_close(f)

    def _answer(self, f: _File, batch: Batch) -> None:
        body, content_type = self._invoke(batch)
        prepared = f.prepared[batch.first - 1 : batch.first - 1 + batch.count]
        pieces = self.processor.finish(body, content_type, prepared)
        with self._lock:
            f.pieces[batch.index] = pieces
            self._records += batch.count
            self._bytes += batch.span
            snapshot = Progress(self._records, self._bytes, self._files_done)
        if self.progress:
            self.progress(snapshot)

    def _invoke(self, batch: Batch) -> tuple[bytes, str | None]:
        s = self.settings
        attempts = 1 + s.invocations_max_retries
        for attempt in range(1, attempts + 1):
            try:
                return self.invoke(batch.body, s.content_type, s.accept, float(s.invocations_timeout_s))
            except ModelInvocationError as err:
                self._say(
                    logging.WARNING,
                    f"{self.name_of(batch.key)}: records {batch.first}-{batch.last}: "
                    f"attempt {attempt} of {attempts} failed: {err.message}",
                )
                last = err
                if attempt < attempts and self.stop.wait(self.retry_delay_s * attempt):
                    break
        raise InvocationFailed(
            f"the model failed {attempt} attempt(s) (InvocationsMaxRetries="
            f"{s.invocations_max_retries}): {last.message}",
            batch.key,
            batch.first,
            batch.last,
            last.status,
        )

    def _fail(self, f: _File, err: FileFailure) -> None:
        with self._lock:
            if f.failure is None:
                f.failure = err

    def _maybe_close(self, f: _File) -> None:
        with self._lock:
            if f.closed or not f.sealed or f.pending:
                return
            f.closed = True
        self._writer.submit(self._closed, f)

    def _closed(self, f: _File) -> None:
        try:
            f.outcome = self._close(f)
        except Exception as err:  # a bug here must not leave run() waiting for this file forever
            log.exception("%s: closing the file failed", f.key)
            f.outcome = FileOutcome(f.key, None, FileStatus.FAILED, f.records, f"internal error: {err!r}", 0.0)
        finally:  # written or not, its answers and parsed records are not needed any more: the job goes on
            f.pieces, f.prepared = {}, []
        try:
            with self._lock:
                self._files_done += 1
                snapshot = Progress(self._records, self._bytes, self._files_done)
            if self.progress:
                self.progress(snapshot)
        finally:
            f.done.set()

    def _close(self, f: _File) -> FileOutcome:
        seconds = time.monotonic() - f.started
        if f.failure is None and len(f.pieces) < f.expected:
            return FileOutcome(
                f.key, None, FileStatus.STOPPED, f.records, "stopped before every record was sent", seconds
            )
        if f.failure is None:
            body = assemble((p for i in sorted(f.pieces) for p in f.pieces[i]), self.settings.assemble_with)
            try:
                self.sink(f.location, body)
                return FileOutcome(f.key, f.location, FileStatus.SUCCEEDED, f.records, None, seconds)
            except Exception as err:  # noqa: BLE001 - the sink's own failure (disk full, S3 refused): this file fails
                f.failure = FileFailure(f"cannot write {f.location}: {type(err).__name__}: {err}", f.key)
        name, kind = self.name_of(f.key), _kind(f.failure)
        # one line in our log; in the data log SageMaker's four: the kind, an empty line, "Message:", the message
        data = [f"{name}: {line}" for line in (kind, "", "Message:", f.failure.detail)]
        self._say(logging.ERROR, f"{name}: {kind}: {f.failure.detail}", data)
        return FileOutcome(f.key, None, FileStatus.FAILED, f.records, str(f.failure), seconds)

    def _say(self, level: int, line: str, data: list[str] | None = None) -> None:
        """Log `line`; write `data` (or `line`) to the job's data log, if any; a failing data log is only logged."""
        log.log(level, "%s", line)
        if self.data_log is not None:
            try:
                for text in data or [line]:
                    self.data_log(text)
            except Exception:  # noqa: BLE001 - the data log is a copy: a failure to write it must not stop the job
                log.exception("cannot write the data log")

    def _result(self, files: list[_File], started: datetime, seconds: float, exhausted: bool) -> TransformResult:
        outcomes = [f.outcome for f in files if f.outcome is not None]
        stopped = self.stop.is_set() and (not exhausted or any(o.status is FileStatus.STOPPED for o in outcomes))
        failed = [o for o in outcomes if o.status is FileStatus.FAILED]
        status = (
            JobStatus.STOPPED if stopped else JobStatus.FAILED if failed or self._source_error else JobStatus.COMPLETED
        )
        reason = None
        if status is JobStatus.FAILED:
            reason = self._source_error or failure_reason(failed, len(outcomes))
        return TransformResult(
            status, reason, outcomes, self._records, self._bytes, started, datetime.now(UTC), seconds
        )


def _kind(err: FileFailure) -> str:
    if isinstance(err, InvocationFailed) and err.status is not None and 400 <= err.status < 500:
        return f"ClientError: {err.status}"
    return err.kind
