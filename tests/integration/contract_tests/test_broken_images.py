"""Proof that the suite catches mistakes: each image of fixtures/broken is caught by exactly its rule or warning."""

import pytest

from contract_tests.rules import RULES, TARGET_RULES

from .conftest import (
    BROKEN_DIR,
    broken,
    by_verdict,
    contract_containers,
    junit_cases,
    junit_properties,
    junit_verdicts,
    run_byoc,
    run_session,
)

pytestmark = pytest.mark.integration
SAMPLE_RULES = {name for name, rule in RULES.items() if rule.needs_sample}


@pytest.fixture(scope="module")
def broken_run(broken_images, docker_client, tmp_path_factory):
    """Run the suite once over the good image and every broken one; return (process, JUnit path)."""
    report = tmp_path_factory.mktemp("broken") / "report.xml"
    images = [broken_images[""], *(broken_images[fault] for fault in broken.EXPECTED)]
    done = run_byoc("contract", *images, "--sample", BROKEN_DIR / "sample.csv", "--junitxml", report, "-q")
    assert contract_containers(docker_client, run_session(report)) == []
    return done, report


def test_each_broken_image_is_caught_by_exactly_its_rule_or_warning(broken_run):
    done, report = broken_run
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    verdicts = junit_verdicts(report)
    assert len(verdicts) == len(TARGET_RULES) * (len(broken.EXPECTED) + 1)
    assert set(by_verdict(verdicts, "contract-good")) == {"passed"}
    for fault, (failed, warned) in broken.EXPECTED.items():
        found = by_verdict(verdicts, f"broken-{fault}")
        assert (found.get("failed", set()), found.get("warning", set())) == (failed, warned), fault
        if "sample-request" in failed:
            assert found["not judged"] == SAMPLE_RULES, fault


def test_failures_say_what_why_and_what_to_do(broken_run):
    done, report = broken_run
    cases = junit_cases(report)
    port = cases["test_rule[bind-to-port-broken-port]"]
    assert port.startswith("bind-to-port: started with SAGEMAKER_BIND_TO_PORT=23456, nothing listened there within 5 s")
    assert (
        "in a SageMaker pipeline all containers share one host" in port
        and "more: docs/contract.md#bind-to-port" in port
    )
    refused = cases["test_rule[sample-request-broken-exact-content-type]"]
    assert "got 415" in refused and "accepted as Content-Type 'text/csv; charset=utf-8'" in refused
    garbage = cases["test_rule[malformed-body-broken-500-on-garbage]"]
    assert "- empty body: sent b'' as text/csv; got 400" in garbage and "- garbage bytes: sent" in garbage
    assert "- wrong shape: sent b'1,2\\n' as text/csv; got 400" in garbage
    html = cases["test_rule[declared-type-broken-json-as-html]"]
    assert "labelled Content-Type 'text/html; charset=utf-8' but the body is JSON" in html
    assert (
        "broken-exact-content-type: 6 passed, 1 failed, 7 not judged, 1 warning(s); first to fix: sample-request"
        in done.stdout
    )


def test_no_rule_that_sends_the_sample_passes_when_the_sample_is_refused(broken_run):
    _, report = broken_run
    found = by_verdict(junit_verdicts(report), "broken-exact-content-type")
    assert not found.get("passed", set()) & (SAMPLE_RULES | {"sample-request", "content-type-tolerance"})


def test_the_exact_spelling_declared_leaves_only_the_tolerance_warning(broken_images, tmp_path):
    report = tmp_path / "report.xml"
    done = run_byoc(
        "contract",
        broken_images["exact-content-type"],
        "--sample",
        BROKEN_DIR / "sample.csv",
        "--content-type",
        "text/csv; charset=utf-8",
        "--junitxml",
        report,
        "-q",
    )
    assert done.returncode == 0, done.stdout[-3000:]
    found = by_verdict(junit_verdicts(report), "broken-exact-content-type")
    assert found == {"passed": set(TARGET_RULES) - {"content-type-tolerance"}, "warning": {"content-type-tolerance"}}


def test_an_absent_image_fails_where_it_starts_and_judges_nothing_else(tmp_path):
    report = tmp_path / "report.xml"
    done = run_byoc("contract", "byoc/never-built:latest", "--sample", BROKEN_DIR / "sample.csv", "--junitxml", report)
    assert done.returncode == 1
    found = by_verdict(junit_verdicts(report), "never-built")
    assert found["failed"] == {"ping", "pipeline-label", "bind-to-port", "sigterm"}  # each starts or inspects it
    assert found["not judged"] == set(TARGET_RULES) - found["failed"]
    messages = [m for m in junit_cases(report).values() if m]
    assert len(messages) == 4 and all("image byoc/never-built:latest is not present" in m for m in messages)
    skipped = junit_properties(report)["test_rule[concurrency-never-built]"]["observed"]
    assert skipped.startswith("concurrency: skipped: the container did not start (see ping): image byoc/never-built")


FRAGILE_PIPELINE = """
ModelName = "fragile"
[[Containers]]
ContainerHostname = "featurizer"
Image = "{good}"
Environment = {{ BYOC_ECHO = "1", BYOC_ANSWER_TYPE = "text/csv; charset=utf-8" }}
[[Containers]]
ContainerHostname = "predictor"
Image = "{exact}"
"""


def test_a_pipeline_shows_content_types_whole_and_the_exact_spelling_its_link_depends_on(broken_images, tmp_path):
    definition = tmp_path / "fragile.toml"
    definition.write_text(FRAGILE_PIPELINE.format(good=broken_images[""], exact=broken_images["exact-content-type"]))
    report = tmp_path / "report.xml"
    done = run_byoc(
        "contract", "--pipeline", definition, "--sample", BROKEN_DIR / "sample.csv", "--junitxml", report, "-q"
    )
    assert done.returncode == 0, done.stdout[-3000:]
    observed = junit_properties(report)["test_rule[pipeline-links-fragile]"]["observed"]
    assert "featurizer ('text/csv') -> predictor ('text/csv; charset=utf-8') -> 200 'text/csv'" in observed
    found = by_verdict(junit_verdicts(report), "fragile-predictor")
    assert found["warning"] == {"content-type-tolerance"}
    tolerance = junit_properties(report)["test_rule[content-type-tolerance-fragile-predictor]"]["observed"]
    assert "accepts only 'text/csv; charset=utf-8'; refused 'text/csv'" in tolerance
