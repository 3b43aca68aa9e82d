"""Run `byoc evaluate` through the real `byoc` entry point, registering the subcommand when it is not wired yet."""

import argparse

import emulator.cli
from emulator.evaluation import cli as evaluate_cli


def byoc(argv: list[str], monkeypatch) -> int:
    """Return the exit code of `byoc ARGV` with `evaluate` registered."""
    build = emulator.cli.build_parser

    def with_evaluate() -> argparse.ArgumentParser:
        parser = build()
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        if "evaluate" not in sub.choices:
            evaluate_cli.register(sub)
        return parser

    monkeypatch.setattr(emulator.cli, "build_parser", with_evaluate)
    return emulator.cli.main(argv)
