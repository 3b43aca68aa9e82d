"""Side services: DynamoDB tables created and seeded in a local moto server, never in AWS."""

import threading
import time
from decimal import Decimal

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from emulator.aws import local_client
from emulator.definitions.pipeline import TableSpec
from emulator.errors import EndpointError

BATCH = 25  # BatchWriteItem's limit
POLL_INTERVAL_S = 0.05


def dynamodb_client(url: str, region: str):
    """Return a boto3 DynamoDB client bound to `url` with dummy credentials and no retries."""
    return local_client("dynamodb", url, region, connect_timeout_s=1, read_timeout_s=5)


def create_table_kwargs(table: TableSpec) -> dict:
    """Return CreateTable arguments: the seed's own when given, else built from the keys (on-demand billing)."""
    if table.definition:
        return {"BillingMode": "PAY_PER_REQUEST", **table.definition, "TableName": table.name}
    keys = [(table.hash_key, "HASH")] + ([(table.range_key, "RANGE")] if table.range_key else [])
    return {
        "TableName": table.name,
        "KeySchema": [{"AttributeName": name, "KeyType": kind} for (name, _), kind in keys],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": type_} for (name, type_), _ in keys],
        "BillingMode": "PAY_PER_REQUEST",
    }


def to_attribute_values(item: dict) -> dict:
    """Return a plain item as DynamoDB attribute values (floats become exact decimals)."""
    serializer = TypeSerializer()
    return {key: serializer.serialize(_decimals(value)) for key, value in item.items()}


def _decimals(value):
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    return value


def wait_for_dynamodb(client, deadline_s: float, abort: threading.Event, exit_code=lambda: None) -> None:
    """Poll ListTables until the moto server answers; raise EndpointError when it never does."""
    started = time.monotonic()
    while not abort.is_set():
        try:
            client.list_tables()
            return
        except (BotoCoreError, ClientError):
            pass
        code = exit_code()
        if code is not None or time.monotonic() - started > deadline_s:
            why = f"it exited with code {code}" if code is not None else f"no answer within {deadline_s:g} s"
            raise EndpointError(f"the DynamoDB stand-in (moto) did not start: {why}", "run `byoc build moto` and retry")
        abort.wait(POLL_INTERVAL_S)


def seed_tables(client, tables: tuple[TableSpec, ...]) -> int:
    """Create every table (keeping one that exists) and write its items; return how many were written."""
    written = 0
    for table in tables:
        try:
            _create_table(client, table)
            for start in range(0, len(table.items), BATCH):
                chunk = table.items[start : start + BATCH]
                requests = [{"PutRequest": {"Item": to_attribute_values(item)}} for item in chunk]
                client.batch_write_item(RequestItems={table.name: requests})
                written += len(chunk)
        except (BotoCoreError, ClientError) as err:
            raise EndpointError(
                f"seeding DynamoDB table {table.name} failed: {err}", "check the table's seed items"
            ) from None
    return written


def _create_table(client, table: TableSpec) -> None:
    """Create a table; one that exists already (a shared server, another endpoint's seed) is kept."""
    try:
        client.create_table(**create_table_kwargs(table))
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise


def prepare_dynamodb(
    url: str,
    region: str,
    tables: tuple[TableSpec, ...],
    deadline_s: float,
    abort: threading.Event,
    exit_code=lambda: None,
) -> None:
    """Wait for the moto server at `url`, then create and seed every table."""
    client = dynamodb_client(url, region)
    wait_for_dynamodb(client, deadline_s, abort, exit_code)
    seed_tables(client, tables)
