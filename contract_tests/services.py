"""Side services a target needs: DynamoDB (a moto server on a network of its own), seeded before targets start."""

import time
import uuid
from decimal import Decimal

import boto3
import docker
from botocore.exceptions import BotoCoreError, ClientError
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from emulator.config import LABEL, LABEL_VALUE, image_tag
from emulator.spec import TableSpec

from .probe import call
from .target import StartFailure

MOTO_IMAGE = image_tag("moto")
MOTO_PORT = 5000
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


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
                "AWS_DEFAULT_REGION": self.region, **CREDENTIALS}

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
        self._seed(self._wait())
        return self

    def _wait(self) -> str:
        self.container.reload()
        port = self.container.attrs["NetworkSettings"]["Ports"][f"{MOTO_PORT}/tcp"][0]["HostPort"]
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if call(url, "GET", "/moto-api/", timeout=2).status is not None:
                return url
            time.sleep(0.2)
        logs = self.container.logs(tail=15).decode("utf-8", "replace")
        raise StartFailure(f"moto did not answer within 60 s; its log ends:\n{logs}", f"run {self.image} by hand")

    def _seed(self, url: str) -> None:
        resource = boto3.resource("dynamodb", endpoint_url=url, region_name=self.region,
                                  aws_access_key_id="testing", aws_secret_access_key="testing")
        try:
            for table in self.tables:
                created = resource.create_table(**create_table_kwargs(table))
                created.wait_until_exists()
                with created.batch_writer() as batch:
                    for item in table.items:
                        batch.put_item(Item=to_dynamo(item))
        except (BotoCoreError, ClientError) as err:
            raise StartFailure(f"seeding DynamoDB table failed: {err}", "check the table's seed data") from None

    def close(self) -> None:
        """Remove the moto container and the network."""
        for thing in (self.container, self.network):
            try:
                if thing is not None:
                    thing.remove(force=True) if thing is self.container else thing.remove()
            except (NotFound, APIError):
                pass


def create_table_kwargs(table: TableSpec) -> dict:
    """Return CreateTable arguments for a TableSpec (on-demand billing)."""
    keys = [(table.hash_key, "HASH")] + ([(table.range_key, "RANGE")] if table.range_key else [])
    return {
        "TableName": table.name,
        "KeySchema": [{"AttributeName": name, "KeyType": kind} for (name, _), kind in keys],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": type_} for (name, type_), _ in keys],
        "BillingMode": "PAY_PER_REQUEST",
    }


def to_dynamo(value):
    """Return a plain value with floats as Decimal, as boto3's resource layer requires."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_dynamo(v) for v in value]
    return value
