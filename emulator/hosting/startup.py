"""Start a container group's containers in parallel, each ready once its /ping answers (mixed into ContainerGroup)."""

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, TextIO

from emulator.docker.launcher import ContainerHandle, ContainerPlan, DockerLayer, NetworkHandle
from emulator.docker.logs import follow
from emulator.errors import ContainerFailed
from emulator.hosting.cloudwatch import LogShipper
from emulator.hosting.health import LOG_TAIL_LINES, HealthMonitor
from emulator.hosting.plan import FALLBACK_PORT, MOTO_PORT, Access, moto_plan
from emulator.hosting.readiness import Aborted, NotHealthy, ping_url, wait_healthy


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


class GroupStartup(HealthMonitor):
    """Run a group's containers and wait for their /ping: the start steps HealthMonitor asks for."""

    docker: DockerLayer
    aws: Any  # the session's LocalAws, or None
    network: NetworkHandle | None
    deadline_s: float
    log_sink: TextIO | None
    stream_logs: bool
    say: Callable[[str], None]
    warnings: list[str]
    stamps: dict[str, float]
    shipper: LogShipper | None
    log_stream_of: Callable[[str], str]
    ping_failure_of: Callable[[str], str]
    _ping: Callable[[str, int], int | None]
    _dynamodb: Callable
    _followers: list[threading.Thread]

    def _stamp(self, step: str) -> None:
        self.stamps[step] = time.time()

    @property
    def own_moto(self) -> bool:
        """Return True when this endpoint runs its own DynamoDB stand-in (no session LocalAws given)."""
        return self.spec.needs_dynamodb and self.aws is None

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
