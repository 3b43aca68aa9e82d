"""Proof that the suite catches mistakes: each image of fixtures/broken fails exactly its rule, the good one none."""

import pytest

from .conftest import BROKEN_DIR, broken, contract_containers, junit_cases, run_byoc

pytestmark = pytest.mark.integration
RULES = 13


def test_each_broken_image_fails_exactly_its_rule(broken_images, docker_client, tmp_path):
    report = tmp_path / "report.xml"
    images = [broken_images[""], *(broken_images[fault] for fault in broken.RULE_OF_FAULT)]
    done = run_byoc("contract", *images, "--sample", BROKEN_DIR / "sample.csv", "--junitxml", report, "-q")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    cases = junit_cases(report)
    assert len(cases) == RULES * len(images)
    failed = {name for name, message in cases.items() if message is not None}  # contract-good: none
    assert failed == {f"test_rule[{rule}-broken-{fault}]" for fault, rule in broken.RULE_OF_FAULT.items()}
    assert cases["test_rule[bind-to-port-broken-port]"].startswith(
        "bind-to-port: started with SAGEMAKER_BIND_TO_PORT=23456, nothing listened there within 5 s; port 8080 answered")
    assert "sigterm: sent SIGTERM to a serving container; expected it to exit within 30 s" in \
        cases["test_rule[sigterm-broken-ignore-sigterm]"]
    assert contract_containers(docker_client) == []


def test_an_absent_image_fails_every_rule_saying_so(tmp_path):
    report = tmp_path / "report.xml"
    done = run_byoc("contract", "byoc/never-built:latest", "--sample", BROKEN_DIR / "sample.csv", "--junitxml", report)
    assert done.returncode == 1
    messages = [m for m in junit_cases(report).values()]
    assert len(messages) == RULES and all(m and "image byoc/never-built:latest is not present" in m for m in messages)
