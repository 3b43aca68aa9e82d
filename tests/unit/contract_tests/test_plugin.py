"""The pytest plugin, run in a throw-away project with pytester: inert by default, one test per rule and target."""

import pytest

pytest_plugins = ["pytester"]

FAKE_SESSION = '''
import pytest
from contract_tests.session import Outcome


class FakeSession:
    def outcome(self, rule, target):
        return Outcome(rule, target, rule != "sigterm", f"{rule}: observed on {target}")


@pytest.fixture(scope="session")
def byoc_contract_session():
    return FakeSession()
'''


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
    assert len(ids) == 13
    assert any(line.endswith("test_rule[bind-to-port-myimage]") for line in ids)
    assert any(line.endswith("test_rule[read-only-model-myimage]") for line in ids)


def test_a_broken_rule_fails_its_own_test_with_the_rules_message(pytester, sample):
    pytester.makeconftest(FAKE_SESSION)
    result = pytester.runpytest("--byoc-image", "byoc/myimage:1", "--byoc-sample", sample)
    result.assert_outcomes(passed=12, failed=1)
    result.stdout.fnmatch_lines(["*test_rule[[]sigterm-myimage[]]*", "sigterm: observed on myimage"])
    assert "Traceback" not in result.stdout.str()


def test_a_bad_option_is_a_usage_error_saying_what_to_do(pytester):
    result = pytester.runpytest("--byoc-image", "byoc/myimage:1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: no sample request given", "*hint: give --sample FILE (pytest: --byoc-sample FILE)*"])
