"""The shared-container rules against the broken-images server run in-process (no Docker)."""

from dataclasses import replace

import pytest

from contract_tests import checks, invocations
from contract_tests.checks import Subject
from contract_tests.verdict import NotJudged, RuleFailure, Seen, Status

from .conftest import FakeRun

LABELLED = {
    "Entrypoint": ["python3", "/srv/server.py"],
    "Cmd": ["serve"],
    "Labels": {"com.amazonaws.sagemaker.capabilities.accept-bind-to-port": "true"},
}

ALL_SHARED = [
    checks.ping_rule,
    checks.default_port,
    checks.serve_argument,
    checks.pipeline_label,
    invocations.read_only_model,
    invocations.sample_request,
    invocations.content_type_tolerance,
    invocations.declared_type,
    invocations.unknown_headers,
    invocations.unsupported_content_type,
    invocations.concurrency,
    invocations.large_body,
    invocations.malformed_body,
]
NEEDS_SAMPLE = [
    invocations.declared_type,
    invocations.read_only_model,
    invocations.unknown_headers,
    invocations.unsupported_content_type,
    invocations.concurrency,
    invocations.large_body,
    invocations.malformed_body,
]


def subject(url, target, limits, image=LABELLED, **run):
    return Subject(target, image, FakeRun({8080: url}, **run), limits)


@pytest.mark.parametrize("check", ALL_SHARED, ids=lambda c: c.__name__)
def test_a_good_server_passes_every_shared_rule(check, serve, target, limits):
    seen = check(subject(serve(), target, limits))
    assert (isinstance(seen, str) and seen) or (isinstance(seen, Seen) and seen.warning is None)


@pytest.mark.parametrize(
    "fault, check, words",
    [
        ("unsupported-500", invocations.unsupported_content_type, "expected 4xx (415); got 500"),
        ("slow-ping", checks.ping_rule, "within 2 s on every ping; ping 1 of 5: no answer (timed out after 2 s)"),
        ("die-on-garbage", invocations.malformed_body, "garbage bytes, wrong shape did not get that"),
        ("500-on-garbage", invocations.malformed_body, "garbage bytes did not get that"),
        ("body-limit", invocations.large_body, "got 413"),
        (
            "json-as-html",
            invocations.declared_type,
            "labelled Content-Type 'text/html; charset=utf-8' but the body is JSON",
        ),
    ],
)
def test_each_fault_breaks_its_rule_with_a_message_naming_it(fault, check, words, serve, target, limits):
    with pytest.raises(RuleFailure) as err:
        check(subject(serve(fault), target, limits))
    assert words in err.value.message


def test_every_case_of_malformed_body_is_judged_and_shown(serve, target, limits):
    with pytest.raises(RuleFailure) as err:
        invocations.malformed_body(subject(serve("500-on-garbage"), target, limits))
    cases = {case.what: case for case in err.value.cases}
    assert [c.status for c in err.value.cases] == [Status.PASSED, Status.FAILED, Status.PASSED]
    assert cases["garbage bytes"].got.startswith("500") and cases["empty body"].got.startswith("400")


def test_a_made_up_answer_to_a_wrong_shape_is_a_warning(serve, target, limits):
    seen = invocations.malformed_body(subject(serve("made-up-answer"), target, limits))
    assert seen.warning.startswith("wrong shape answered 200 (text/csv) '0.0'") and seen.warning.endswith(
        "a made-up answer?"
    )
    assert [c.status for c in seen.cases] == [Status.PASSED, Status.PASSED, Status.WARNING]


def test_a_declared_wrong_shape_answered_2xx_fails(serve, target, limits):
    declared = replace(target, wrong_shape=b"1,2,3\n")  # in fact valid: the rule must say so
    with pytest.raises(RuleFailure, match="wrong shape did not get that") as err:
        invocations.malformed_body(subject(serve(), declared, limits))
    assert err.value.cases[-1].note == "the target file declares this body wrongly shaped"


@pytest.mark.parametrize("check", NEEDS_SAMPLE, ids=lambda c: c.__name__)
def test_no_rule_building_on_the_sample_passes_when_the_sample_is_refused(check, serve, target, limits):
    with pytest.raises(NotJudged, match="skipped: sample-request failed .*415.*fix sample-request first"):
        check(subject(serve("exact-content-type"), target, limits))


def test_a_refused_sample_names_the_spelling_the_image_accepts(serve, target, limits):
    with pytest.raises(RuleFailure) as err:
        invocations.sample_request(subject(serve("exact-content-type"), target, limits))
    assert "got 415" in err.value.message
    assert "accepted as Content-Type 'text/csv; charset=utf-8'" in err.value.message


def test_one_exact_spelling_of_the_content_type_is_a_warning(serve, target, limits):
    exact = replace(target, content_type="text/csv; charset=utf-8")
    seen = invocations.content_type_tolerance(subject(serve("exact-content-type"), exact, limits))
    assert seen.warning == "accepts only 'text/csv; charset=utf-8'; refused 'text/csv'"
    assert invocations.sample_request(subject(serve("exact-content-type"), exact, limits))


def test_shell_form_entrypoint_breaks_serve_argument(serve, target, limits):
    image = dict(LABELLED, Entrypoint=["/bin/sh", "-c", "python3 /srv/server.py"])
    with pytest.raises(RuleFailure, match="serve-argument: expected ENTRYPOINT in exec form; it is shell form"):
        checks.serve_argument(subject(serve(), target, limits, image=image))


def test_missing_label_breaks_pipeline_label(serve, target, limits):
    with pytest.raises(RuleFailure, match="accept-bind-to-port=true; it is absent"):
        checks.pipeline_label(subject(serve(), target, limits, image={"Entrypoint": ["x"]}))


def test_a_writable_model_mount_breaks_read_only_model(serve, target, limits):
    mount = {"Destination": "/opt/ml/model", "RW": True}
    with pytest.raises(RuleFailure, match="expected /opt/ml/model mounted read-only"):
        invocations.read_only_model(subject(serve(), target, limits, mount=mount))


def test_a_wrong_declared_content_type_breaks_sample_request(serve, target, limits):
    with pytest.raises(
        RuleFailure, match="expected 2xx within 60 s with Content-Type text/plain; got Content-Type 'text/csv'"
    ):
        invocations.sample_request(subject(serve(), replace(target, returns="text/plain"), limits))


def test_a_dead_container_is_named_in_the_message(serve, target, limits):
    with pytest.raises(RuleFailure, match="the container exited with status 1, its log ends:\nfake log line"):
        invocations.sample_request(subject("http://127.0.0.1:9", target, limits, running=False))
