"""Our three images pass every rule, alone and as the two pipelines (what the project's CI runs)."""

import time

import pytest

from contract_tests.rules import TARGET_RULES
from emulator.config import REPO_ROOT

from .conftest import (
    OUR_TARGETS,
    contract_containers,
    junit_cases,
    junit_properties,
    junit_verdicts,
    run_byoc,
    run_session,
)

pytestmark = pytest.mark.integration
PIPELINES = [REPO_ROOT / "fixtures" / "pipelines" / f"{name}.toml" for name in ("abalone", "support")]


def test_our_three_images_pass_every_rule(our_images, docker_client, tmp_path):
    report = tmp_path / "report.xml"
    started = time.monotonic()
    done = run_byoc("contract", *(arg for t in OUR_TARGETS for arg in ("--target", t)), "--junitxml", report, "-q")
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    cases = junit_cases(report)
    assert len(cases) == len(TARGET_RULES) * 3 and set(junit_verdicts(report).values()) == {"passed"}
    print(f"contract suite over our three images: {seconds:.1f} s wall time")  # a figure, not a timed assertion
    assert contract_containers(docker_client, run_session(report)) == []


def test_our_pipelines_pass_every_rule_and_link(our_images, docker_client, tmp_path):
    report = tmp_path / "report.xml"
    done = run_byoc("contract", *(arg for p in PIPELINES for arg in ("--pipeline", p)), "--junitxml", report, "-q")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    cases = junit_cases(report)
    assert cases["test_rule[pipeline-links-abalone]"] is None and cases["test_rule[pipeline-links-support]"] is None
    verdicts = junit_verdicts(report)
    assert len(cases) == len(TARGET_RULES) * 5 + 2
    # A keyword list has no wrong shape: the derived one (a keyword fewer) is valid input, answered 200, and
    # the suite, unable to know that, warns rather than passing it silently.
    assert {name for name, verdict in verdicts.items() if verdict != "passed"} == {
        "test_rule[malformed-body-support-preprocessor]"
    }
    assert verdicts["test_rule[malformed-body-support-preprocessor]"] == "warning"
    observed = junit_properties(report)["test_rule[pipeline-links-abalone]"]["observed"]
    assert "the sample travelled featurizer ('text/csv') -> predictor ('text/csv') -> 200 'text/csv'" in observed
    assert contract_containers(docker_client, run_session(report)) == []
