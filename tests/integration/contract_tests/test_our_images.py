"""Our three images pass every rule, alone and as the two pipelines (what the project's CI runs)."""

import time

import pytest

from emulator.config import REPO_ROOT

from .conftest import OUR_TARGETS, contract_containers, junit_cases, run_byoc

pytestmark = pytest.mark.integration
PIPELINES = [REPO_ROOT / "fixtures" / "pipelines" / f"{name}.toml" for name in ("abalone", "support")]


def test_our_three_images_pass_every_rule(our_images, docker_client, tmp_path):
    report = tmp_path / "report.xml"
    started = time.monotonic()
    done = run_byoc("contract", *(arg for t in OUR_TARGETS for arg in ("--target", t)), "--junitxml", report, "-q")
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    cases = junit_cases(report)
    assert len(cases) == 13 * 3 and all(message is None for message in cases.values())
    print(f"contract suite over our three images: {seconds:.1f} s wall time")  # a figure, not a timed assertion
    assert contract_containers(docker_client) == []


def test_our_pipelines_pass_every_rule_and_link(our_images, docker_client, tmp_path):
    report = tmp_path / "report.xml"
    done = run_byoc("contract", *(arg for p in PIPELINES for arg in ("--pipeline", p)), "--junitxml", report, "-q")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    cases = junit_cases(report)
    assert cases["test_rule[pipeline-links-abalone]"] is None and cases["test_rule[pipeline-links-support]"] is None
    assert len(cases) == 13 * 5 + 2 and all(message is None for message in cases.values())
    assert not [n for n in docker_client.networks.list(filters={"label": "com.byoc.managed=true"})
                if n.name.startswith("byoc-contract-")]
