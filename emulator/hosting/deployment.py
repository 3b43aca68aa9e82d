"""The control plane's Deployer over Docker: every variant of an endpoint config started together, then routed.

One `Deployment` is one endpoint config's containers (a `VariantHost` per variant, started in
parallel). `DockerDeployer.serve` points the Runtime API at a deployment's `VariantRouter`; a
blue/green update serves the new one, then stops the old one once its invocations under way are
answered (`VariantRouter.drain`).
"""

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

from emulator.api.app import LocalApi
from emulator.hosting.variant import HostSettings, VariantHost
from emulator.invocation.routing import VariantRouter
from emulator.resources.records import Model, Variant

LOG = logging.getLogger(__name__)


class Deployment:
    """The containers of every variant of one endpoint config; start() blocks until every /ping is green."""

    def __init__(self, endpoint: str, variants: Sequence[tuple[Variant, Model]], settings: HostSettings, unit: str):
        self.endpoint = endpoint
        self.weights = {variant.name: variant.weight for variant, _ in variants}
        self.hosts = [
            VariantHost(
                model.spec,
                endpoint,
                variant.name,
                settings,
                unit=f"{unit}-{variant.name}",
                startup_timeout_s=variant.startup_timeout_s,
            )
            for variant, model in variants
        ]
        self.drain_s = settings.invocation_timeout_s
        self.router: VariantRouter | None = None
        self.on_failed: Callable[[str], None] | None = None  # a container could not be replaced: FailureReason
        for host in self.hosts:
            host.on_failed = self._failed

    def _failed(self, reason: str) -> None:
        LOG.warning("%s: %s", self.endpoint, reason)
        if self.on_failed is not None:
            self.on_failed(reason)

    def start(self) -> None:
        """Start every variant in parallel; on any failure stop them all and raise the first."""
        try:
            with ThreadPoolExecutor(max_workers=len(self.hosts), thread_name_prefix=f"deploy-{self.endpoint}") as pool:
                futures = {pool.submit(host.start): host for host in self.hosts}
                try:
                    for future in as_completed(futures):
                        future.result()
                except BaseException:
                    for host in self.hosts:
                        host.group.abort()
                    raise
        except BaseException:
            self._stop_hosts()
            raise
        pipelines = {host.variant: host.pipeline for host in self.hosts if host.pipeline is not None}
        self.router = VariantRouter(self.endpoint, pipelines, self.weights)

    def set_weights(self, weights: dict[str, float]) -> None:
        """Change the variants' weights for the next invocations."""
        self.weights.update(weights)
        if self.router is not None:
            self.router.set_weights(weights)

    def stop(self) -> None:
        """Wait for the invocations under way (up to the invocation timeout), then remove every container."""
        if self.router is not None and not self.router.drain(self.drain_s):
            LOG.warning(
                "%s: %d invocation(s) still under way after %.0f s; stopping anyway",
                self.endpoint,
                self.router.in_flight,
                self.drain_s,
            )
        self._stop_hosts()

    def _stop_hosts(self) -> None:
        errors = []
        for host in self.hosts:
            try:
                host.stop()
            except Exception as err:
                errors.append(err)
        if errors:
            raise errors[0]


class DockerDeployer:
    """Starts deployments with Docker and routes the Runtime API of `api` to them."""

    def __init__(self, api: LocalApi, settings: HostSettings | None = None):
        self.api = api
        self.settings = settings or HostSettings()

    def prepare(self, endpoint: str, variants: Sequence[tuple[Variant, Model]], unit: str) -> Deployment:
        """Return a deployment of `variants`, not started yet."""
        return Deployment(endpoint, variants, self.settings, unit)

    def serve(self, endpoint: str, deployment: Deployment | None) -> None:
        """Route `endpoint`'s invocations to `deployment` (None: answer that it is still starting)."""
        self.api.add(endpoint, deployment.router if deployment is not None else None)

    def unserve(self, endpoint: str) -> None:
        """Stop routing `endpoint`'s invocations."""
        self.api.remove(endpoint)
