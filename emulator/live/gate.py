"""The contract gate: the suite on every container of a definition (`byoc contract --pipeline`), before anything.

The contract suite is imported here, inside the call, as the CLI imports it inside its commands.
"""

import argparse
from pathlib import Path

from emulator.live.plan import DeployError


def check_contract(definition: Path, sample: Path | None = None, quiet: bool = True) -> int:
    """Run the contract suite on the pipeline `definition`; return how many checks passed, or raise naming the rules."""
    from contract_tests import cli as contract_cli
    from contract_tests.options import add_to_argparse

    parser = argparse.ArgumentParser(add_help=False)
    add_to_argparse(parser)
    args = parser.parse_args(["--pipeline", str(definition), *(["--sample", str(sample)] if sample else [])])
    args.quiet, args.junitxml = quiet, None
    result = contract_cli.run_suite(args, [])
    if result.exit_code == 1 or result.failed:
        rules = ", ".join(sorted(set(result.rules)))
        raise DeployError(
            f"refusing to deploy {definition}: it breaks {len(result.failed)} contract rule(s): {rules}",
            "fix the image(s) (`byoc contract --explain RULE` says how), or pass --skip-contract",
        )
    if result.exit_code != 0:
        raise DeployError(
            f"the contract suite did not run (pytest exit status {result.exit_code}); nothing deployed",
            "read the pytest output above, or pass --skip-contract",
        )
    return result.passed
