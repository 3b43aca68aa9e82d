"""Our three images pass every rule, as the two pipelines (what the project's CI runs) and as a target file.

The pipelines run every rule on each of their five containers, which are the three images with the
fixtures' models; the target-file path is run once, with the target that needs a side service
(the postprocessor and its seeded DynamoDB table). Running the other two target files as well
repeated the pipelines' checks on the same images and models (about 15 s of a full test run).
"""

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
POSTPROCESSOR_TARGET = next(t for t in OUR_TARGETS if t.stem == "postprocessor-support")
PIPELINES = [REPO_ROOT / "fixtures" / "pipelines" / f"{name}.toml" for name in ("abalone", "support")]


def test_a_target_file_with_a_table_passes_every_rule(our_images, docker_client, tmp_path):
    report = tmp_path / "report.xml"
    started = time.monotonic()
    done = run_byoc("contract", "--target", POSTPROCESSOR_TARGET, "--junitxml", report, "-q")
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    cases = junit_cases(report)
    assert set(cases) == {f"test_rule[{rule}-postprocessor-support]" for rule in TARGET_RULES}
    assert set(junit_verdicts(report).values()) == {"passed"}
    print(f"contract suite over one target: {seconds:.1f} s wall time")  # a figure, not a timed assertion
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
