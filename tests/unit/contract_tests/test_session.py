"""The session's case list and how a check's result, failure or crash becomes a verdict (no Docker)."""

from contract_tests.config import PipelineConfig, TargetConfig
from contract_tests.containers import StartFailure
from contract_tests.rules import PIPELINE_RULE, RULES, TARGET_RULES
from contract_tests.session import ContractSession
from contract_tests.verdict import Case, NotJudged, RuleFailure, Seen, Status, judge, render


def test_cases_are_every_rule_per_target_then_the_pipeline_links():
    one = TargetConfig("one", "img")
    pipe = PipelineConfig("p", (TargetConfig("p-a", "a"), TargetConfig("p-b", "b")), b"x", "text/csv")
    cases = ContractSession.list_cases([one], [pipe])
    assert len(cases) == 3 * len(TARGET_RULES) + 1
    assert cases[0] == ("serve-argument", "one") and cases[-1] == (PIPELINE_RULE, "p")
    assert len(TARGET_RULES) == 15 and set(TARGET_RULES) | {PIPELINE_RULE} == set(RULES)


def test_a_pass_keeps_what_was_seen():
    outcome = judge("ping", "t", lambda: "5 pings within 2 s")
    assert outcome.status is Status.PASSED and outcome.detail == "5 pings within 2 s"


def test_a_warning_passes_but_says_so():
    outcome = judge("content-type-tolerance", "t", lambda: Seen("accepted ['a']", warning="accepts only 'a'"))
    assert outcome.status is Status.WARNING and outcome.passed
    assert outcome.detail == "accepts only 'a' (accepted ['a'])"


def test_a_rule_failure_is_its_message_with_why_and_what_to_do():
    def check():
        raise RuleFailure("bind-to-port", "nothing listened there", (Case("c", "x", "y", Status.FAILED),))

    outcome = judge("bind-to-port", "t", check)
    text = render(outcome)
    assert outcome.status is Status.FAILED and text.startswith("bind-to-port: nothing listened there\n  - c: sent x")
    assert "why: in a SageMaker pipeline all containers share one host, so each gets its own port" in text
    assert "what to do: read the port from the environment variable SAGEMAKER_BIND_TO_PORT" in text
    assert "more: docs/contract.md#bind-to-port (or `byoc contract --explain bind-to-port`)" in text


def test_not_judged_is_neither_passed_nor_failed():
    def check():
        raise NotJudged("concurrency", "skipped: sample-request failed (415), fix it first")

    outcome = judge("concurrency", "t", check)
    assert outcome.status is Status.NOT_JUDGED and not outcome.passed
    assert "why:" not in render(outcome)


def test_a_start_failure_is_named_under_the_rule():
    def check():
        raise StartFailure("image x is not present", "build it")

    assert judge("sigterm", "t", check).detail == "image x is not present\n  hint: build it"


def test_a_crashing_check_reads_as_its_rule_failing_with_the_traceback():
    outcome = judge("concurrency", "t", lambda: 1 / 0)
    assert outcome.status is Status.FAILED
    assert outcome.detail.startswith("the check itself crashed:") and "ZeroDivisionError" in outcome.detail


def test_a_container_that_did_not_start_fails_one_rule_and_the_rest_are_not_judged():
    from concurrent.futures import Future

    from contract_tests.session import _not_started

    results = {rule: Future() for rule in ("serve-argument", "ping", "sample-request")}
    _not_started("t", results, StartFailure("image x is not present", "build it"))
    outcomes = {rule: future.result() for rule, future in results.items()}
    assert outcomes["ping"].status is Status.FAILED and "image x is not present" in outcomes["ping"].detail
    assert outcomes["sample-request"].status is Status.NOT_JUDGED
    assert (
        outcomes["serve-argument"].detail == "skipped: the container did not start (see ping): image x is not present"
    )
