"""Run the rules over many targets at once: one shared container per target, fresh ones where a rule needs it."""

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

from emulator.docker.launcher import DockerLayer

from . import checks, invocations, lifecycle, links
from .config import Limits, PipelineConfig, TargetConfig
from .containers import Launcher
from .rules import PIPELINE_RULE, TARGET_RULES
from .services import DynamoService
from .verdict import Outcome, Status, judge

log = logging.getLogger(__name__)
# Rules on the shared container, in the order they run: the sample first (the rules after it build on its
# answer), malformed-body last (it may kill the container).
SHARED_RULES = {
    "ping": checks.ping_rule,
    "default-port": checks.default_port,
    "serve-argument": checks.serve_argument,
    "sample-request": invocations.sample_request,
    "content-type-tolerance": invocations.content_type_tolerance,
    "declared-type": invocations.declared_type,
    "read-only-model": invocations.read_only_model,
    "unknown-headers": invocations.unknown_headers,
    "unsupported-content-type": invocations.unsupported_content_type,
    "concurrency": invocations.concurrency,
    "large-body": invocations.large_body,
    "malformed-body": invocations.malformed_body,
}
IMAGE_RULES = {"pipeline-label": checks.pipeline_label}
FRESH_RULES = {"bind-to-port": lifecycle.bind_to_port, "sigterm": lifecycle.sigterm}  # in this order, one container
assert set(TARGET_RULES) == {*SHARED_RULES, *IMAGE_RULES, *FRESH_RULES}


class ContractSession:
    """All the work for a set of targets and pipelines, started at once and read per (rule, target)."""

    def __init__(
        self,
        docker: DockerLayer,
        targets: Sequence[TargetConfig],
        pipelines: Sequence[PipelineConfig] = (),
        limits: Limits | None = None,
    ):
        self.docker, self.limits, self.pipelines = docker, limits or Limits(), list(pipelines)
        self.targets = {t.name: t for t in [*targets, *(t for p in self.pipelines for t in p.targets)]}
        self.futures: dict[tuple[str, str], Future] = {}
        self.pool = ThreadPoolExecutor(max_workers=4 * len(self.targets) + 8, thread_name_prefix="byoc-contract")
        self.service: DynamoService | None = None
        self.launchers: dict[str, Launcher] = {}
        self.lock = threading.Lock()

    @staticmethod
    def list_cases(targets: Sequence[TargetConfig], pipelines: Sequence[PipelineConfig] = ()) -> list[tuple[str, str]]:
        """Return every (rule, target) pair for these targets and pipelines, pipeline links last."""
        names = [t.name for t in [*targets, *(t for p in pipelines for t in p.targets)]]
        return [(rule, name) for name in names for rule in TARGET_RULES] + [(PIPELINE_RULE, p.name) for p in pipelines]

    def cases(self) -> list[tuple[str, str]]:
        """Return every (rule, target) pair of this session."""
        plain = [t for t in self.targets.values() if not any(t in p.targets for p in self.pipelines)]
        return self.list_cases(plain, self.pipelines)

    def start(self, selected: set[tuple[str, str]] | None = None) -> "ContractSession":
        """Start every selected case in the background; read them with `outcome`."""
        selected = set(self.cases()) if selected is None else selected
        pipelines = [p for p in self.pipelines if (PIPELINE_RULE, p.name) in selected]
        chained = {
            t.name
            for p in self.pipelines
            for t in p.targets  # a chain feeds its containers' samples
            if any(case[1] in (p.name, *(u.name for u in p.targets)) for case in selected)
        }
        tables = tuple({t.name: t for c in self.targets.values() for t in c.tables}.values())
        service = self.pool.submit(self._start_service, tables) if tables else None
        shared = {
            name: self.pool.submit(self._start_shared, name, service)
            for name in self.targets
            if any((rule, name) in selected for rule in SHARED_RULES) or name in chained
        }
        chains = {
            p.name: self.pool.submit(self._run_chain, p, shared)
            for p in self.pipelines
            if all(t.name in shared for t in p.targets)
        }
        for p in pipelines:
            self.futures[(PIPELINE_RULE, p.name)] = self.pool.submit(self._judge_chain, p, chains[p.name])
        for name in self.targets:
            wanted = [r for r in SHARED_RULES if (r, name) in selected]
            if wanted:
                self._submit_sequence(name, wanted, shared[name], chains)
            for rule in [r for r in IMAGE_RULES if (r, name) in selected]:
                self.futures[(rule, name)] = self.pool.submit(self._image_rule, rule, name, service)
            fresh = [r for r in FRESH_RULES if (r, name) in selected]
            if fresh:
                self._submit_lifecycle(name, fresh, service)
        return self

    def outcome(self, rule: str, target: str) -> Outcome:
        """Wait for one case and return its verdict."""
        if (rule, target) not in self.futures:
            raise KeyError(f"{rule} on {target} was not started; pass it to start()")
        return self.futures[(rule, target)].result()

    def close(self) -> None:
        """Wait for the background work, then remove every container and network this session made."""
        self.pool.shutdown(wait=True)
        for launcher in self.launchers.values():
            launcher.close()
        if self.service is not None:
            self.service.close()

    def _launcher(self, name: str, service: Future | None) -> Launcher:
        config = self.targets[name]
        svc = service.result() if (service is not None and config.tables) else None
        with self.lock:
            if name in self.launchers:
                return self.launchers[name]
            self.launchers[name] = Launcher(self.docker, config, svc.network if svc else None, svc.env if svc else None)
        return self.launchers[name]

    def _start_service(self, tables) -> DynamoService:
        region = self.pipelines[0].region if self.pipelines else "us-east-1"
        self.service = DynamoService(self.docker, tables, region)
        return self.service.start()

    def _start_shared(self, name: str, service: Future | None):
        launcher = self._launcher(name, service)
        return launcher.image_attrs(), launcher.start(deadline_s=self.limits.start_deadline_s)

    def _run_chain(self, pipeline: PipelineConfig, shared: dict[str, Future]) -> list:
        runs = [shared[t.name].result()[1] for t in pipeline.targets]
        return links.run_chain(pipeline, [run.url() for run in runs], self.limits.invoke_timeout_s)

    def _judge_chain(self, pipeline: PipelineConfig, chain: Future) -> Outcome:
        return judge(PIPELINE_RULE, pipeline.name, lambda: links.pipeline_links(pipeline, chain.result()))

    def _submit_sequence(self, name: str, rules: list[str], shared: Future, chains: dict[str, Future]) -> None:
        """Run the shared rules of one target one after another on one container, then remove it."""
        results: dict[str, Future] = {rule: Future() for rule in rules}
        self.futures.update({(rule, name): future for rule, future in results.items()})

        def sequence():
            try:
                image, run = shared.result()
            except Exception as err:  # noqa: BLE001 - one rule reports the start failure, the rest are not judged
                _not_started(name, results, err)
                return
            try:
                config, missing = self._with_sample(name, chains)
                subject = checks.Subject(config, image, run, self.limits, no_sample=missing)
                for rule, future in results.items():
                    future.set_result(judge(rule, name, lambda r=rule: SHARED_RULES[r](subject)))
            finally:
                run.remove()

        self.pool.submit(sequence)

    def _with_sample(self, name: str, chains: dict[str, Future]) -> tuple[TargetConfig, str | None]:
        """Wait for the target's pipeline chain (if any); return its config with a sample, or why there is none.

        The sample is the target's own, or what the container before it answered in the chain.
        """
        config = self.targets[name]
        pipeline = next((p for p in self.pipelines if config in p.targets), None)
        if pipeline is None:
            return config, None
        if pipeline.name not in chains:
            return config, f"no sample: the pipeline {pipeline.name} was not run"
        try:
            hops, index = chains[pipeline.name].result(), pipeline.targets.index(config)
        except Exception as err:  # noqa: BLE001 - a container of the chain did not start
            return config, f"no sample: the pipeline's chain did not run ({str(err).splitlines()[0]})"
        if config.sample is not None:
            return config, None
        previous = hops[index - 1].reply if index <= len(hops) else None
        if previous is None or not previous.ok:
            return config, "no sample: the pipeline's chain stopped before this container (see pipeline-links)"
        return replace(config, sample=previous.body, content_type=previous.content_type), None

    def _image_rule(self, rule: str, name: str, service: Future | None) -> Outcome:
        def check():
            launcher = self._launcher(name, service)
            return IMAGE_RULES[rule](checks.Subject(launcher.config, launcher.image_attrs(), None, self.limits))

        return judge(rule, name, check)

    def _submit_lifecycle(self, name: str, rules: list[str], service: Future | None) -> None:
        """Run bind-to-port, then sigterm, on one container of their own, started with the port variable."""
        results: dict[str, Future] = {rule: Future() for rule in rules}
        self.futures.update({(rule, name): future for rule, future in results.items()})

        def sequence():
            try:
                run = lifecycle.start(self._launcher(name, service), self.limits)
            except Exception as err:  # noqa: BLE001 - every rule here needs that container
                for rule, future in results.items():
                    future.set_result(Outcome(rule, name, Status.FAILED, f"the container did not start: {err}"))
                return
            try:
                for rule, future in results.items():
                    future.set_result(judge(rule, name, lambda r=rule: FRESH_RULES[r](run, self.limits)))
            finally:
                run.remove()

        self.pool.submit(sequence)


def _not_started(name: str, results: dict[str, Future], err: Exception) -> None:
    """Fail the first rule (ping, when selected) with the start failure; the others are not judged."""
    first = "ping" if "ping" in results else next(iter(results))
    for rule, future in results.items():
        if rule == first:
            future.set_result(Outcome(rule, name, Status.FAILED, f"the container did not start: {err}"))
        else:
            future.set_result(
                Outcome(
                    rule,
                    name,
                    Status.NOT_JUDGED,
                    f"skipped: the container did not start (see {first}): {str(err).splitlines()[0]}",
                )
            )
