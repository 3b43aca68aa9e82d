"""LogShipper against in-process moto (CloudWatch Logs), and a recorder client for batching rules."""

import io
import threading
import time

import pytest
from botocore.exceptions import ClientError

from emulator.aws import local_client
from emulator.docker.logs import follow
from emulator.hosting.cloudwatch import EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES, MAX_EVENT_BYTES, LogShipper, clip
from emulator.sagemaker import TRANSFORM_LOG_GROUP, log_group, log_stream, transform_log_stream
from tests.unit.emulator.inprocess_moto import moto_url


@pytest.fixture(scope="module")
def logs():
    with moto_url() as url:
        yield local_client("logs", url)


def messages(logs, group, stream):
    return [
        e["message"]
        for e in logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
    ]


def test_lines_reach_the_endpoint_group_and_the_container_stream(logs):
    group, stream = log_group("support"), log_stream("AllTraffic", "predictor")
    shipper = LogShipper(logs, group, interval_s=0.05).start()
    write = shipper.writer(stream)
    for n in range(5):
        write(f"line {n}")
    assert shipper.flush()
    assert messages(logs, group, stream) == [f"line {n}" for n in range(5)]
    shipper.put(log_stream("AllTraffic", "postprocessor"), "other container")
    shipper.close()
    assert messages(logs, group, "AllTraffic/i-local/postprocessor") == ["other container"]
    assert shipper.sent == 6 and shipper.dropped == shipper.failed == 0


def test_transform_jobs_use_their_own_group_and_stream(logs):
    shipper = LogShipper(logs, TRANSFORM_LOG_GROUP, interval_s=0.05).start()
    shipper.put(transform_log_stream("job-1", "featurizer"), "batch line")
    shipper.close()
    assert messages(logs, "/aws/sagemaker/TransformJobs", "job-1/i-local-featurizer") == ["batch line"]


def test_a_follower_tees_each_line_without_its_prefix(logs):
    shipper = LogShipper(logs, log_group("tee"), interval_s=0.05).start()
    terminal = io.StringIO()
    chunks = [b"hel", b"lo\nwor", b"ld\npartial"]
    follow(lambda: iter(chunks), "tee/c1", terminal, tee=shipper.writer("AllTraffic/i-local/c1")).join(5)
    shipper.close()
    assert terminal.getvalue() == "tee/c1 | hello\ntee/c1 | world\ntee/c1 | partial\n"
    assert messages(logs, log_group("tee"), "AllTraffic/i-local/c1") == ["hello", "world", "partial"]
    quiet = io.StringIO()
    follow(lambda: iter([b"x\n"]), "p", quiet, tee=lambda line: None, echo=False).join(5)
    assert quiet.getvalue() == ""


class Recorder:
    """A logs client that records PutLogEvents calls and can be told to fail or to block."""

    def __init__(self, fail=False, gate: threading.Event | None = None):
        self.calls, self.fail, self.gate = [], fail, gate

    def create_log_group(self, **kwargs):
        pass

    def create_log_stream(self, **kwargs):
        pass

    def put_log_events(self, **kwargs):
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail:
            raise ClientError({"Error": {"Code": "ServiceUnavailableException", "Message": "down"}}, "PutLogEvents")
        self.calls.append(kwargs)


def test_batches_hold_at_most_batch_events_and_come_in_time_order():
    recorder = Recorder()
    shipper = LogShipper(recorder, "g", batch_events=3, interval_s=5).start()
    for n, stamp in enumerate([5, 4, 3, 2, 1, 0, 9]):
        shipper.put("s", f"m{n}", timestamp_ms=stamp)
    deadline = time.monotonic() + 2  # two full batches go without waiting for the 5 s interval
    while len(recorder.calls) < 2 and time.monotonic() < deadline:
        threading.Event().wait(0.01)
    assert [len(c["logEvents"]) for c in recorder.calls] == [3, 3]
    shipper.close()
    assert [[e["timestamp"] for e in c["logEvents"]] for c in recorder.calls] == [[3, 4, 5], [0, 1, 2], [9]]


def test_a_batch_is_split_by_bytes_and_an_event_clipped():
    recorder = Recorder()
    shipper = LogShipper(recorder, "g", interval_s=5).start()
    for _ in range(5):
        shipper.put("s", "x" * (300 * 1024))  # each clipped to the largest event
    shipper.close()
    sizes = [sum(len(e["message"]) + EVENT_OVERHEAD_BYTES for e in c["logEvents"]) for c in recorder.calls]
    assert all(size <= MAX_BATCH_BYTES for size in sizes) and sum(len(c["logEvents"]) for c in recorder.calls) == 5
    assert len(clip("é" * MAX_EVENT_BYTES).encode()) <= MAX_EVENT_BYTES


def test_put_never_blocks_a_follower_even_when_sending_hangs():
    gate = threading.Event()
    shipper = LogShipper(Recorder(gate=gate), "g", batch_events=1, queue_events=10, interval_s=0.01).start()
    started = time.monotonic()
    for n in range(1000):
        shipper.put("s", f"line {n}")
    assert time.monotonic() - started < 0.5
    assert shipper.dropped >= 900
    gate.set()
    shipper.close()


def test_failures_are_counted_not_raised():
    shipper = LogShipper(Recorder(fail=True), "g", interval_s=0.01).start()
    shipper.put("s", "lost")
    shipper.put("s", "")  # CloudWatch refuses empty messages: skipped
    shipper.close()
    assert shipper.failed == 1 and shipper.sent == 0
