"""The shared-container rules against the broken-images server run in-process (no Docker)."""

import pytest

from contract_tests import checks
from contract_tests.checks import RuleFailure, Subject

from .conftest import FakeRun

LABELLED = {"Entrypoint": ["python3", "/srv/server.py"], "Cmd": ["serve"],
            "Labels": {"com.amazonaws.sagemaker.capabilities.accept-bind-to-port": "true"}}

ALL_SHARED = [checks.ping_rule, checks.default_port, checks.serve_argument, checks.read_only_model,
              checks.sample_request, checks.unknown_headers, checks.unsupported_content_type,
              checks.concurrency, checks.large_body, checks.malformed_body, checks.pipeline_label]


def subject(url, target, limits, image=LABELLED, **run):
    return Subject(target, image, FakeRun({8080: url}, **run), limits)


@pytest.mark.parametrize("check", ALL_SHARED, ids=lambda c: c.__name__)
def test_a_good_server_passes_every_shared_rule(check, serve, target, limits):
    detail = check(subject(serve(), target, limits))
    assert isinstance(detail, str) and detail


@pytest.mark.parametrize("fault, check, words", [
    ("unsupported-500", checks.unsupported_content_type, "expected 4xx (415); got 500"),
    ("slow-ping", checks.ping_rule, "within 2 s on every ping; ping 1 of 5: no answer (timed out after 2 s)"),
    ("die-on-garbage", checks.malformed_body, "sent garbage bytes"),
    ("body-limit", checks.large_body, "got 413"),
])
def test_each_fault_breaks_its_rule_with_a_message_naming_it(fault, check, words, serve, target, limits):
    with pytest.raises(RuleFailure) as err:
        check(subject(serve(fault), target, limits))
    assert str(err.value).startswith(err.value.rule + ": ")
    assert words in str(err.value)


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
        checks.read_only_model(subject(serve(), target, limits, mount=mount))


def test_a_wrong_declared_content_type_breaks_sample_request(serve, target, limits):
    from dataclasses import replace

    with pytest.raises(RuleFailure, match="expected 2xx within 60 s with Content-Type text/plain; got Content-Type 'text/csv'"):
        checks.sample_request(subject(serve(), replace(target, returns="text/plain"), limits))


def test_a_declared_wrong_shape_must_get_4xx(serve, target, limits):
    from dataclasses import replace

    declared = replace(target, wrong_shape=b"1,2,3\n")  # in fact valid: the rule must say so
    with pytest.raises(RuleFailure, match="sent wrong shape .* expected 4xx and /ping 200 after; got 200"):
        checks.malformed_body(subject(serve(), declared, limits))


def test_a_dead_container_is_named_in_the_message(serve, target, limits):
    with pytest.raises(RuleFailure, match="the container exited with status 1, its log ends:\nfake log line"):
        checks.sample_request(subject("http://127.0.0.1:9", target, limits, running=False))
