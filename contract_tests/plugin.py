"""pytest glue for the contract checks: options, overridable fixtures, a session-scoped factory.

Loaded in every pytest run (entry point `pytest11`), it does nothing unless one of its options is given:
`pytest --byoc-image IMAGE --byoc-sample FILE`, `--byoc-target FILE` or `--byoc-pipeline FILE`. Then it adds
the suite (`contract_tests/suite`) to the run: one test per rule and target, e.g. `test_rule[ping-myimage]`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from . import config as cfg

# Only pytest (and the option table, which imports no more) at import time: this module loads in every pytest
# run of any project that installs it.
from .options import TARGET_OPTIONS, add_to_pytest

SUITE = Path(__file__).resolve().parent / "suite"
CASES = pytest.StashKey[tuple]()  # (targets, pipelines) loaded once from the options
OUTCOMES = pytest.StashKey[list]()  # every Outcome read by a test, for the summary


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the --byoc-* options (contract_tests.options) in their own group."""
    add_to_pytest(parser.getgroup("byoc-contract", "SageMaker hosting contract (byoc contract tests)"))


def requested(config: pytest.Config) -> bool:
    """Return True when the contract suite was asked for."""
    return any(config.getoption(name, None) for name in TARGET_OPTIONS)


def pytest_configure(config: pytest.Config) -> None:
    """Run the suite when a target was given: alone, or beside the paths given on the command line."""
    if not requested(config):
        return
    config.stash[CASES] = load_cases(config)  # a bad option stops the run here, as a usage error
    if config.args_source != pytest.Config.ArgsSource.ARGS:  # no paths given: run the suite alone
        config.args[:] = [str(SUITE)]
    elif not any(_covers_suite(arg) for arg in config.args):
        config.args.append(str(SUITE))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Keep the suite out of runs that did not ask for it."""
    if not requested(config) and (collection_path == SUITE or SUITE in collection_path.parents):
        return True
    return None


def load_cases(config: pytest.Config) -> tuple[list[cfg.TargetConfig], list[cfg.PipelineConfig]]:
    """Return the targets and pipeline the options describe; a bad option is a usage error."""
    from emulator.errors import ByocError

    from . import config as cfg

    opt = config.getoption
    try:
        env = dict(cfg.env_pair(item, "--byoc-env") for item in opt("byoc_env"))
        targets = [cfg.load_target(Path(p)) for p in opt("byoc_target")]
        if opt("byoc_image"):
            targets += cfg.from_options(
                opt("byoc_image"),
                opt("byoc_model"),
                opt("byoc_sample"),
                opt("byoc_content_type"),
                opt("byoc_accept"),
                opt("byoc_returns"),
                env,
            )
        pipelines = []
        if opt("byoc_pipeline"):
            from emulator.definitions.pipeline import load_pipeline

            for path in opt("byoc_pipeline"):
                pipelines.append(
                    cfg.from_pipeline(load_pipeline(Path(path)), opt("byoc_sample"), opt("byoc_content_type"))
                )
    except ByocError as err:
        raise pytest.UsageError(str(err)) from None
    return targets, pipelines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise `byoc_case` with one (rule, target) pair per test, ids like `ping-myimage`."""
    if "byoc_case" not in metafunc.fixturenames:
        return
    from .session import ContractSession

    targets, pipelines = metafunc.config.stash.get(CASES, ([], []))
    cases = ContractSession.list_cases(targets, pipelines)
    metafunc.parametrize("byoc_case", cases, ids=[f"{rule}-{name}" for rule, name in cases])


@pytest.fixture(scope="session")
def byoc_limits(pytestconfig: pytest.Config) -> cfg.Limits:
    """Session: `contract_tests.config.Limits`; default SageMaker's numbers, deadline and grace from the options."""
    from .config import Limits

    return Limits(
        start_deadline_s=pytestconfig.getoption("byoc_start_deadline"),
        sigterm_grace_s=pytestconfig.getoption("byoc_sigterm_grace"),
    )


@pytest.fixture(scope="session")
def byoc_targets(pytestconfig: pytest.Config) -> tuple[list[cfg.TargetConfig], list[cfg.PipelineConfig]]:
    """Session: (list of TargetConfig, list of PipelineConfig) from the --byoc-* options."""
    return pytestconfig.stash.get(CASES, ([], []))


@pytest.fixture(scope="session")
def byoc_docker():
    """Session: the launcher (`emulator.docker.launcher.DockerLayer`) of the engine DOCKER_HOST names."""
    from emulator.docker.launcher import DockerLayer
    from emulator.errors import ByocError

    layer = DockerLayer()
    try:
        layer.client.ping()
    except ByocError as err:
        pytest.fail(str(err), pytrace=False)
    yield layer
    layer.client.close()


@pytest.fixture(scope="session")
def byoc_contract_session(request, byoc_docker, byoc_targets, byoc_limits):
    """Session: a started `ContractSession` running every selected (rule, target) case; removed at the end."""
    selected = {
        item.callspec.params["byoc_case"]
        for item in request.session.items
        if hasattr(item, "callspec") and "byoc_case" in item.callspec.params
    }
    from .session import ContractSession

    targets, pipelines = byoc_targets
    session = ContractSession(byoc_docker, targets, pipelines, byoc_limits).start(selected)
    yield session
    session.close()


def record(config: pytest.Config, outcome) -> None:
    """Keep an outcome for the summary at the end of the run."""
    config.stash.setdefault(OUTCOMES, []).append(outcome)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """Write one line per image: passed / failed / not judged / warnings, and the first thing to fix."""
    outcomes = config.stash.get(OUTCOMES, [])
    if outcomes:
        from .summary import summary_lines

        terminalreporter.section("SageMaker hosting contract: summary")
        for line in summary_lines(outcomes):
            terminalreporter.write_line(line)


def _covers_suite(arg: str) -> bool:
    path = Path(arg.split("::")[0]).resolve()
    return path == SUITE or SUITE in path.parents or path in SUITE.parents
