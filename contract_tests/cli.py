"""`byoc contract` (run the suite, write JUnit XML, explain a rule) and `byoc push` (push only an image that passes)."""

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from emulator.cli.arguments import repeated
from emulator.errors import ByocError

from . import config as cfg
from .options import add_to_argparse, to_pytest_args
from .rules import PIPELINE_RULE, RULES, TARGET_RULES

SUITE = Path(__file__).resolve().parent / "suite"


@dataclass(eq=False)  # hashable by identity: pytest registers it as a plugin
class SuiteResult:
    """What a run of the suite found: pytest's exit status and the failed tests' ids and messages."""

    exit_code: int = -1
    failed: list[tuple[str, str]] = field(default_factory=list)  # (test id, first line of its message)
    passed: int = 0
    skipped: int = 0

    def pytest_runtest_logreport(self, report) -> None:
        """Record each test's verdict (pytest calls this: the result doubles as a plugin)."""
        if report.failed:
            lines = (report.longreprtext or "").strip().splitlines()
            self.failed.append((report.nodeid.rpartition("[")[2].rstrip("]"), lines[0] if lines else ""))
        elif report.skipped:
            self.skipped += 1
        elif report.when == "call" and report.passed:
            self.passed += 1

    @property
    def rules(self) -> list[str]:
        """Return the failed rules' names, e.g. ['bind-to-port', 'sigterm'], read from the test ids."""
        known = sorted((*TARGET_RULES, PIPELINE_RULE), key=len, reverse=True)
        return [next((rule for rule in known if test_id.startswith(rule + "-")), test_id) for test_id, _ in self.failed]


def register(sub: argparse._SubParsersAction) -> None:
    """Add `contract` and `push` to the CLI."""
    contract = sub.add_parser("contract", help="check images against SageMaker's hosting contract (a pytest run)")
    contract.add_argument("images", nargs="*", metavar="IMAGE", help="images to check (need --sample)")
    add_to_argparse(contract)
    contract.add_argument(
        "--explain",
        metavar="RULE",
        choices=sorted(RULES),
        help="print what RULE checks, why SageMaker has it and how to satisfy it",
    )
    contract.add_argument("--junitxml", metavar="PATH", help="write the results as JUnit XML, for CI")
    contract.add_argument("-q", "--quiet", action="store_true", help="print only the failures and the summary")
    contract.set_defaults(func=run_contract)
    push = sub.add_parser("push", help="run the contract suite on IMAGE and push it only when every rule passes")
    push.add_argument("image", metavar="IMAGE")
    push.add_argument("--to", required=True, metavar="REGISTRY", help="registry host[:port], e.g. 127.0.0.1:5000")
    add_to_argparse(push, skip=("pipeline",))
    push.add_argument("--junitxml", metavar="PATH", help="also write the suite's results as JUnit XML")
    push.add_argument("-q", "--quiet", action="store_true", help="print only the failures and the summary")
    push.set_defaults(func=run_push, pipeline=[])


def pytest_args(args: argparse.Namespace, images: list[str]) -> list[str]:
    """Return the pytest command line that runs the suite on what `args` names."""
    ini = SUITE / "pytest.ini"  # isolates the run from the caller's pytest config
    argv = [
        str(SUITE),
        "-c",
        str(ini),
        "--rootdir",
        str(SUITE),
        "-p",
        "no:cacheprovider",
        "-q" if args.quiet else "-v",
        "-rfs",
        *to_pytest_args(args, images),
    ]
    return argv + (["--junitxml", str(args.junitxml)] if args.junitxml else [])


def check_args(args: argparse.Namespace, images: list[str]) -> None:
    """Load every target once up front, so a bad option reads as one clear error, not a pytest usage dump."""
    if not (images or args.target or args.pipeline):
        raise cfg.TargetError(
            "nothing to check", "name IMAGE(s) with --sample FILE, or give --target FILE or --pipeline FILE"
        )
    if getattr(args, "junitxml", None) and Path(args.junitxml).is_dir():
        raise cfg.TargetError(f"--junitxml {args.junitxml} is a folder", "give a file name, e.g. reports/contract.xml")
    for path in args.target:
        cfg.load_target(Path(path))
    twice = repeated([cfg.env_pair(item, "--env")[0] for item in getattr(args, "env", [])])
    if twice:
        raise cfg.TargetError(f"--env gives {', '.join(twice)} more than once", "give each KEY=VALUE once")
    if images:
        cfg.from_options(images, args.model, args.sample, args.content_type, args.accept, args.returns)
    for path in args.pipeline:
        if not Path(path).is_file():
            raise cfg.TargetError(f"pipeline definition {path} does not exist", "give the path of a pipeline TOML file")
        from emulator.definitions.pipeline import load_pipeline

        cfg.from_pipeline(load_pipeline(Path(path)), args.sample, args.content_type)


def run_suite(args: argparse.Namespace, images: list[str]) -> SuiteResult:
    """Run the suite in this process and return what it found."""
    import pytest

    check_args(args, images)
    result = SuiteResult()
    result.exit_code = int(pytest.main(pytest_args(args, images), plugins=[result]))
    return result


def run_contract(args: argparse.Namespace) -> int:
    """Run the suite; exit 0 when no rule fails, 1 when one fails, 2 when the run itself failed."""
    if args.explain:
        ignored = [*args.images, *args.target, *args.pipeline]
        if ignored:
            raise ByocError(
                f"--explain {args.explain} only prints what the rule checks; it would check nothing of "
                f"{', '.join(ignored)}",
                f"run `byoc contract --explain {args.explain}` alone, then the check without --explain",
            )
        print(RULES[args.explain].explain())
        return 0
    result = run_suite(args, args.images)
    if result.exit_code in (0, 1):
        return result.exit_code
    raise ByocError(
        f"the contract suite did not run (pytest exit status {result.exit_code})", "read the pytest output above"
    )


def run_push(args: argparse.Namespace) -> int:
    """Run the suite on IMAGE; push it as REGISTRY/NAME:TAG only when every rule passed."""
    from .registry import check_registry, push_image

    check_registry(args.to)  # before the suite: a bad --to would only show after every check ran
    for path in args.target:
        if cfg.load_target(Path(path)).image != args.image:
            raise cfg.TargetError(
                f"target file {path} describes another image than {args.image}",
                "give the target file of the image you push, or none (with --sample)",
            )
    result = run_suite(args, [] if args.target else [args.image])
    if result.exit_code == 1 or result.failed:
        rules = ", ".join(sorted(set(result.rules)))
        print(
            f"byoc push: refusing to push {args.image}: it breaks {len(result.failed)} contract rule(s): {rules}",
            file=sys.stderr,
        )
        return 1
    if result.exit_code != 0:
        raise ByocError(
            f"the contract suite did not run (pytest exit status {result.exit_code}); not pushing",
            "read the pytest output above",
        )
    pushed = push_image(args.image, args.to)
    print(f"byoc push: {args.image} passed {result.passed} contract checks; pushed as {pushed}")
    return 0
