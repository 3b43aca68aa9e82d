"""Run an endpoint's containers: one labelled network, models mounted, parallel start, ready on every /ping.

The start steps (run, wait for /ping) are in startup.py, the teardown in teardown.py, the replacement
of exited containers in health.py: ContainerGroup mixes them in and holds the state.
"""

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TextIO

from emulator.definitions import pipeline as spec_module
from emulator.definitions.pipeline import PipelineSpec
from emulator.docker.events import ExitWatch
from emulator.docker.launcher import ContainerHandle, ContainerPlan, DockerLayer, NetworkHandle, is_local_address
from emulator.errors import EndpointError
from emulator.hosting.cloudwatch import LogShipper
from emulator.hosting.plan import (
    MOTO_IMAGE,
    SESSION,
    Access,
    access_from_env,
    container_plans,
    docker_name,
    labels_for,
    shared_workers,
)
from emulator.hosting.readiness import ping_url
from emulator.hosting.sidecars import prepare_dynamodb
from emulator.hosting.sources import resolve_images
from emulator.hosting.startup import GroupStartup, Running
from emulator.hosting.teardown import FOLLOWER_GRACE_S, RECOVERY_JOIN_S, GroupTeardown
from emulator.sagemaker import STARTUP_DEADLINE_S, log_group, log_stream

__all__ = ["DEFAULT_DEADLINE_S", "FOLLOWER_GRACE_S", "MAX_RESTARTS", "RECOVERY_JOIN_S", "ContainerGroup", "Running"]

DEFAULT_DEADLINE_S = STARTUP_DEADLINE_S
MAX_RESTARTS = 3  # replacements per container before the endpoint is given up (Failed)
LOG = logging.getLogger(__name__)


class ContainerGroup(GroupTeardown, GroupStartup):
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

    def container_id(self, hostname: str) -> str:
        """Return the Docker id of the running container named `hostname`."""
        for running in self.running:
            if running.hostname == hostname:
                return running.container_id
        raise EndpointError(
            f"endpoint {self.endpoint} has no container {hostname}",
            f"choose one of {', '.join(r.hostname for r in self.running)}",
        )
