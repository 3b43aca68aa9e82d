"""`byoc deploy` and `byoc teardown` on the command line: registered, and every bad input a message, not a traceback."""

from pathlib import Path

from emulator.aws import local_client
from emulator.cli import main

ROOT = Path(__file__).resolve().parents[4]
ABALONE = str(ROOT / "fixtures" / "pipelines" / "abalone.toml")
ROLE = "arn:aws:iam::123456789012:role/byoc"


def test_a_missing_region_is_a_message(local, capsys):
    code = main(
        [
            "deploy",
            ABALONE,
            "--endpoint-name",
            "x",
            "--role",
            ROLE,
            "--bucket",
            "models",
            "--endpoint-url",
            local,
            "--dry-run",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "byoc deploy: error: no AWS region" in err and "Traceback" not in err


def test_a_missing_definition_is_a_message(local, capsys):
    code = main(
        [
            "deploy",
            "nowhere.toml",
            "--endpoint-name",
            "x",
            "--role",
            ROLE,
            "--bucket",
            "models",
            "--endpoint-url",
            local,
            "--region",
            "us-east-1",
        ]
    )
    assert code == 2 and "nowhere.toml: no such pipeline definition" in capsys.readouterr().err


def test_teardown_prints_each_step(local, capsys):
    sm = local_client("sagemaker", local)
    sm.create_model(ModelName="m-1", Containers=[{"Image": "img/a:1"}])
    sm.create_endpoint_config(
        EndpointConfigName="cli-0123456789ab",
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": "m-1", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
        ],
    )
    sm.create_endpoint(EndpointName="cli", EndpointConfigName="cli-0123456789ab")
    sm.get_waiter("endpoint_in_service").wait(EndpointName="cli", WaiterConfig={"Delay": 0.05, "MaxAttempts": 100})
    assert main(["teardown", "cli", "--endpoint-url", local, "--region", "us-east-1", "--poll", "0.05"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "teardown: deleting endpoint cli",
        "teardown: endpoint cli deleted",
        "teardown: endpoint config cli-0123456789ab deleted",
        "teardown: model m-1 deleted",
        "byoc teardown: 3 resource(s) deleted",
    ]
    assert main(["teardown", "cli", "--endpoint-url", local, "--region", "us-east-1"]) == 2
    assert "no endpoint cli and no endpoint config made for it" in capsys.readouterr().err


def test_a_malformed_region_or_endpoint_url_is_a_message(capsys, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "no such region")  # --region itself is checked while parsing
    for extra in ([], ["--region", "us-east-1", "--endpoint-url", "not-a-url"]):
        code = main(["teardown", "x", *extra])
        err = capsys.readouterr().err
        assert code == 2 and "byoc teardown: error: cannot make the AWS clients" in err and "Traceback" not in err
        assert "what to do: pass a region such as --region" in err


def test_a_sample_with_no_smoke_test_is_refused_not_ignored(capsys):
    argv = ["deploy", ABALONE, "--endpoint-name", "x", "--role", ROLE, "--bucket", "models", "--dry-run"]
    assert (
        main(
            [*argv, "--sample", ABALONE, "--no-smoke", "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9"]
        )
        == 2
    )
    assert "--no-smoke turns the smoke test off" in capsys.readouterr().err


def test_a_tolerance_with_no_parity_check_is_refused_not_ignored(capsys):
    argv = ["deploy", ABALONE, "--endpoint-name", "x", "--role", ROLE, "--bucket", "models", "--dry-run"]
    more = ["--tolerance", "0.1", "--no-parity", "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9"]
    assert main([*argv, *more]) == 2
    assert "--no-smoke or --no-parity turns it off" in capsys.readouterr().err
