"""The contract options are declared once: the CLI's and pytest's are the same table."""

import argparse

from contract_tests import cli, options
from emulator.cli import build_parser


def test_every_option_reaches_pytest_under_its_byoc_name():
    args = build_parser().parse_args(
        [
            "contract",
            "img",
            "--sample",
            "s.csv",
            "--env",
            "A=1",
            "--env",
            "B=2",
            "--target",
            "a.toml",
            "b.toml",
            "--content-type",
            "text/csv; charset=utf-8",
            "--start-deadline",
            "9",
            "--junitxml",
            "r.xml",
        ]
    )
    argv = cli.pytest_args(args, args.images)
    pairs = {(argv[i], argv[i + 1]) for i in range(len(argv) - 1)}
    assert argv[0] == str(cli.SUITE)
    for pair in (
        ("--byoc-image", "img"),
        ("--byoc-sample", "s.csv"),
        ("--byoc-env", "A=1"),
        ("--byoc-env", "B=2"),
        ("--byoc-target", "a.toml"),
        ("--byoc-target", "b.toml"),
        ("--byoc-start-deadline", "9.0"),
        ("--byoc-content-type", "text/csv; charset=utf-8"),
        ("--junitxml", "r.xml"),
    ):
        assert pair in pairs


def test_the_pytest_options_parse_what_the_cli_passes():
    parser = argparse.ArgumentParser()
    options.add_to_pytest(_Group(parser))
    args = build_parser().parse_args(["contract", "img", "--sample", "s.csv", "--accept", "application/json"])
    parsed = parser.parse_args(options.to_pytest_args(args, args.images))
    assert parsed.byoc_image == ["img"] and parsed.byoc_sample == "s.csv" and parsed.byoc_accept == ["application/json"]
    assert parsed.byoc_sigterm_grace == 30.0


class _Group:
    """pytest's option group, as far as add_to_pytest uses it: addoption = argparse's add_argument."""

    def __init__(self, parser):
        self.addoption = parser.add_argument
