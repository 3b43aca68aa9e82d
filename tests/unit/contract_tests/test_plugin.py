"""The pytest plugin, run in a throw-away project with pytester: inert by default, one test per rule and target."""

import pytest

pytest_plugins = ["pytester"]

FAKE_SESSION = """
import pytest
from contract_tests.verdict import Outcome, Status

STATUS = {"sigterm": Status.FAILED, "concurrency": Status.NOT_JUDGED, "malformed-body": Status.WARNING}


class FakeSession:
    def outcome(self, rule, target):
        return Outcome(rule, target, STATUS.get(rule, Status.PASSED), f"observed on {target}")


@pytest.fixture(scope="session")
def byoc_contract_session():
    return FakeSession()
"""


@pytest.fixture
def sample(pytester):
    return str(pytester.makefile(".csv", sample="1,2,3\n"))


def test_without_its_options_the_plugin_adds_nothing(pytester):
    pytester.makepyfile("def test_own(): assert True")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "test_contract" not in result.stdout.str()


def test_its_options_show_in_their_own_group(pytester):
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*SageMaker hosting contract*", "*--byoc-image=IMAGE*", "*--byoc-pipeline=FILE*"])


def test_one_test_per_rule_and_target_is_collected(pytester, sample):
    result = pytester.runpytest("--byoc-image", "byoc/myimage:1", "--byoc-sample", sample, "--co", "-q")
    ids = [line for line in result.stdout.lines if "test_rule[" in line]
    assert len(ids) == 15
    assert any(line.endswith("test_rule[bind-to-port-myimage]") for line in ids)
    assert any(line.endswith("test_rule[read-only-model-myimage]") for line in ids)


def test_a_broken_rule_fails_its_own_test_with_the_rules_message(pytester, sample):
    pytester.makeconftest(FAKE_SESSION)
    result = pytester.runpytest("--byoc-image", "byoc/myimage:1", "--byoc-sample", sample)
    result.assert_outcomes(passed=13, failed=1, skipped=1)  # warnings: ours plus whatever the libraries raise
    assert result.stdout.str().count("ContractWarning: ") == 1
    result.stdout.fnmatch_lines(
        [
            "*test_rule[[]sigterm-myimage[]]*",
            "sigterm: observed on myimage",
            "  why: SageMaker stops containers with SIGTERM*",
            "  what to do: *",
            "  more: docs/contract.md#sigterm*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*SageMaker hosting contract: summary*",
            "myimage: 12 passed, 1 failed, 1 not judged, 1 warning(s); first to fix: sigterm*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_junit_keeps_skipped_and_warnings_as_such(pytester, sample):
    import xml.etree.ElementTree as ET

    pytester.makeconftest(FAKE_SESSION)
    pytester.runpytest("--byoc-image", "byoc/myimage:1", "--byoc-sample", sample, "--junitxml", "r.xml")
    cases = {c.get("name"): c for c in ET.parse(pytester.path / "r.xml").iter("testcase")}
    verdict = {
        name: {p.get("name"): p.get("value") for p in case.iter("property")}["verdict"] for name, case in cases.items()
    }
    assert cases["test_rule[concurrency-myimage]"].find("skipped") is not None
    assert verdict["test_rule[malformed-body-myimage]"] == "warning"
    assert verdict["test_rule[concurrency-myimage]"] == "not judged"
    assert cases["test_rule[sigterm-myimage]"].find("failure") is not None


def test_a_bad_option_is_a_usage_error_saying_what_to_do(pytester):
    result = pytester.runpytest("--byoc-image", "byoc/myimage:1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: no sample request given", "*hint: give --sample FILE (pytest: --byoc-sample FILE)*"]
    )
