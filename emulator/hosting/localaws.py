"""`LocalAws`: one moto server per local SageMaker session, standing in for every AWS service but SageMaker.

    with LocalAws() as aws:                       # byoc/moto on 127.0.0.1:<free port>
        aws.attach(network)                       # the endpoint's containers reach it as aws.container_url
        aws.client("s3").create_bucket(Bucket="models")

It serves S3, DynamoDB, CloudWatch Logs, STS, IAM and ECR's API on one port, routed by the
request's signing service. It runs as a container (image byoc/moto) on its own labelled network,
publishes its port on 127.0.0.1 only, and joins each endpoint's network under one alias, so
`AWS_ENDPOINT_URL=http://byoc-aws:5000` in every endpoint container keeps their SDK calls here.
"""

import logging
import socket
import threading
import time
import uuid

from botocore.exceptions import BotoCoreError, ClientError

from emulator.aws import DEFAULT_REGION, DUMMY_CREDENTIALS, local_client
from emulator.config import ENDPOINT_LABEL, LABEL, LABEL_VALUE, SERVICE_LABEL, SESSION_LABEL
from emulator.definitions.pipeline import TableSpec
from emulator.docker.events import ExitWatch
from emulator.docker.launcher import ContainerHandle, ContainerPlan, DockerLayer, NetworkHandle
from emulator.errors import EndpointError
from emulator.hosting.plan import MOTO_IMAGE, MOTO_PORT, SESSION
from emulator.hosting.sidecars import dynamodb_client, seed_tables
from emulator.sagemaker import ACCOUNT_ID

LOG = logging.getLogger(__name__)

ALIAS = "byoc-aws"  # the moto container's name on every endpoint network
READY_DEADLINE_S = 60.0
POLL_INTERVAL_S = 0.05
LOG_TAIL_LINES = 20
PORT_ATTEMPTS = 3
PORT_TAKEN = ("already allocated", "address already in use")
MAX_RESTARTS = 3  # times the server is started again after it exits, before it is left down


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def aws_env(container_url: str, region: str) -> dict[str, str]:
    """Return the environment that keeps a container's AWS SDK calls on the local server, never AWS."""
    return {"AWS_ENDPOINT_URL": container_url, "AWS_REGION": region, "AWS_DEFAULT_REGION": region, **DUMMY_CREDENTIALS}


class LocalAws:
    """The session's moto container: started once, attached to each endpoint's network; a context manager."""

    def __init__(
        self,
        region: str = DEFAULT_REGION,
        *,
        docker: DockerLayer | None = None,
        session: str = SESSION,
        image: str = MOTO_IMAGE,
        alias: str = ALIAS,
        deadline_s: float = READY_DEADLINE_S,
        endpoint: str | None = None,
    ):
        self.region, self.image, self.alias, self.deadline_s = region, image, alias, deadline_s
        self.docker = docker or DockerLayer()
        self.id = uuid.uuid4().hex[:8]
        self.labels = {LABEL: LABEL_VALUE, SESSION_LABEL: session, SERVICE_LABEL: f"local-aws-{self.id}"}
        if endpoint is not None:  # owned by one endpoint: `byoc down --endpoint NAME` removes it too
            self.labels[ENDPOINT_LABEL] = endpoint
        self.network: NetworkHandle | None = None
        self.handle: ContainerHandle | None = None
        self.attached: set[str] = set()
        self.seeds: list[tuple[str, tuple[TableSpec, ...]]] = []  # (region, tables): seeded again after a restart
        self.restarts = 0
        self._url: str | None = None
        self._port: int | None = None
        self._exits: ExitWatch | None = None
        self._restarting: threading.Thread | None = None
        self._stopping = False
        self._lock = threading.Lock()

    def __enter__(self) -> "LocalAws":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Return the URL the host reaches it at, e.g. http://127.0.0.1:49153."""
        if self._url is None:
            raise EndpointError("the local AWS services are not running", "call LocalAws.start() first")
        return self._url

    @property
    def container_url(self) -> str:
        """Return the URL containers on an attached network reach it at."""
        return f"http://{self.alias}:{MOTO_PORT}"

    def env(self, region: str | None = None) -> dict[str, str]:
        """Return the environment every endpoint container gets: endpoint URL, dummy credentials, region."""
        return aws_env(self.container_url, region or self.region)

    def client(self, service: str, region: str | None = None):
        """Return a boto3 client of `service` bound to this server, with dummy credentials."""
        return local_client(service, self.url, region or self.region)

    def start(self) -> "LocalAws":
        """Start the moto container and return once it answers; idempotent."""
        if self._url is not None:
            return self
        self._stopping = False
        if not self.docker.has_image(self.image):
            raise EndpointError(
                f"image {self.image} (the local AWS services) is not on the Docker engine",
                "run `byoc build moto` (images are never pulled here)",
            )
        try:
            self.network = self.docker.create_network(f"byoc-aws-{self.id}", self.labels)
            self._exits = self.docker.watch_exits(self.labels, self._exited, name=f"local-aws-{self.id}")
            self.handle = handle = self._run(self.network)
            self._port = handle.host_port(MOTO_PORT)
            url = f"http://127.0.0.1:{self._port}"
            self._wait_ready(url, handle)
            self._url = url
        except BaseException:
            self.stop()
            raise
        LOG.info("local AWS services (moto) at %s, %s on endpoint networks", self._url, self.container_url)
        return self

    def _run(self, network: NetworkHandle) -> ContainerHandle:
        """Run the container on a host port chosen here; another one if something took it meanwhile."""
        for attempt in range(1, PORT_ATTEMPTS + 1):
            try:
                return self.docker.run(self._plan(free_port(), attempt), network)
            except EndpointError as err:  # a failed try leaves a created container: stop() removes it by label
                if attempt == PORT_ATTEMPTS or not any(s in str(err) for s in PORT_TAKEN):
                    raise
        raise AssertionError("unreachable")

    def _plan(self, host_port: int, attempt: int = 1) -> ContainerPlan:
        # A fixed host port, not an ephemeral one: Docker 20.10 moves an ephemeral published port
        # when a container joins a network that becomes its gateway (each endpoint network may).
        name = f"byoc-aws-{self.id}" if attempt == 1 else f"byoc-aws-{self.id}-{attempt}"
        return ContainerPlan(
            name=name,
            image=self.image,
            alias=self.alias,
            env={
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "MOTO_ACCOUNT_ID": ACCOUNT_ID,
                **DUMMY_CREDENTIALS,
            },  # ARNs name our account
            labels=self.labels,
            ports=(MOTO_PORT,),
            publish_ip="127.0.0.1",
            host_ports={MOTO_PORT: host_port},
            command=None,
        )

    def _wait_ready(self, url: str, handle: ContainerHandle) -> None:
        """Poll STS GetCallerIdentity until moto answers; raise with its last log lines when it never does."""
        sts = local_client("sts", url, self.region, connect_timeout_s=1, read_timeout_s=5)
        started, waiter = time.monotonic(), threading.Event()
        while True:
            try:
                sts.get_caller_identity()
                return
            except (BotoCoreError, ClientError):
                pass
            if self._stopping and self._url is not None:  # a restart, and stop() was called meanwhile
                raise EndpointError("the local AWS services are stopping")
            code = handle.exit_code()
            if code is not None or time.monotonic() - started > self.deadline_s:
                why = f"it exited with code {code}" if code is not None else f"no answer within {self.deadline_s:g} s"
                raise EndpointError(
                    f"the local AWS services ({self.image}) did not start: {why}. Its last log lines:\n"
                    f"{handle.tail(LOG_TAIL_LINES)}",
                    "run `byoc build moto` and retry",
                )
            waiter.wait(POLL_INTERVAL_S)

    def seed(self, region: str, tables: tuple[TableSpec, ...]) -> None:
        """Create and fill a definition's tables now, and again whenever the server is restarted."""
        with self._lock:
            if (region, tables) not in self.seeds:
                self.seeds.append((region, tables))
        seed_tables(dynamodb_client(self.url, region), tables)

    def _exited(self, container_id: str, code: int | None) -> None:
        """Start the server again (same port, same networks, tables seeded again) when it exits on its own."""
        with self._lock:
            if self.handle is None or self.handle.id != container_id or self._url is None:
                return  # removed by stop(), or a container that never was the server
        self._restarting = threading.Thread(
            target=self._restart, args=(code,), name=f"restart local-aws-{self.id}", daemon=True
        )
        self._restarting.start()

    def _restart(self, code: int | None) -> None:
        self.restarts += 1
        if self.restarts > MAX_RESTARTS:
            LOG.error("local AWS services exited (code %s) %d times; left down", code, self.restarts)
            return
        LOG.warning("local AWS services exited with code %s; starting them again and reseeding", code)
        try:
            with self._lock:
                old, network, port, networks = self.handle, self.network, self._port, sorted(self.attached)
            if old is None or network is None or port is None or self._stopping:
                return
            old.remove()
            handle = self.docker.run(self._plan(port), network)
            self._wait_ready(f"http://127.0.0.1:{port}", handle)
            with self._lock:
                if self.handle is not old or self._stopping:  # stopped meanwhile
                    handle.remove()
                    return
                self.handle = handle
            for name in networks:
                handle.connect(name, self.alias)
            for region, tables in list(self.seeds):
                seed_tables(dynamodb_client(self.url, region), tables)
        except EndpointError as err:
            LOG.error("local AWS services could not be started again: %s", err)
            return
        LOG.warning(
            "local AWS services are back (restart %d of %d), %d table set(s) reseeded",
            self.restarts,
            MAX_RESTARTS,
            len(self.seeds),
        )

    def attach(self, network_name: str) -> None:
        """Connect the moto container to an endpoint's network as `alias`; idempotent."""
        with self._lock:
            if network_name in self.attached:
                return
            if self.handle is None:
                raise EndpointError("the local AWS services are not running", "call LocalAws.start() first")
            self.handle.connect(network_name, self.alias)
            self.attached.add(network_name)

    def detach(self, network_name: str) -> None:
        """Disconnect the moto container from a network (before that network is removed)."""
        with self._lock:
            self.attached.discard(network_name)
            if self.handle is not None:
                self.handle.disconnect(network_name)

    def stop(self) -> None:
        """Remove the container and its network (and anything else carrying its labels); safe to call twice."""
        self._stopping = True
        restarting = self._restarting
        if restarting is not None and restarting is not threading.current_thread():
            restarting.join(self.deadline_s)  # a restart under way ends first (it sees _stopping)
        with self._lock:
            handle, network, self.handle, self.network, self._url = self.handle, self.network, None, None, None
            exits, self._exits = self._exits, None
            self.attached.clear()
        if exits is not None:
            exits.close()
        errors = []
        for step in (
            handle.remove if handle else None,
            network.remove if network else None,
            lambda: self.docker.remove_labelled(self.labels),
        ):
            try:
                if step is not None:
                    step()
            except Exception as err:  # keep removing the rest, then report
                errors.append(str(err))
        if errors:
            raise EndpointError(
                f"removing the local AWS services left things behind: {'; '.join(errors)}",
                "run `byoc down` to remove everything the project labelled",
            )
