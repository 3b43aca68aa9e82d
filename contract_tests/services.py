"""Side services a target needs: DynamoDB (a moto server on a network of its own), seeded before targets start."""

import threading
import uuid

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from emulator.config import LABEL, LABEL_VALUE
from emulator.errors import EndpointError
from emulator.aws import DUMMY_CREDENTIALS
from emulator.hosting.plan import MOTO_IMAGE, MOTO_PORT
from emulator.hosting.sidecars import prepare_dynamodb
from emulator.definitions.pipeline import TableSpec

from .target import StartFailure

START_DEADLINE_S = 60


class DynamoService:
    """A seeded moto DynamoDB that containers on `network` reach at `endpoint`."""

    def __init__(self, client: docker.DockerClient, tables: tuple[TableSpec, ...], region: str = "us-east-1",
                 image: str = MOTO_IMAGE):
        self.client, self.tables, self.region, self.image = client, tables, region, image
        suffix = uuid.uuid4().hex[:8]
        self.network_name = f"byoc-contract-{suffix}"
        self.host = f"byoc-contract-moto-{suffix}"
        self.network = self.container = None

    @property
    def env(self) -> dict[str, str]:
        """Return what a container needs to reach this DynamoDB."""
        return {"AWS_ENDPOINT_URL_DYNAMODB": f"http://{self.host}:{MOTO_PORT}", "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region, **DUMMY_CREDENTIALS}

    def start(self) -> "DynamoService":
        """Create the network, start moto, wait for it and create and fill the tables."""
        try:
            self.client.images.get(self.image)
            self.network = self.client.networks.create(self.network_name, labels={LABEL: LABEL_VALUE})
            self.container = self.client.containers.run(
                self.image, detach=True, name=self.host, network=self.network_name, labels={LABEL: LABEL_VALUE},
                ports={f"{MOTO_PORT}/tcp": ("127.0.0.1", None)},
            )
        except ImageNotFound:
            raise StartFailure(f"the DynamoDB side service needs {self.image}, which is not built",
                               "run `byoc build moto`") from None
        except (APIError, DockerException) as err:
            self.close()
            raise StartFailure(f"could not start the DynamoDB side service: {err}", "check `docker info`") from None
        try:
            prepare_dynamodb(self._url(), self.region, self.tables, START_DEADLINE_S, threading.Event(), self._exit_code)
        except EndpointError as err:
            logs = self.container.logs(tail=15).decode("utf-8", "replace")
            raise StartFailure(f"{err.message}; moto's log ends:\n{logs}", err.hint) from None
        return self

    def _url(self) -> str:
        self.container.reload()
        port = self.container.attrs["NetworkSettings"]["Ports"][f"{MOTO_PORT}/tcp"][0]["HostPort"]
        return f"http://127.0.0.1:{port}"

    def _exit_code(self) -> int | None:
        self.container.reload()
        return None if self.container.status in ("created", "running") else self.container.attrs["State"]["ExitCode"]

    def close(self) -> None:
        """Remove the moto container and the network."""
        for thing in (self.container, self.network):
            try:
                if thing is not None:
                    thing.remove(force=True) if thing is self.container else thing.remove()
            except (NotFound, APIError):
                pass

