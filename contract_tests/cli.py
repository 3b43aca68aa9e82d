"""`byoc contract` (run the suite, write JUnit XML) and `byoc push` (push only an image that passes it)."""

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from emulator.errors import ByocError

from . import config as cfg

SUITE = Path(__file__).resolve().parent / "suite"


@dataclass(eq=False)  # hashable by identity: pytest registers it as a plugin
class SuiteResult:
    """What a run of the suite found: pytest's exit status and the failed tests' ids and messages."""

    exit_code: int = -1
    failed: list[tuple[str, str]] = field(default_factory=list)   # (test id, first line of its message)
    passed: int = 0

    def pytest_runtest_logreport(self, report) -> None:
        """Record each test's verdict (pytest calls this: the result doubles as a plugin)."""
        if report.failed:
            lines = (report.longreprtext or "").strip().splitlines()
            self.failed.append((report.nodeid.rpartition("[")[2].rstrip("]"), lines[0] if lines else ""))
        elif report.when == "call" and report.passed:
            self.passed += 1

    @property
    def rules(self) -> list[str]:
        """Return the failed rules' names, e.g. ['bind-to-port', 'sigterm'], read from the test ids."""
        from .session import PIPELINE_RULE, TARGET_RULES

        known = sorted((*TARGET_RULES, PIPELINE_RULE), key=len, reverse=True)
        return [next((rule for rule in known if test_id.startswith(rule + "-")), test_id) for test_id, _ in self.failed]


def register(sub: argparse._SubParsersAction) -> None:
    """Add `contract` and `push` to the CLI."""
    contract = sub.add_parser("contract", help="check images against SageMaker's hosting contract (a pytest run)")
    contract.add_argument("images", nargs="*", metavar="IMAGE", help="images to check (need --sample)")
    _add_target_options(contract)
    contract.add_argument("--pipeline", action="append", default=[], metavar="FILE",
                          help="pipeline definition: check each container in it and the links between them")
    contract.add_argument("--junitxml", metavar="PATH", help="write the results as JUnit XML, for CI")
    contract.set_defaults(func=run_contract)
    push = sub.add_parser("push", help="run the contract suite on IMAGE and push it only when every rule passes")
    push.add_argument("image", metavar="IMAGE")
    push.add_argument("--to", required=True, metavar="REGISTRY", help="registry host[:port], e.g. 127.0.0.1:5000")
    _add_target_options(push)
    push.add_argument("--junitxml", metavar="PATH", help="also write the suite's results as JUnit XML")
    push.set_defaults(func=run_push, pipeline=[])


def _add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", action="extend", nargs="+", default=[], metavar="FILE", help="TOML file(s) describing a target (repeatable)")
    parser.add_argument("--model", metavar="PATH", help="model.tar.gz or folder, mounted read-only at /opt/ml/model")
    parser.add_argument("--sample", metavar="FILE", help="a request body the image answers with 2xx")
    parser.add_argument("--content-type", metavar="CT", help="the sample's Content-Type (default: from its suffix)")
    parser.add_argument("--accept", action="append", default=[], metavar="CT", help="another Content-Type it accepts")
    parser.add_argument("--returns", metavar="CT", help="the Content-Type it answers with")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="container environment")
    parser.add_argument("--start-deadline", type=float, default=240.0, metavar="S", help="first /ping deadline")
    parser.add_argument("--sigterm-grace", type=float, default=30.0, metavar="S", help="exit deadline after SIGTERM")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the summary")


def pytest_args(args: argparse.Namespace, images: list[str]) -> list[str]:
    """Return the pytest command line that runs the suite on what `args` names."""
    ini = SUITE / "pytest.ini"  # isolates the run from the caller's pytest config (absent from a plain wheel)
    argv = [str(SUITE), *(["-c", str(ini)] if ini.is_file() else []), "--rootdir", str(SUITE), "-p", "no:cacheprovider",
            "-q" if args.quiet else "-v", "-rf", "--byoc-start-deadline", str(args.start_deadline),
            "--byoc-sigterm-grace", str(args.sigterm_grace)]
    for flag, values in (("--byoc-image", images), ("--byoc-target", args.target),
                         ("--byoc-pipeline", args.pipeline), ("--byoc-accept", args.accept), ("--byoc-env", args.env)):
        argv += [item for value in values for item in (flag, str(value))]
    for flag, value in (("--byoc-model", args.model), ("--byoc-sample", args.sample),
                        ("--byoc-content-type", args.content_type), ("--byoc-returns", args.returns),
                        ("--junitxml", args.junitxml)):
        argv += [flag, str(value)] if value else []
    return argv


def check_args(args: argparse.Namespace, images: list[str]) -> None:
    """Load every target once up front, so a bad option reads as one clear error, not a pytest usage dump."""
    if not (images or args.target or args.pipeline):
        raise cfg.TargetError("nothing to check", "name IMAGE(s) with --sample FILE, or give --target FILE or --pipeline FILE")
    for path in args.target:
        cfg.load_target(Path(path))
    if images:
        cfg.from_options(images, args.model, args.sample, args.content_type, args.accept, args.returns)
    for path in args.pipeline:
        if not Path(path).is_file():
            raise cfg.TargetError(f"pipeline definition {path} does not exist", "give the path of a pipeline TOML file")


def run_suite(args: argparse.Namespace, images: list[str]) -> SuiteResult:
    """Run the suite in this process and return what it found."""
    import pytest

    check_args(args, images)
    result = SuiteResult()
    result.exit_code = int(pytest.main(pytest_args(args, images), plugins=[result]))
    return result


def run_contract(args: argparse.Namespace) -> int:
    """Run the suite; exit 0 when every rule passes, 1 when one fails, 2 when the run itself failed."""
    result = run_suite(args, args.images)
    if result.exit_code in (0, 1):
        return result.exit_code
    raise ByocError(f"the contract suite did not run (pytest exit status {result.exit_code})",
                    "read the pytest output above")


def run_push(args: argparse.Namespace) -> int:
    """Run the suite on IMAGE; push it as REGISTRY/NAME:TAG only when every rule passed."""
    from .registry import push_image

    for path in args.target:
        if cfg.load_target(Path(path)).image != args.image:
            raise cfg.TargetError(f"target file {path} describes another image than {args.image}",
                                  "give the target file of the image you push, or none (with --sample)")
    result = run_suite(args, [] if args.target else [args.image])
    if result.exit_code == 1 or result.failed:
        rules = ", ".join(sorted(set(result.rules)))
        print(f"byoc push: refusing to push {args.image}: it breaks {len(result.failed)} contract rule(s): {rules}",
              file=sys.stderr)
        return 1
    if result.exit_code != 0:
        raise ByocError(f"the contract suite did not run (pytest exit status {result.exit_code}); not pushing",
                        "read the pytest output above")
    pushed = push_image(args.image, args.to)
    print(f"byoc push: {args.image} passed {result.passed} contract checks; pushed as {pushed}")
    return 0
