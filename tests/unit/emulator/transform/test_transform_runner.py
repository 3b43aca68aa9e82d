"""The runner: order under concurrency, retries, one bad record failing only its file, stop, progress, results."""

import gzip
import random
import threading
import time

import pytest

from emulator.transform import FileStatus, JobStatus, ModelInvocationError, TransformRunner, TransformSettings, resolve


def settings(**fields) -> TransformSettings:
    base = {
        "input_uri": "in/",
        "output_path": "out",
        "content_type": "text/csv",
        "accept": "text/csv",
        "split_type": "Line",
        "assemble_with": "Line",
    }
    return TransformSettings(**{**base, **fields})


def doubling(body: bytes, content_type, accept, timeout_s):
    """A model: one line out per line in, each number doubled; sleeps a little at random to shuffle completions."""
    time.sleep(random.uniform(0, 0.003))
    return b"".join(b"%d\n" % (2 * int(line)) for line in body.splitlines() if line), "text/csv"


class Sink(dict):
    def __call__(self, location: str, body: bytes) -> None:
        self[location] = body


def run(s: TransformSettings, source, invoke=doubling, **kwargs):
    sink = Sink()
    result = TransformRunner(s, resolve(s), invoke, sink, retry_delay_s=0, **kwargs).run(source)
    return result, sink


def numbers(start: int, stop: int) -> bytes:
    return b"".join(b"%d\n" % i for i in range(start, stop))


def test_records_stay_in_input_order_under_concurrency():
    s = settings(batch_strategy="SingleRecord", max_concurrent_transforms=8)
    source = [(f"part-{i}.csv", numbers(i * 100, i * 100 + 100)) for i in range(3)]
    result, sink = run(s, source)
    assert result.status is JobStatus.COMPLETED and result.failure_reason is None
    for i in range(3):
        assert sink[f"out/part-{i}.csv.out"] == b"".join(b"%d\n" % (2 * n) for n in range(i * 100, i * 100 + 100))
    assert result.outputs == [f"out/part-{i}.csv.out" for i in range(3)]
    assert result.records == 300


def test_multirecord_with_join_keeps_order_across_many_batches():
    s = settings(batch_strategy="MultiRecord", max_payload_in_mb=1, max_concurrent_transforms=4, join_source="Input")
    body = b"".join(b"%019d\n" % i for i in range(60_000))  # 1.2 MB: two batches of 1 MiB at most
    _, sink = run(s, [("big.csv", body)])
    lines = sink["out/big.csv.out"].splitlines()
    assert len(lines) == 60_000
    assert lines[0] == b"0" * 19 + b",0" and lines[-1] == b"%019d,119998" % 59_999


def test_a_failing_call_is_retried_invocations_max_retries_times():
    calls = []

    def flaky(body, content_type, accept, timeout_s):
        calls.append(timeout_s)
        if len(calls) < 3:
            raise ModelInvocationError("Received server error (500) from predictor", 500)
        return doubling(body, content_type, accept, timeout_s)

    result, sink = run(settings(invocations_max_retries=2, invocations_timeout_s=42), [("a.csv", b"1\n")], flaky)
    assert result.status is JobStatus.COMPLETED
    assert calls == [42.0, 42.0, 42.0]
    assert sink["out/a.csv.out"] == b"2\n"


def test_retries_exhausted_fail_the_file_with_the_models_message():
    def broken(body, content_type, accept, timeout_s):
        raise ModelInvocationError('Received client error (400) from featurizer with message "bad row"', 400)

    result, sink = run(settings(invocations_max_retries=1), [("a.csv", b"1\n")], broken)
    assert result.status is JobStatus.FAILED and not sink
    assert result.failure_reason.startswith(
        "AlgorithmError: See job logs for more information. 1 of 1 input file(s) "
        "failed; first: a.csv, record 1: the model failed 2 attempt(s)"
    )
    assert "bad row" in result.failure_reason


def test_a_failing_record_fails_only_its_file():
    def picky(body, content_type, accept, timeout_s):
        if b"13" in body.split(b"\n"):
            raise ModelInvocationError("cannot score 13", 400)
        return doubling(body, content_type, accept, timeout_s)

    s = settings(batch_strategy="SingleRecord", max_concurrent_transforms=4, invocations_max_retries=0)
    result, sink = run(s, [("a.csv", numbers(0, 10)), ("b.csv", numbers(10, 20)), ("c.csv", numbers(20, 30))], picky)
    assert result.status is JobStatus.FAILED
    assert [f.status for f in result.files] == [FileStatus.SUCCEEDED, FileStatus.FAILED, FileStatus.SUCCEEDED]
    assert set(sink) == {"out/a.csv.out", "out/c.csv.out"}
    assert (
        result.files[1].failure
        == "b.csv, record 4: the model failed 1 attempt(s) (InvocationsMaxRetries=0): cannot score 13"
    )


def test_bad_input_data_fails_its_file_before_any_call():
    s = settings(split_type="TFRecord", content_type="application/x-tfrecord", accept="application/json")
    result, sink = run(s, [("a.tfrecord", b"definitely not a tfrecord")])
    assert result.status is JobStatus.FAILED and not sink
    assert "a.tfrecord: TFRecord: the length CRC at offset 0 does not match" in result.failure_reason


def test_gzip_input_is_decompressed_before_splitting():
    _, sink = run(settings(compression_type="Gzip"), [("a.csv.gz", gzip.compress(b"1\n2\n"))])
    assert sink == {"out/a.csv.gz.out": b"2\n4\n"}


def test_assemble_none_concatenates_the_answers():
    _, sink = run(
        settings(assemble_with="None", batch_strategy="SingleRecord"),
        [("a.csv", b"1\n2\n")],
        lambda body, *_: (b"<" + body + b">", "text/plain"),
    )
    assert sink == {"out/a.csv.out": b"<1><2>"}


def test_an_empty_file_gives_an_empty_out():
    result, sink = run(settings(), [("empty.csv", b"")])
    assert result.status is JobStatus.COMPLETED and sink == {"out/empty.csv.out": b""}


def test_stop_mid_run_sends_nothing_more_and_writes_no_partial_file():
    stop = threading.Event()
    calls = []

    def slow(body, content_type, accept, timeout_s):
        calls.append(body)
        if len(calls) == 5:
            stop.set()
        return doubling(body, content_type, accept, timeout_s)

    s = settings(batch_strategy="SingleRecord", max_concurrent_transforms=1)
    result, sink = run(
        s, [("a.csv", numbers(0, 3)), ("b.csv", numbers(0, 100)), ("c.csv", numbers(0, 10))], slow, stop=stop
    )
    assert result.status is JobStatus.STOPPED and result.failure_reason is None
    assert set(sink) == {"out/a.csv.out"}
    assert len(calls) <= 5 + 2  # at most the batches already queued
    assert [f.status for f in result.files] == [FileStatus.SUCCEEDED, FileStatus.STOPPED]


def test_progress_counts_records_bytes_and_files():
    seen = []
    s = settings(batch_strategy="SingleRecord", max_concurrent_transforms=3)
    source = [("a.csv", numbers(0, 10)), ("b.csv", numbers(10, 15))]
    result, _ = run(s, source, progress=seen.append)
    last = seen[-1]
    assert (last.records, last.files) == (15, 2)
    assert last.bytes == sum(len(body) for _, body in source) == result.bytes
    assert [p.records for p in seen] == sorted(p.records for p in seen)


def test_the_result_times_the_run():
    result, _ = run(settings(), [("a.csv", b"1\n")])
    assert result.ended >= result.started and result.seconds >= 0
    assert result.files[0].seconds >= 0


def test_a_sink_failure_fails_that_file():
    def sink(location, body):
        raise OSError("No space left on device")

    s = settings()
    result = TransformRunner(s, resolve(s), doubling, sink).run([("a.csv", b"1\n")])
    assert result.status is JobStatus.FAILED
    assert "cannot write out/a.csv.out: OSError: No space left on device" in result.failure_reason


def test_a_bug_in_invoke_fails_the_file_not_the_job():
    def buggy(body, *_):
        raise KeyError("oops")

    result, _ = run(settings(), [("a.csv", b"1\n")], buggy)
    assert result.status is JobStatus.FAILED
    assert "internal error: KeyError" in result.failure_reason


@pytest.mark.parametrize("strategy, calls", [("SingleRecord", 4), ("MultiRecord", 1)])
def test_the_batch_strategy_decides_the_number_of_calls(strategy, calls):
    bodies = []

    def recording(body, *rest):
        bodies.append(body)
        return doubling(body, *rest)

    run(settings(batch_strategy=strategy), [("a.csv", numbers(1, 5))], recording)
    assert len(bodies) == calls


def test_a_failed_multirecord_batch_names_its_record_range():
    def short(body, *_):
        return b"1\n", "text/csv"  # one answer for three records

    result, sink = run(settings(join_source="Input", batch_strategy="MultiRecord"), [("a.csv", b"1\n2\n3\n")], short)
    assert result.files[0].failure == (
        "a.csv, records 1-3: the model answered 1 lines for 3 input record(s); to join "
        "or filter its output, the model must answer one per record, in order"
    )
    assert not sink


def test_an_input_that_cannot_be_read_fails_the_job_after_the_files_already_read():
    def source():
        yield "a.csv", b"1\n"
        raise PermissionError("Access Denied")

    result, sink = run(settings(), source())
    assert result.status is JobStatus.FAILED
    assert result.failure_reason == "ClientError: cannot read the input: PermissionError: Access Denied"
    assert sink == {"out/a.csv.out": b"2\n"}


def test_stop_during_retries_leaves_the_file_stopped_not_failed():
    stop = threading.Event()

    def failing(body, *_):
        stop.set()
        raise ModelInvocationError("busy", 503)

    s = settings(invocations_max_retries=3)
    result = TransformRunner(s, resolve(s), failing, Sink(), stop=stop, retry_delay_s=5).run([("a.csv", b"1\n")])
    assert result.status is JobStatus.STOPPED and result.failure_reason is None
    assert result.files[0].status is FileStatus.STOPPED
    assert result.seconds < 4  # the retry wait ends as soon as the job is stopped


@pytest.mark.parametrize("join_source, rows", [("None", 20_000), ("Input", 1_000)])
def test_a_written_file_holds_no_memory_while_the_job_goes_on(join_source, rows):
    """Each file's answers (and, when joining, its parsed input) are let go once its `.out` is written: the
    memory held when the 32nd `.out` is written is what it was at the 8th, not 24 files' answers more.
    """
    import tracemalloc

    s = settings(batch_strategy="MultiRecord", max_concurrent_transforms=2, join_source=join_source)
    body = numbers(0, rows)  # joining parses every row: fewer of them keep the test quick
    held, written = {}, []

    def sink(location: str, out: bytes) -> None:
        written.append(len(out))
        if len(written) in (8, 32):
            held[len(written)] = tracemalloc.get_traced_memory()[0]

    def source():
        for i in range(32):
            yield f"part-{i}.csv", bytes(body)

    tracemalloc.start()
    try:
        result = TransformRunner(s, resolve(s), doubling, sink, retry_delay_s=0).run(source())
    finally:
        tracemalloc.stop()
    assert result.status is JobStatus.COMPLETED and len(written) == 32
    between = sum(written[8:32]) + 24 * len(body)  # what those 24 files read and wrote
    assert held[32] - held[8] < between / 4, f"{held[32] - held[8]:,} bytes more held after {between:,} moved"
