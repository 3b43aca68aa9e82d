"""Endpoints and their lifecycle: Creating -> InService | Failed, blue/green Updating, Deleting.

State only: starting containers and routing traffic is the `Deployer`'s (emulator.hosting.deployment
implements it over Docker; unit tests give a fake). CreateEndpoint, UpdateEndpoint and DeleteEndpoint
return at once; the work runs in a thread per operation and ends by setting the status.

Wording from SageMaker, as AWS's own Kubernetes operator matches it (aws/amazon-sagemaker-operator-
for-k8s, controllers/clientwrapper): "Could not find endpoint", "Cannot update in-progress endpoint"
(also DeleteEndpoint's answer while an operation is under way); "Cannot create already existing
endpoint \"ARN\"." (ministryofjustice/modernisation-platform-environments#9383). The update-failure
and weights messages are ours.
"""

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from emulator.api.errors import ValidationException
from emulator.errors import ByocError
from emulator.resources.records import Endpoint, EndpointConfig, EndpointStatus, Model, Variant, VariantState
from emulator.resources.store import Store

LOG = logging.getLogger(__name__)
Status = EndpointStatus


class Deployment(Protocol):
    """The containers of every variant of one endpoint config, started together."""

    def start(self) -> None: ...  # blocks until every /ping is green; raises ByocError

    def stop(self) -> None: ...  # waits for invocations under way, then removes the containers

    def set_weights(self, weights: dict[str, float]) -> None: ...

    # set by Endpoints: called with a FailureReason when a crashed container cannot be replaced
    on_failed: Callable[[str], None] | None


class Deployer(Protocol):
    """Starts deployments and points the Runtime API at one of them."""

    def prepare(self, endpoint: str, variants: Sequence[tuple[Variant, Model]], unit: str) -> Deployment: ...

    def serve(self, endpoint: str, deployment: Any) -> None: ...  # a Deployment, or None: still starting

    def unserve(self, endpoint: str) -> None: ...


def failure_reason(err: BaseException) -> str:
    """Return what DescribeEndpoint's FailureReason says for a failed start."""
    if isinstance(err, ByocError):
        return getattr(err, "failure_reason", None) or err.message
    return f"The endpoint could not be started: {err!r}"


class Endpoints:
    """The endpoints of the local account; every change of an endpoint happens under the store's lock."""

    def __init__(self, store: Store, deployer: Deployer):
        self.store, self.deployer = store, deployer
        # False where the caller raises a failed start itself (LocalEndpoint): the warning would say it twice
        self.warn_on_failure = True
        self.endpoints: dict[str, Endpoint] = {}
        self._threads: list[threading.Thread] = []
        self._generation = 0

    def get(self, name: str) -> Endpoint:
        """Return endpoint `name`, or raise SageMaker's 'Could not find endpoint'."""
        with self.store.lock:
            found = self.endpoints.get(name)
        if found is None:
            raise ValidationException(f'Could not find endpoint "{self.store.arn("endpoint", name)}".')
        return found

    def create(self, name: str, config_name: str, tags: list[dict] | None = None) -> Endpoint:
        """Record the endpoint as Creating and start its containers in the background."""
        endpoint_arn = self.store.arn("endpoint", name)
        with self.store.lock:
            if name in self.endpoints:
                raise ValidationException(f'Cannot create already existing endpoint "{endpoint_arn}".')
            config = self.store.config(config_name)
            plan = self._plan(config)
            now = self.store.clock()
            endpoint = Endpoint(
                name, endpoint_arn, config_name, Status.CREATING, now, now, variants=_states(config, plan)
            )
            self.endpoints[name] = endpoint
            self.store.set_tags(endpoint_arn, tags or [])
            endpoint.pending = self.deployer.prepare(name, plan, self._unit())
            self.deployer.serve(name, None)
        endpoint.worker = self._run(f"create {name}", self._create, endpoint)
        return endpoint

    def update(self, name: str, config_name: str) -> Endpoint:
        """Start the new config's containers beside the old ones; switch when every /ping is green."""
        with self.store.lock:
            endpoint = self._changeable(name)
            config = self.store.config(config_name)
            plan = self._plan(config)
            endpoint.status, endpoint.modified = Status.UPDATING, self.store.clock()
            endpoint.pending = self.deployer.prepare(name, plan, self._unit())
        endpoint.worker = self._run(f"update {name}", self._update, endpoint, config, plan)
        return endpoint

    def update_weights(self, name: str, desired: dict[str, tuple[float | None, int | None]]) -> Endpoint:
        """Change variants' weights (and record instance counts) at once, as UpdateEndpointWeightsAndCapacities."""
        with self.store.lock:
            endpoint = self._changeable(name)
            states = {state.name: state for state in endpoint.variants}
            unknown = [v for v in desired if v not in states]
            if unknown:
                raise ValidationException(
                    f"The variant(s) [{', '.join(unknown)}] are not present in endpoint "
                    f"{name}; its variants are: {', '.join(states)}."
                )
            for variant, (weight, count) in desired.items():
                if weight is not None:
                    states[variant].weight = states[variant].desired_weight = weight
                if count is not None:
                    states[variant].instance_count = states[variant].desired_instance_count = count
            endpoint.deployment.set_weights({s.name: s.weight for s in endpoint.variants})
            endpoint.modified = self.store.clock()
            return endpoint

    def delete(self, name: str) -> None:
        """Stop serving at once; remove the containers in the background, then the record."""
        with self.store.lock:
            endpoint = self.get(name)
            if endpoint.status.in_progress:
                raise ValidationException(f'Cannot update in-progress endpoint "{endpoint.arn}".')
            endpoint.status, endpoint.modified = Status.DELETING, self.store.clock()
            self.deployer.unserve(name)
        endpoint.worker = self._run(f"delete {name}", self._delete, endpoint)

    def shutdown(self) -> None:
        """Stop every endpoint's containers, those still starting included; wait for every operation."""
        with self.store.lock:
            endpoints = list(self.endpoints.values())
            for endpoint in endpoints:
                endpoint.status = Status.DELETING
                self.deployer.unserve(endpoint.name)
        for endpoint in endpoints:
            for deployment in (endpoint.pending, endpoint.deployment):
                _quietly_stop(deployment)
        for thread in list(self._threads):
            thread.join()
        with self.store.lock:
            self.endpoints.clear()

    def remove(self, name: str) -> None:
        """Remove endpoint `name` now, whatever its state: stop serving, stop its containers, forget it."""
        with self.store.lock:
            endpoint = self.endpoints.get(name)
            if endpoint is None:
                return
            endpoint.status = Status.DELETING
            self.deployer.unserve(name)
        for deployment in (endpoint.pending, endpoint.deployment):
            _quietly_stop(deployment)
        if endpoint.worker is not None:
            endpoint.worker.join()
        with self.store.lock:
            if self.endpoints.get(name) is endpoint:
                del self.endpoints[name]
                self.store.tags.pop(endpoint.arn, None)

    def wait(self, timeout_s: float | None = None) -> None:
        """Wait for every background operation to finish (tests)."""
        for thread in list(self._threads):
            thread.join(timeout_s)

    # ---- background work -------------------------------------------------------------------------
    def _create(self, endpoint: Endpoint) -> None:
        deployment = endpoint.pending
        self._monitor(endpoint, deployment)
        try:
            deployment.start()
        except BaseException as err:
            self._create_failed(endpoint, err)
            return
        with self.store.lock:
            if endpoint.status is not Status.CREATING:  # shut down meanwhile
                return
            endpoint.deployment, endpoint.pending = deployment, None
            self.deployer.serve(endpoint.name, deployment)
            endpoint.status, endpoint.modified = Status.IN_SERVICE, self.store.clock()
        LOG.info("endpoint %s is InService", endpoint.name)

    def _create_failed(self, endpoint: Endpoint, err: BaseException) -> None:
        level = logging.WARNING if self.warn_on_failure else logging.INFO
        LOG.log(level, "endpoint %s failed to start: %s", endpoint.name, err)
        _quietly_stop(endpoint.pending)
        with self.store.lock:
            endpoint.pending = None
            if endpoint.status is Status.CREATING:
                self.deployer.unserve(endpoint.name)
                endpoint.status, endpoint.modified = Status.FAILED, self.store.clock()
                endpoint.failure_reason, endpoint.error = failure_reason(err), err

    def _update(self, endpoint: Endpoint, config: EndpointConfig, plan) -> None:
        new = endpoint.pending
        self._monitor(endpoint, new)
        try:
            new.start()
        except BaseException as err:
            self._update_failed(endpoint, err)
            return
        with self.store.lock:
            stale = endpoint.status is not Status.UPDATING  # shut down, or Failed meanwhile
            if not stale:
                old, endpoint.deployment, endpoint.pending = endpoint.deployment, new, None
                self.deployer.serve(endpoint.name, new)  # no new invocation reaches `old` after this
                endpoint.config_name, endpoint.variants = config.name, _states(config, plan)
        if stale:
            _quietly_stop(new)
            return
        _quietly_stop(old)  # its invocations under way finish first
        with self.store.lock:
            if endpoint.status is Status.UPDATING:
                endpoint.status, endpoint.failure_reason = Status.IN_SERVICE, None
                endpoint.modified = self.store.clock()
        LOG.info("endpoint %s now serves endpoint config %s", endpoint.name, config.name)

    def _update_failed(self, endpoint: Endpoint, err: BaseException) -> None:
        LOG.warning("update of endpoint %s failed, the old config keeps serving: %s", endpoint.name, err)
        with self.store.lock:
            if endpoint.status is Status.UPDATING:
                endpoint.status = Status.ROLLING_BACK
        _quietly_stop(endpoint.pending)
        with self.store.lock:
            endpoint.pending = None
            if endpoint.status is Status.ROLLING_BACK:
                endpoint.status, endpoint.modified = Status.IN_SERVICE, self.store.clock()
                endpoint.failure_reason, endpoint.error = failure_reason(err), err

    def _delete(self, endpoint: Endpoint) -> None:
        _quietly_stop(endpoint.deployment)
        with self.store.lock:
            if self.endpoints.get(endpoint.name) is endpoint:
                del self.endpoints[endpoint.name]
                self.store.tags.pop(endpoint.arn, None)

    def _monitor(self, endpoint: Endpoint, deployment) -> None:
        """Have `deployment` tell us when it gives up replacing a crashed container."""

        def failed(reason: str) -> None:
            self._serving_failed(endpoint, deployment, reason)

        deployment.on_failed = failed

    def _serving_failed(self, endpoint: Endpoint, deployment: Deployment, reason: str) -> None:
        """A serving deployment gave up: the endpoint is Failed, no longer served, its containers removed."""
        with self.store.lock:
            if endpoint.deployment is not deployment or not endpoint.status.serving:
                return
            self.deployer.unserve(endpoint.name)
            endpoint.status, endpoint.modified = Status.FAILED, self.store.clock()
            endpoint.failure_reason, endpoint.deployment = reason, None
        LOG.warning("endpoint %s is Failed: %s", endpoint.name, reason)
        self._run(f"remove failed {endpoint.name}", _quietly_stop, deployment)

    # ---- helpers ---------------------------------------------------------------------------------
    def _changeable(self, name: str) -> Endpoint:
        endpoint = self.get(name)
        if endpoint.status.in_progress:
            raise ValidationException(f'Cannot update in-progress endpoint "{endpoint.arn}".')
        if endpoint.status is not Status.IN_SERVICE:
            raise ValidationException(
                f'Endpoint "{endpoint.arn}" is {endpoint.status.value}; only an InService '
                "endpoint can be updated. Delete it and create it again."
            )
        return endpoint

    def _plan(self, config: EndpointConfig) -> list[tuple[Variant, Model]]:
        return [(variant, self.store.model(variant.model_name)) for variant in config.variants]

    def _unit(self) -> str:
        self._generation += 1
        return f"g{self._generation}"

    def _run(self, name: str, target, *args) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return thread


def _states(config: EndpointConfig, plan) -> list[VariantState]:
    return [
        VariantState(v.name, tuple(c.image for c in model.spec.containers), v.weight, v.instance_count)
        for v, model in plan
    ]


def _quietly_stop(deployment) -> None:
    if deployment is None:
        return
    try:
        deployment.stop()
    except Exception as err:  # teardown goes on; the leftovers are named in the log
        LOG.error("stopping containers failed: %s", err)
