"""Run an endpoint's containers: one labelled network, models mounted, parallel start, ready on every /ping."""

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TextIO

from emulator.definitions import pipeline as spec_module
from emulator.definitions.pipeline import PipelineSpec
from emulator.docker.events import ExitWatch
from emulator.docker.launcher import ContainerHandle, ContainerPlan, DockerLayer, NetworkHandle, is_local_address
from emulator.docker.logs import follow
from emulator.errors import ContainerFailed, EndpointError
from emulator.hosting.cloudwatch import LogShipper
from emulator.hosting.health import LOG_TAIL_LINES, HealthMonitor
from emulator.hosting.plan import (
    FALLBACK_PORT,
    MOTO_IMAGE,
    MOTO_PORT,
    SESSION,
    Access,
    access_from_env,
    container_plans,
    docker_name,
    labels_for,
    moto_plan,
    shared_workers,
)
from emulator.hosting.readiness import Aborted, NotHealthy, ping_url, wait_healthy
from emulator.hosting.sidecars import prepare_dynamodb
from emulator.hosting.sources import resolve_images
from emulator.sagemaker import STARTUP_DEADLINE_S, log_group, log_stream

DEFAULT_DEADLINE_S = STARTUP_DEADLINE_S
FOLLOWER_GRACE_S = 2.0
RECOVERY_JOIN_S = 30.0
MAX_RESTARTS = 3  # replacements per container before the endpoint is given up (Failed)
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Running:
    """A container that answers /ping: its hostname, the URL the host reaches it at, and its Docker id."""

    hostname: str
    url: str
    container_id: str
    port: int  # the container port that answered (the bind port, or 8080 when it ignores it)


class _Target:
    """Ping one container through whatever path the host has to it."""

    def __init__(self, handle: ContainerHandle, access: Access, ports: tuple[int, ...], ping=ping_url):
        self.handle = handle
        self._ping = ping
        if access.publish:
            self.host = access.host
            self.ports = {port: handle.host_port(port) for port in ports}
        else:
            self.host = handle.ip()
            self.ports = {port: port for port in ports}

    def url(self, port: int) -> str:
        return f"http://{self.host}:{self.ports[port]}"

    def ping(self, port: int) -> int | None:
        return self._ping(self.host, self.ports[port])

    def exit_code(self) -> int | None:
        return self.handle.exit_code()


class ContainerGroup(HealthMonitor):
    """Start and stop the containers (and side services) of one endpoint; a context manager."""

    def __init__(
        self,
        spec: PipelineSpec,
        endpoint: str,
        *,
        deadline_s: float = DEFAULT_DEADLINE_S,
        docker: DockerLayer | None = None,
        access: Access | None = None,
        variant: str = "AllTraffic",
        log_sink: TextIO | None = None,
        stream_logs: bool = True,
        say: Callable[[str], None] | None = None,
        session: str = SESSION,
        ping=ping_url,
        dynamodb=prepare_dynamodb,
        aws=None,
        unit: str | None = None,
        log_group_name: str | None = None,
        log_stream_of: Callable[[str], str] | None = None,
        ping_failure_of: Callable[[str], str] | None = None,
        max_restarts: int = MAX_RESTARTS,
    ):
        self.spec, self.endpoint, self.variant, self.session = spec, endpoint, variant, session
        self.unit = unit  # names this group apart from others of the same endpoint (blue/green)
        self.deadline_s = deadline_s
        self.docker = docker or DockerLayer()
        self.access = access
        self.log_sink, self.stream_logs = log_sink, stream_logs
        self.say = say or LOG.warning
        self.network: NetworkHandle | None = None
        self.handles: list[ContainerHandle] = []
        self.running: list[Running] = []
        self.warnings: list[str] = []
        self.ready_s: float | None = None
        self.stamps: dict[str, float] = {}  # when each step of start() ended (time.time()): where start time goes
        self.exit_listeners: list[Callable[[str, int | None], None]] = []  # hostname, exit code
        self.replaced_listeners: list[Callable[[Running], None]] = []  # the replacement, ready
        self.gave_up_listeners: list[Callable[[str, str], None]] = []  # hostname, FailureReason
        self.max_restarts = max_restarts
        self.restarts: dict[str, int] = {}
        self._plans: dict[str, ContainerPlan] = {}
        self._current: dict[str, ContainerHandle] = {}  # hostname -> the container serving it now
        self._moto: ContainerHandle | None = None
        self._exits: ExitWatch | None = None
        self._recoveries: list[threading.Thread] = []  # replacements under way: stop() waits for them
        self._ping, self._dynamodb = ping, dynamodb
        self.aws = aws  # the session's LocalAws: replaces the per-endpoint moto
        self.shipper: LogShipper | None = None  # containers' output to the local CloudWatch Logs
        # where that output goes: an endpoint's group and VARIANT/i-local/HOSTNAME streams by default;
        # a transform job passes /aws/sagemaker/TransformJobs and JOB/i-local-HOSTNAME
        self.log_group_name = log_group_name or log_group(endpoint)
        self.log_stream_of = log_stream_of or (lambda hostname: log_stream(self.variant, hostname))
        # SageMaker's FailureReason for a container that never passes /ping: an endpoint's by default;
        # a transform job passes its own wording
        self.ping_failure_of = ping_failure_of or self._endpoint_ping_failure
        self._followers: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._abort = threading.Event()

    def __enter__(self) -> "ContainerGroup":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> list[Running]:
        """Start everything in parallel and return the containers once every /ping answers 200.

        The session's moto is attached to the endpoint's network and its tables are seeded before any
        container starts; the seeding runs while the network is created.
        """
        started = time.monotonic()
        self._stamp("start")
        self.spec = resolve_images(self.spec, self.docker)  # ECR URIs and [Local.Images] to local images
        self.check_images()
        self._stamp("images checked")
        try:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"aws-{self.endpoint}") as side:
                prepared = side.submit(self._prepare_local_aws)  # needs the session's moto, not the network
                self.network = self.docker.create_network(
                    docker_name(self.endpoint, "net", self.session, self.unit),
                    self.labels,
                    internal=self.spec.network_isolation,
                )
                self._exits = self.docker.watch_exits(
                    self.labels, self._exited, name=f"{self.endpoint} {self.unit or ''}"
                )
                if self.access is None:
                    self.access = access_from_env(self.docker.engine_os(), is_local_address(self.network.gateway()))
                self._stamp("network created")
                self._check_isolation()
                if self.aws is not None:
                    self.aws.attach(self.network.name)
                prepared.result()
            self._stamp("local AWS joined")
            local_aws = self.aws.env(self.spec.region) if self.aws is not None else None
            in_s3 = any(isinstance(c.model_data, str) for c in self.spec.containers)  # s3:// ModelDataUrls
            plans = container_plans(
                self.spec,
                self.endpoint,
                self.access,
                self.session,
                local_aws=local_aws,
                unit=self.unit,
                workers=self._workers(),
                s3=self.aws.client("s3", self.spec.region) if self.aws is not None and in_s3 else None,
            )
            self._stamp("models unpacked")
            self.running = self._start_all(plans)
        except BaseException:
            self.stop()
            raise
        self.ready_s = time.monotonic() - started
        self._stamp("every /ping green")
        return self.running

    def _stamp(self, step: str) -> None:
        self.stamps[step] = time.time()

    def _workers(self) -> int | None:
        """Return MODEL_SERVER_WORKERS for containers sharing a small machine (None: the default); say so."""
        cpus, count = self.docker.engine_cpus(), len(self.spec.containers)
        workers = shared_workers(cpus, count)
        if workers is not None:
            LOG.info(
                "%s: %d containers share %d CPUs: each runs %d worker(s) (MODEL_SERVER_WORKERS=%d) unless its "
                "Environment sets MODEL_SERVER_WORKERS",
                self.endpoint,
                count,
                cpus,
                workers,
                workers,
            )
        return workers

    @property
    def labels(self) -> dict[str, str]:
        """Return the labels this endpoint's containers and network carry."""
        return labels_for(self.endpoint, self.session, self.unit)

    @property
    def own_moto(self) -> bool:
        """Return True when this endpoint runs its own DynamoDB stand-in (no session LocalAws given)."""
        return self.spec.needs_dynamodb and self.aws is None

    def _prepare_local_aws(self) -> None:
        """Seed the tables in the session's moto and ship the containers' logs there (beside the network's creation)."""
        if self.aws is None:
            return
        self.aws.seed(self.spec.region, self.spec.tables)  # seeded again when the server restarts
        self.shipper = LogShipper(self.aws.client("logs", self.spec.region), self.log_group_name).start()

    def _check_isolation(self) -> None:
        """Refuse network isolation where the host reaches containers only through published ports."""
        if self.spec.network_isolation and self.access is not None and self.access.publish:
            raise EndpointError(
                "EnableNetworkIsolation=true puts the containers on an internal Docker network, whose "
                "published ports do not answer; here containers are reached through published ports "
                f"({self.access.reason})",
                "run on a Linux host with a local Docker engine (container IPs routable), or leave "
                "EnableNetworkIsolation out of the local run",
            )

    def check_images(self) -> None:
        """Raise when an image is missing or lacks the bind-to-port label a pipeline needs."""
        spec_module.check_images(self.spec, self.docker.image_labels)
        if self.own_moto and not self.docker.has_image(MOTO_IMAGE):
            raise EndpointError(
                f"image {MOTO_IMAGE} (the DynamoDB stand-in) is not on the Docker engine",
                "run `byoc build moto` (images are never pulled here)",
            )

    def _start_all(self, plans: list[ContainerPlan]) -> list[Running]:
        jobs = len(plans) + self.own_moto
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix=f"start-{self.endpoint}") as pool:
            futures: list[Future] = [pool.submit(self._start_container, plan) for plan in plans]
            if self.own_moto:
                futures.append(
                    pool.submit(
                        self._start_dynamodb,
                        moto_plan(self.spec, self.endpoint, self.chosen_access, self.session, unit=self.unit),
                    )
                )
            try:
                for future in as_completed(futures):
                    future.result()
            except BaseException:
                self._abort.set()
                raise
        return [future.result() for future in futures[: len(plans)]]

    def _run(self, plan: ContainerPlan, ship: bool = True) -> ContainerHandle:
        if self._abort.is_set():
            raise Aborted()
        handle = self.docker.run(plan, self.network)
        self._stamp(f"{plan.alias}: container started")
        with self._lock:
            self.handles.append(handle)
        if self._abort.is_set():
            self._forget(handle)  # a stop under way may have listed the handles before this one
            raise Aborted()
        tee = self.shipper.writer(self.log_stream_of(plan.alias)) if self.shipper and ship else None
        if self.stream_logs or tee:
            self._followers.append(
                follow(handle.stream, f"{self.endpoint}/{plan.alias}", self.log_sink, tee=tee, echo=self.stream_logs)
            )
        return handle

    def _start_container(self, plan: ContainerPlan) -> Running:
        handle = self._run(plan)
        running = self._wait_ready(plan, handle)
        with self._lock:
            self._plans[plan.alias], self._current[plan.alias] = plan, handle
        return running

    def _wait_ready(self, plan: ContainerPlan, handle: ContainerHandle) -> Running:
        bind = int(plan.env["SAGEMAKER_BIND_TO_PORT"])
        target = _Target(handle, self.chosen_access, (bind, FALLBACK_PORT), self._ping)
        try:
            healthy = wait_healthy(target, bind, FALLBACK_PORT, self.deadline_s, self._abort)
        except NotHealthy as err:
            raise ContainerFailed(
                f"The {plan.alias} for production variant {self.variant} did not pass the ping health check: {err}. "
                f"Its last log lines:\n{handle.tail(LOG_TAIL_LINES)}",
                f"run the image alone (`docker run {plan.image} serve`) and make GET /ping answer 200",
                failure_reason=self.ping_failure_of(plan.alias),
            ) from None
        self._stamp(f"{plan.alias}: /ping green")
        if healthy.port != bind and plan.alias not in self._plans:
            self._warn(
                f"{self.endpoint}/{plan.alias}: {plan.image} ignores SAGEMAKER_BIND_TO_PORT={bind} and "
                f"listens on {FALLBACK_PORT}; it works here, but make it listen on $SAGEMAKER_BIND_TO_PORT"
            )
        return Running(plan.alias, target.url(healthy.port), handle.id, healthy.port)

    def _endpoint_ping_failure(self, alias: str) -> str:
        # SageMaker's FailureReason, as quoted in "Troubleshoot inference pipelines" (SageMaker developer guide)
        return (
            f"The {alias} for production variant {self.variant} did not pass the ping health check. "
            "Please check CloudWatch logs for this endpoint."
        )

    def _start_dynamodb(self, plan: ContainerPlan) -> None:
        handle = self._moto = self._run(plan, ship=False)
        url = _Target(handle, self.chosen_access, (MOTO_PORT,), self._ping).url(MOTO_PORT)
        self._dynamodb(url, self.spec.region, self.spec.tables, self.deadline_s, self._abort, handle.exit_code)

    def _warn(self, text: str) -> None:
        self.warnings.append(text)
        self.say(f"warning: {text}")

    def abort(self) -> None:
        """Make a start under way in another thread give up soon (stop() removes what it made)."""
        self._abort.set()

    def stop(self) -> None:
        """Remove every container and the network this runtime made; safe to call twice."""
        self._abort.set()
        exits, self._exits = self._exits, None
        if exits is not None:
            exits.close()
        with self._lock:
            recoveries = list(self._recoveries)
        for recovery in recoveries:  # they see the abort and remove what they started
            if recovery is not threading.current_thread():
                recovery.join(RECOVERY_JOIN_S)
        with self._lock:
            handles, self.handles = self.handles, []
            self._current.clear()
        errors = []
        with ThreadPoolExecutor(max_workers=max(1, len(handles))) as pool:
            for future in [pool.submit(handle.remove) for handle in handles]:
                try:
                    future.result()
                except Exception as err:  # keep removing the rest, then report
                    errors.append(str(err))
        network, self.network = self.network, None
        shipper, self.shipper = self.shipper, None
        if shipper is not None:
            for follower in self._followers:  # they end with their containers: their last lines count
                follower.join(FOLLOWER_GRACE_S)
            shipper.close()
        try:
            if network is not None and self.aws is not None:
                self.aws.detach(network.name)  # a network with the session's moto on it cannot go
            if network is not None:
                network.remove()
        except Exception as err:
            errors.append(str(err))
        try:
            swept = self.docker.remove_labelled(self.labels)  # anything a failed start created but never handed back
        except Exception as err:
            errors.append(str(err))
        else:  # nothing carrying this group's labels is left: earlier errors were mended by the sweep
            if errors:
                LOG.warning("%s: %s; removed by label instead: %s", self.endpoint, "; ".join(errors), ", ".join(swept))
            errors = []
        if errors:
            raise EndpointError(
                f"tearing down endpoint {self.endpoint} left things behind: {'; '.join(errors)}",
                "run `byoc down` to remove everything the project labelled",
            )

    def container_id(self, hostname: str) -> str:
        """Return the Docker id of the running container named `hostname`."""
        for running in self.running:
            if running.hostname == hostname:
                return running.container_id
        raise EndpointError(
            f"endpoint {self.endpoint} has no container {hostname}",
            f"choose one of {', '.join(r.hostname for r in self.running)}",
        )
