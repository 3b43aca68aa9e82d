"""The contract options, declared once: each builds `byoc contract --NAME` and pytest's `--byoc-NAME`.

`add_to_argparse` and `add_to_pytest` read the same table; `to_pytest_args` turns parsed CLI options
into the pytest command line, so the three can never drift apart.
"""

import argparse
from dataclasses import dataclass, field

from emulator.cli.arguments import seconds
from emulator.sagemaker import SIGTERM_GRACE_S, STARTUP_DEADLINE_S


@dataclass(frozen=True)
class Option:
    """One option: `--NAME` on the command line, `--byoc-NAME` in pytest, with argparse keyword arguments."""

    name: str
    help: str
    kwargs: dict = field(default_factory=dict)
    cli: bool = True  # False: pytest only (the CLI names images positionally)

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    @property
    def many(self) -> bool:
        return self.kwargs.get("action") in ("append", "extend")


OPTIONS = (
    Option(
        "image",
        "image to check (repeatable); needs --sample",
        {"action": "append", "default": [], "metavar": "IMAGE"},
        cli=False,
    ),
    Option(
        "target",
        "TOML file(s) describing a target: image, model, sample, content_type, accept, returns, ...",
        {"action": "extend", "nargs": "+", "default": [], "metavar": "FILE"},
    ),
    Option(
        "pipeline",
        "pipeline definition (repeatable): check every container in it and the links between them",
        {"action": "append", "default": [], "metavar": "FILE"},
    ),
    Option("model", "model.tar.gz or folder, mounted read-only at /opt/ml/model", {"metavar": "PATH"}),
    Option("sample", "a request body the image answers with 2xx", {"metavar": "FILE"}),
    Option(
        "content-type", "the sample's Content-Type, parameters included (default: from its suffix)", {"metavar": "CT"}
    ),
    Option(
        "accept",
        "another Content-Type the image accepts (repeatable)",
        {"action": "append", "default": [], "metavar": "CT"},
    ),
    Option("returns", "the Content-Type the image answers with", {"metavar": "CT"}),
    Option(
        "env",
        "KEY=VALUE in the container's environment (repeatable)",
        {"action": "append", "default": [], "metavar": "KEY=VALUE"},
    ),
    Option(
        "start-deadline",
        "seconds /ping may take to first answer 200 (SageMaker: 240 by default)",
        {"type": seconds, "default": STARTUP_DEADLINE_S, "metavar": "S"},
    ),
    Option(
        "sigterm-grace",
        "seconds a container may take to exit after SIGTERM (SageMaker: 30)",
        {"type": seconds, "default": SIGTERM_GRACE_S, "metavar": "S"},
    ),
)
TARGET_OPTIONS = ("byoc_image", "byoc_target", "byoc_pipeline")  # any of these asks for the suite


def add_to_argparse(parser: argparse.ArgumentParser, skip: tuple[str, ...] = ()) -> None:
    """Add the CLI's options (`--target`, `--model`, ...) to `parser`, except those named in `skip`."""
    for option in OPTIONS:
        if option.cli and option.name not in skip:
            parser.add_argument(f"--{option.name}", dest=option.dest, help=option.help, **option.kwargs)


def add_to_pytest(group) -> None:
    """Add pytest's options (`--byoc-image`, `--byoc-target`, ...) to an option group."""
    for option in OPTIONS:
        group.addoption(f"--byoc-{option.name}", dest=f"byoc_{option.dest}", help=option.help, **option.kwargs)


def to_pytest_args(args: argparse.Namespace, images: list[str]) -> list[str]:
    """Return the --byoc-* arguments that give pytest what the parsed CLI options `args` say."""
    argv: list[str] = []
    for option in OPTIONS:
        value = images if option.name == "image" else getattr(args, option.dest, None)
        values: list = list(value or ()) if option.many else ([] if value is None else [value])
        argv += [item for v in values for item in (f"--byoc-{option.name}", str(v))]
    return argv
