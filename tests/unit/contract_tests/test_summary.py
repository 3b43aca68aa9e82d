"""The summary line per image, and which problem it names first."""

from contract_tests.summary import summary_lines
from contract_tests.verdict import Outcome, Status


def test_one_line_per_image_with_counts_and_the_sample_first():
    outcomes = [
        Outcome("ping", "a", Status.PASSED, "ok"),
        Outcome("malformed-body", "a", Status.NOT_JUDGED, "skipped"),
        Outcome("declared-type", "a", Status.FAILED, "labelled text/html but the body is JSON"),
        Outcome("sample-request", "a", Status.FAILED, "got 415\nmore"),
        Outcome("content-type-tolerance", "a", Status.WARNING, "accepts only one"),
        Outcome("ping", "b", Status.PASSED, "ok"),
    ]
    lines = summary_lines(outcomes)
    assert lines[0] == (
        "a: 1 passed, 2 failed, 1 not judged, 1 warning(s); first to fix: sample-request "
        "(docs/contract.md#sample-request): got 415"
    )
    assert lines[1] == "b: 1 passed, 0 failed, 0 not judged, 0 warning(s); nothing to fix"


def test_a_warning_alone_is_worth_a_look():
    line = summary_lines([Outcome("malformed-body", "a", Status.WARNING, "wrong shape answered 2xx")])[0]
    assert line.endswith("worth a look: malformed-body (docs/contract.md#malformed-body): wrong shape answered 2xx")
