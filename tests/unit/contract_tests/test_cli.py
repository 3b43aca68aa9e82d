"""`byoc contract` / `byoc push` argument handling, and registry references (no Docker)."""

import pytest

from contract_tests import cli
from contract_tests.config import TargetError
from contract_tests.registry import registry_ref
from emulator.cli import main
from emulator.errors import ByocError


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


SAMPLE = str(cli.SUITE.parent.parent / "fixtures" / "abalone" / "featurizer" / "sample.csv")


def contract_args(*argv: str):
    from emulator.cli import build_parser

    args = build_parser().parse_args(["contract", *argv])
    return args, args.images


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["byoc/x:latest", "--model", "nowhere/model.tar.gz", "--sample", SAMPLE], "--model nowhere/model.tar.gz does"),
        (["byoc/x:latest", "--sample", SAMPLE, "--env", "FOO"], "--env 'FOO' is not KEY=VALUE"),
        (["byoc/x:latest", "--sample", SAMPLE, "--junitxml", "/tmp"], "--junitxml /tmp is a folder"),
        (["byoc/x:latest", "--sample", SAMPLE, "--env", "A=1", "--env", "A=2"], "--env gives A more than once"),
    ],
)
def test_bad_inputs_are_found_before_the_suite_starts_a_container(argv, said):
    with pytest.raises(TargetError, match=said):
        cli.check_args(*contract_args(*argv))


def test_a_malformed_pipeline_is_found_before_the_suite_runs(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('ModelName = "x\n')
    with pytest.raises(ByocError, match="not valid TOML"):
        cli.check_args(*contract_args("--pipeline", str(bad)))


def test_a_target_files_missing_model_is_found_up_front(tmp_path):
    (tmp_path / "t.toml").write_text(f'image = "byoc/x:latest"\nsample = "{SAMPLE}"\nmodel = "nope.tar.gz"\n')
    with pytest.raises(TargetError, match="model .*nope.tar.gz does not exist"):
        cli.check_args(*contract_args("--target", str(tmp_path / "t.toml")))


def test_explain_with_images_refuses_to_ignore_them(capsys):
    assert main(["contract", "byoc/x:latest", "--explain", "sigterm"]) == 2
    assert "it would check nothing of byoc/x:latest" in capsys.readouterr().err


def test_a_deadline_not_above_zero_is_refused_while_parsing(capsys):
    with pytest.raises(SystemExit):
        contract_args("byoc/x:latest", "--start-deadline", "-5")
    assert "argument --start-deadline" in capsys.readouterr().err


@pytest.mark.parametrize("registry", ["http://127.0.0.1:5000", "x y", "host:port", "bad-.example"])
def test_push_refuses_a_malformed_registry_before_running_the_suite(registry, capsys):
    assert main(["push", "byoc/x:latest", "--to", registry, "--sample", SAMPLE]) == 2
    assert f"--to {registry!r} is not a registry" in capsys.readouterr().err


@pytest.mark.parametrize(
    "registry", ["127.0.0.1:5000", "localhost:5000/team", "123456789012.dkr.ecr.us-east-1.amazonaws.com"]
)
def test_registries_docker_accepts_pass(registry):
    from contract_tests.registry import check_registry

    assert check_registry(registry) == registry
