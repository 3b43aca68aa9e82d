"""The session's case list and how a check's result, failure or crash becomes a verdict (no Docker)."""

from contract_tests.checks import RuleFailure
from contract_tests.config import PipelineConfig, TargetConfig
from contract_tests.session import PIPELINE_RULE, TARGET_RULES, ContractSession, _verdict
from contract_tests.target import StartFailure


def test_cases_are_every_rule_per_target_then_the_pipeline_links():
    one = TargetConfig("one", "img")
    pipe = PipelineConfig("p", (TargetConfig("p-a", "a"), TargetConfig("p-b", "b")), b"x", "text/csv")
    cases = ContractSession.list_cases([one], [pipe])
    assert len(cases) == 3 * len(TARGET_RULES) + 1
    assert cases[0] == ("serve-argument", "one") and cases[-1] == (PIPELINE_RULE, "p")
    assert len(TARGET_RULES) == 13 and len(set(TARGET_RULES)) == 13


def test_a_pass_keeps_what_was_seen():
    outcome = _verdict("ping", "t", lambda: "5 pings within 2 s")
    assert outcome.passed and outcome.detail == "ping: 5 pings within 2 s"


def test_a_rule_failure_is_its_message():
    def check():
        raise RuleFailure("ping", "expected 200; got 500")

    outcome = _verdict("ping", "t", check)
    assert not outcome.passed and outcome.detail == "ping: expected 200; got 500"


def test_a_start_failure_is_named_under_the_rule():
    def check():
        raise StartFailure("image x is not present", "build it")

    assert _verdict("sigterm", "t", check).detail == "sigterm: image x is not present"


def test_a_crashing_check_reads_as_its_rule_failing_with_the_traceback():
    outcome = _verdict("concurrency", "t", lambda: 1 / 0)
    assert not outcome.passed
    assert outcome.detail.startswith("concurrency: the check itself crashed:") and "ZeroDivisionError" in outcome.detail
