"""`byoc contract` / `byoc push` argument handling, and registry references (no Docker)."""

import pytest

from contract_tests import cli
from contract_tests.config import TargetError
from contract_tests.registry import registry_ref
from emulator.cli import main


def test_nothing_to_check_is_a_clear_error(capsys):
    assert main(["contract"]) == 2
    assert "error: nothing to check" in capsys.readouterr().err


def test_an_image_without_a_sample_is_a_clear_error(capsys):
    assert main(["contract", "byoc/x:latest"]) == 2
    assert "give --sample FILE" in capsys.readouterr().err


def test_push_refuses_a_target_file_of_another_image(capsys):
    target = str(cli.SUITE.parent / "targets" / "predictor-abalone.toml")
    assert main(["push", "byoc/featurizer:latest", "--to", "127.0.0.1:5000", "--target", target]) == 2
    assert "describes another image than byoc/featurizer:latest" in capsys.readouterr().err


def test_the_result_names_the_failed_rules():
    result = cli.SuiteResult()

    class Report:
        failed, passed, when = True, False, "call"
        nodeid = "suite/test_contract.py::test_rule[pipeline-label-x]"
        longreprtext = "pipeline-label: expected LABEL ...=true; it is absent\nmore"

    result.pytest_runtest_logreport(Report())
    assert result.failed == [("pipeline-label-x", Report.longreprtext.splitlines()[0])]
    assert result.rules == ["pipeline-label"]


@pytest.mark.parametrize(
    "image, expected",
    [
        ("byoc/featurizer:latest", ("127.0.0.1:5000/byoc/featurizer", "latest")),
        ("busybox", ("127.0.0.1:5000/busybox", "latest")),
        ("ghcr.io/me/app:1.2", ("127.0.0.1:5000/me/app", "1.2")),
        ("localhost:5000/app", ("127.0.0.1:5000/app", "latest")),
    ],
)
def test_registry_refs_keep_the_path_and_tag_and_drop_the_old_registry(image, expected):
    assert registry_ref(image, "127.0.0.1:5000") == expected


def test_target_error_is_a_byoc_error():
    from emulator.errors import ByocError

    assert issubclass(TargetError, ByocError)
