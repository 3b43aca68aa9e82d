"""Argument types: ports, seconds and tolerances out of range are refused while parsing, before anything starts."""

import argparse

import pytest

from emulator.cli import main as byoc
from emulator.cli.arguments import at_least_zero, media_type, port, region, seconds


def test_ports_seconds_and_tolerances_in_range_are_kept():
    assert (port("0"), port("65535"), seconds("0.5"), at_least_zero("0")) == (0, 65535, 0.5, 0.0)
    assert [region(r) for r in ("us-east-1", "eu-central-2", "us-gov-west-1")] == [
        "us-east-1",
        "eu-central-2",
        "us-gov-west-1",
    ]


def test_an_empty_media_type_is_refused_and_any_other_kept():
    assert media_type("text/csv; charset=utf-8") == "text/csv; charset=utf-8" and media_type("csv") == "csv"
    with pytest.raises(argparse.ArgumentTypeError, match="sent as no header at all"):
        media_type("  ")


@pytest.mark.parametrize(
    ("kind", "text"),
    [(port, "-1"), (port, "65536"), (port, "abc"), (seconds, "0"), (seconds, "-1"), (seconds, "nan")]
    + [(seconds, "inf"), (at_least_zero, "-0.1"), (at_least_zero, "nan"), (at_least_zero, "x")]
    + [(region, "no such"), (region, "US-EAST-1"), (region, "us-east")],
)
def test_values_out_of_range_are_refused(kind, text):
    with pytest.raises(argparse.ArgumentTypeError):
        kind(text)


@pytest.mark.parametrize(
    "argv",
    [
        ["up", "fixtures/pipelines/abalone.toml", "--port", "-1"],
        ["up", "fixtures/pipelines/abalone.toml", "--port", "99999"],
        ["serve", "--port", "70000"],
        ["up", "fixtures/pipelines/abalone.toml", "--startup-timeout", "-1"],
        ["evaluate", "x", "--data", "d.csv", "--label", "y", "--startup-timeout", "0"],
        ["evaluate", "x", "--data", "d.csv", "--label", "y", "--tolerance", "nan"],
        ["deploy", "x.toml", "--endpoint-name", "a", "--role", "r", "--bucket", "b", "--poll", "0"],
        ["deploy", "x.toml", "--endpoint-name", "a", "--role", "r", "--bucket", "b", "--tolerance", "-1"],
        ["teardown", "a", "--poll", "-5"],
        ["serve", "--region", "no such"],
        ["teardown", "a", "--region", "Frankfurt"],
        ["evaluate", "x", "--data", "d.csv", "--label", "y", "--region", "us_east_1"],
        ["invoke", "abalone", "--content-type", ""],
        ["invoke", "abalone", "--accept", " "],
        ["transform", "m", "--input", "in", "--output", "out", "--content-type", ""],
        ["evaluate", "x", "--data", "d.csv", "--label", "y", "--accept", ""],
    ],
)
def test_the_commands_refuse_them_before_starting_anything(argv, capsys):
    with pytest.raises(SystemExit) as done:
        byoc(argv)
    assert done.value.code == 2 and f"byoc {argv[0]}: error: argument --" in capsys.readouterr().err
