"""The `byoc` command: each group of subcommands registers itself from its own module."""

import argparse
import logging
import signal
import sys
from collections.abc import Mapping

from emulator.config import reaper_off
from emulator.errors import ByocError


class CommandLineParser(argparse.ArgumentParser):
    """argparse in byoc's error style: what was wrong, then what to do, exit 2; no usage dump.

    Subcommand parsers are of this class too (argparse makes them with the parent's class), so a bad
    option of `byoc transform` is reported as `byoc transform: error: ...`.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands: Mapping[str, argparse.ArgumentParser] = {}  # subcommand -> its parser (set by build_parser)

    def error(self, message: str):
        """Print the error and a pointer to this command's --help, and exit 2."""
        self.exit(2, f"{self.prog}: error: {message}\n  what to do: see `{self.prog} --help`\n")

    def parse_args(self, args=None, namespace=None):
        """Parse like argparse, but report unrecognised arguments as the subcommand's, not the top level's."""
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            self.commands.get(getattr(parsed, "command", None), self).error(
                f"unrecognized arguments: {' '.join(extra)}"
            )
        return parsed


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every subcommand registered."""
    from contract_tests import cli as contract_cli
    from emulator.cli import deploy as deploy_cli
    from emulator.cli import endpoints as endpoint_cli
    from emulator.cli import serve as serve_cli
    from emulator.cli import setup as setup_cli
    from emulator.evaluation import cli as evaluate_cli
    from emulator.transform import cli as transform_cli

    parser = CommandLineParser(
        prog="byoc",
        description="Run SageMaker serial inference pipelines of your own containers locally, and check images "
        "against SageMaker's hosting contract.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parser.commands = sub.choices
    for module in (setup_cli, serve_cli, endpoint_cli, contract_cli, deploy_cli, transform_cli, evaluate_cli):
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; report a ByocError as a message, never a traceback."""
    args = build_parser().parse_args(argv)
    reaper_off()
    logging.basicConfig(level=logging.WARNING, format=f"byoc {args.command}: %(levelname)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except ByocError as err:
        print(f"byoc {args.command}: error: {err.message}", file=sys.stderr)
        if err.hint:
            print(f"  what to do: {err.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt this message
        print(f"byoc {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
