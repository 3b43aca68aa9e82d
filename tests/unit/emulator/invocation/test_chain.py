"""The forwarder's serial/direct semantics, limits and error mapping, with in-process fake hops."""

import math

import pytest

from emulator.api.errors import ModelError, ValidationError
from emulator.invocation.chain import (
    MAX_BETWEEN_CONTAINERS_BYTES,
    MAX_REQUEST_BYTES,
    HopResponse,
    Invocation,
    Pipeline,
    PipelineStats,
)
from emulator.invocation.hops import HopUnreachable


class FakeHop:
    """A container that records what it was sent and answers from a script (or echoes)."""

    def __init__(
        self, hostname, status=200, content_type="text/csv; charset=utf-8", body=None, attributes=None, raises=None
    ):
        self.hostname = hostname
        self.status, self.content_type, self.body = status, content_type, body
        self.attributes, self.raises = attributes, raises
        self.calls = []

    def post(self, body, headers, timeout_s):
        self.calls.append({"body": body, "headers": dict(headers), "timeout_s": timeout_s})
        if self.raises is not None:
            raise self.raises
        headers = {"content-type": self.content_type} if self.content_type else {}
        if self.attributes is not None:
            headers["x-amzn-sagemaker-custom-attributes"] = self.attributes
        out = self.body if self.body is not None else body + b">" + self.hostname.encode()
        return HopResponse(self.status, out, headers)


def chain(*hops, **kwargs):
    return Pipeline("abalone", hops, **kwargs)


def test_body_flows_through_every_container_in_order():
    a, b, c = FakeHop("pre"), FakeHop("mid"), FakeHop("post", content_type="application/json")
    answer = chain(a, b, c).invoke(Invocation(b"x", content_type="text/csv"))
    assert a.calls[0]["body"] == b"x"
    assert b.calls[0]["body"] == b"x>pre"
    assert c.calls[0]["body"] == b"x>pre>mid"
    assert answer.body == b"x>pre>mid>post"
    assert answer.content_type == "application/json"


def test_content_type_chain_is_verbatim_with_parameters():
    a = FakeHop("featurizer", content_type="text/csv; charset=utf-8; header=absent")
    b = FakeHop("predictor", content_type="application/x-npy; version=2")
    answer = chain(a, b).invoke(Invocation(b"1,2", content_type="text/csv;charset=latin-1"))
    assert a.calls[0]["headers"]["Content-Type"] == "text/csv;charset=latin-1"
    assert b.calls[0]["headers"]["Content-Type"] == "text/csv; charset=utf-8; header=absent"
    assert answer.content_type == "application/x-npy; version=2"


def test_missing_caller_content_type_reaches_first_container_as_octet_stream():
    a, b = FakeHop("a"), FakeHop("b")
    chain(a, b).invoke(Invocation(b"x"))
    assert a.calls[0]["headers"]["Content-Type"] == "application/octet-stream"


def test_middle_container_without_content_type_sends_none_on():
    a, b = FakeHop("a", content_type=None), FakeHop("b")
    chain(a, b).invoke(Invocation(b"x", content_type="text/csv"))
    assert "Content-Type" not in b.calls[0]["headers"]


def test_accept_reaches_the_last_container_only():
    a, b, c = FakeHop("a"), FakeHop("b"), FakeHop("c")
    chain(a, b, c).invoke(Invocation(b"x", accept="application/json"))
    assert "Accept" not in a.calls[0]["headers"]
    assert "Accept" not in b.calls[0]["headers"]
    assert c.calls[0]["headers"]["Accept"] == "application/json"


def test_custom_attributes_go_to_every_container_and_only_the_last_ones_come_back():
    a, b = FakeHop("a", attributes="from-a"), FakeHop("b", attributes="trace=42")
    answer = chain(a, b).invoke(Invocation(b"x", custom_attributes="trace=1"))
    assert [h.calls[0]["headers"]["X-Amzn-SageMaker-Custom-Attributes"] for h in (a, b)] == ["trace=1"] * 2
    assert answer.custom_attributes == "trace=42"


def test_custom_attributes_not_returned_unless_the_last_container_sets_them():
    a, b = FakeHop("a", attributes="from-a"), FakeHop("b")
    assert chain(a, b).invoke(Invocation(b"x", custom_attributes="trace=1")).custom_attributes is None


def test_custom_attributes_over_1024_chars_are_refused():
    with pytest.raises(ValidationError, match="customAttributes"):
        chain(FakeHop("a"), FakeHop("b")).invoke(Invocation(b"x", custom_attributes="a" * 1025))


def test_request_over_6_mib_is_a_validation_error_before_any_container_is_called():
    a = FakeHop("a")
    with pytest.raises(ValidationError, match=r"oversize body.*6291457 bytes") as err:
        chain(a, FakeHop("b")).invoke(Invocation(b"x" * (MAX_REQUEST_BYTES + 1)))
    assert err.value.status == 400 and a.calls == []


def test_request_of_exactly_6_mib_passes():
    answer = chain(FakeHop("a", body=b"ok"), FakeHop("b", body=b"ok")).invoke(Invocation(b"x" * MAX_REQUEST_BYTES))
    assert answer.body == b"ok"


def test_over_5_mb_between_containers_uses_sagemakers_message():
    big = b"y" * (MAX_BETWEEN_CONTAINERS_BYTES + 1)
    a, b = FakeHop("featurizer", body=big), FakeHop("predictor")
    with pytest.raises(ModelError) as err:
        chain(a, b).invoke(Invocation(b"x"))
    assert err.value.message == (
        "Received response from featurizer with status code 200. However, the request payload from "
        f"featurizer to predictor is {len(big)} bytes, which has exceeded the maximum limit of 5 MB."
    )
    assert err.value.log_stream_arn.endswith("/featurizer") and b.calls == []


def test_last_response_over_6_mib_is_a_model_error():
    with pytest.raises(ModelError, match="exceeded the maximum limit of 6 MB"):
        chain(FakeHop("a"), FakeHop("b", body=b"z" * (MAX_REQUEST_BYTES + 1))).invoke(Invocation(b"x"))


def test_415_from_a_container_is_a_client_model_error_naming_it():
    a = FakeHop("featurizer", status=415, body=b"content type application/json not supported")
    b = FakeHop("predictor")
    with pytest.raises(ModelError) as err:
        chain(a, b, region="eu-west-1").invoke(Invocation(b"x", content_type="application/json"))
    e = err.value
    assert (e.code, e.status, e.original_status_code) == ("ModelError", 424, 415)
    assert e.original_message == "content type application/json not supported"
    assert e.message.startswith(
        "Received client error (415) from featurizer with message "
        '"content type application/json not supported". See https://eu-west-1.console.aws'
    )
    assert e.message.endswith("in account 000000000000 for more information.")
    assert e.log_stream_arn == (
        "arn:aws:logs:eu-west-1:000000000000:log-group:/aws/sagemaker/Endpoints/abalone"
        ":log-stream:AllTraffic/i-local/featurizer"
    )
    assert b.calls == []


def test_500_from_the_second_container_is_a_server_model_error_naming_it():
    with pytest.raises(ModelError) as err:
        chain(FakeHop("featurizer"), FakeHop("predictor", status=500, body=b"boom")).invoke(Invocation(b"x"))
    assert err.value.message.startswith('Received server error (500) from predictor with message "boom"')
    assert err.value.original_status_code == 500
    assert err.value.log_stream_arn.endswith(":log-stream:AllTraffic/i-local/predictor")


def test_original_message_is_truncated():
    with pytest.raises(ModelError) as err:
        chain(FakeHop("a", status=500, body=b"e" * 10_000), FakeHop("b")).invoke(Invocation(b"x"))
    assert len(err.value.original_message) == 1024
    assert len(err.value.message) <= 2048


def test_unreachable_container_is_a_model_error():
    down = FakeHop("predictor", raises=HopUnreachable("predictor", "connection refused"))
    with pytest.raises(ModelError) as err:
        chain(FakeHop("featurizer"), down).invoke(Invocation(b"x"))
    assert err.value.original_status_code == 0
    assert "Container predictor is unreachable (connection refused)" in err.value.message
    assert err.value.log_stream_arn.endswith("/predictor")


def test_timeout_uses_sagemakers_wording():
    slow = FakeHop("predictor", raises=HopUnreachable("predictor", "read timed out", timed_out=True))
    with pytest.raises(ModelError) as err:
        chain(FakeHop("featurizer"), slow).invoke(Invocation(b"x"))
    assert err.value.message.startswith(
        'Received server error (0) from predictor with message "Your invocation timed out while waiting for '
        "a response from container predictor. Review the latency metrics for each container in Amazon "
        'CloudWatch, resolve the issue, and try again.". See https://'
    )


def test_each_hop_gets_only_what_is_left_of_the_invocation_timeout():
    a, b = FakeHop("a"), FakeHop("b")
    chain(a, b, timeout_s=2.5).invoke(Invocation(b"x"))
    assert 0 < b.calls[0]["timeout_s"] <= a.calls[0]["timeout_s"] <= 2.5


def test_time_running_out_between_hops_is_a_timeout_of_the_next_container():
    a, b = FakeHop("a"), FakeHop("b")
    with pytest.raises(ModelError, match="timed out while waiting for a response from container a"):
        chain(a, b, timeout_s=0.0).invoke(Invocation(b"x"))
    assert b.calls == []


def test_direct_mode_routes_to_the_named_container_with_content_type_and_accept():
    a, b = FakeHop("first"), FakeHop("second", content_type="application/json")
    answer = chain(a, b, mode="Direct").invoke(
        Invocation(b"x", content_type="text/csv", accept="application/json", target_hostname="second")
    )
    assert a.calls == [] and answer.body == b"x>second"
    assert b.calls[0]["headers"] == {"Content-Type": "text/csv", "Accept": "application/json"}
    assert list(answer.latencies_ms) == ["second"]


def test_direct_mode_without_target_is_a_validation_error():
    with pytest.raises(ValidationError, match="configured for direct invocation.*first, second"):
        chain(FakeHop("first"), FakeHop("second"), mode="Direct").invoke(Invocation(b"x"))


def test_direct_mode_with_unknown_target_is_a_validation_error():
    with pytest.raises(ValidationError, match="nope does not exist in endpoint abalone"):
        chain(FakeHop("first"), FakeHop("second"), mode="Direct").invoke(Invocation(b"x", target_hostname="nope"))


def test_serial_mode_with_target_is_a_validation_error():
    a = FakeHop("first")
    with pytest.raises(ValidationError, match="not configured for direct invocation"):
        chain(a, FakeHop("second")).invoke(Invocation(b"x", target_hostname="first"))
    assert a.calls == []


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="Serial, Direct"):
        chain(FakeHop("a"), mode="Parallel")


def test_latencies_are_per_container_in_call_order_and_recorded():
    pipeline = chain(FakeHop("featurizer"), FakeHop("predictor"))
    answer = pipeline.invoke(Invocation(b"x"))
    assert list(answer.latencies_ms) == ["featurizer", "predictor"]
    assert all(ms >= 0 for ms in answer.latencies_ms.values())
    pipeline.invoke(Invocation(b"y"))
    summary = pipeline.stats.summary()
    assert pipeline.stats.invocations == 2
    assert [summary[h]["count"] for h in ("featurizer", "predictor")] == [2, 2]


def test_errors_are_counted_against_the_failing_container():
    pipeline = chain(FakeHop("a"), FakeHop("b", status=500))
    with pytest.raises(ModelError):
        pipeline.invoke(Invocation(b"x"))
    assert pipeline.stats.errors["b"] == 1 and pipeline.stats.invocations == 0


def test_stats_percentiles():
    stats = PipelineStats(["a"])
    for ms in range(1, 101):
        stats.record({"a": float(ms)})
    s = stats.summary()["a"]
    assert (s["count"], s["p50"], s["p99"], s["mean"]) == (100, 51.0, 100.0, 50.5)
    stats.reset()
    assert math.isnan(stats.summary()["a"]["p50"]) and stats.invocations == 0
