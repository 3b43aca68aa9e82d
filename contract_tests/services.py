"""The DynamoDB side service a target needs: the emulator's moto image, started by the one launcher, seeded once."""

import threading
import uuid

from emulator.aws import DUMMY_CREDENTIALS
from emulator.definitions.pipeline import TableSpec
from emulator.docker.launcher import ContainerHandle, ContainerPlan, DockerLayer, NetworkHandle
from emulator.errors import ByocError
from emulator.hosting.plan import MOTO_ALIAS, MOTO_IMAGE, MOTO_PORT, aws_env
from emulator.hosting.sidecars import prepare_dynamodb

from .containers import HOST, LABELS, StartFailure

START_DEADLINE_S = 60


class DynamoService:
    """A seeded moto DynamoDB that containers on `network` reach as http://dynamodb:5000."""

    def __init__(self, docker: DockerLayer, tables: tuple[TableSpec, ...], region: str = "us-east-1"):
        self.docker, self.tables, self.region = docker, tables, region
        self.suffix = uuid.uuid4().hex[:8]
        self.network: NetworkHandle | None = None
        self.handle: ContainerHandle | None = None

    @property
    def env(self) -> dict[str, str]:
        """Return what a container needs to reach this DynamoDB (the emulator's own environment)."""
        return aws_env(self.region)

    def start(self) -> "DynamoService":
        """Create the network, start moto, wait for it, then create and fill the tables."""
        if not self.docker.has_image(MOTO_IMAGE):
            raise StartFailure(
                f"the DynamoDB side service needs {MOTO_IMAGE}, which is not built", "run `byoc build moto`"
            )
        plan = ContainerPlan(
            name=f"byoc-contract-moto-{self.suffix}",
            image=MOTO_IMAGE,
            alias=MOTO_ALIAS,
            env={"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region, **DUMMY_CREDENTIALS},
            labels=LABELS,
            ports=(MOTO_PORT,),
            command=None,
        )
        try:
            self.network = self.docker.create_network(f"byoc-contract-{self.suffix}", LABELS)
            self.handle = self.docker.run(plan, self.network)
            url = f"http://{HOST}:{self.handle.host_port(MOTO_PORT)}"
            prepare_dynamodb(url, self.region, self.tables, START_DEADLINE_S, threading.Event(), self.handle.exit_code)
        except ByocError as err:
            logs = self.handle.tail(15) if self.handle else ""
            self.close()
            raise StartFailure(
                f"the DynamoDB side service did not start: {err.message}"
                + (f"; moto's log ends:\n{logs}" if logs else ""),
                err.hint,
            ) from None
        return self

    def close(self) -> None:
        """Remove the moto container and the network."""
        if self.handle is not None:
            self.handle.remove()
        if self.network is not None:
            self.network.remove()
