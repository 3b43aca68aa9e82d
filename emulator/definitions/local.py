"""The `Local` section of a definition: the region, the DynamoDB tables seeded from JSON files, image mappings."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from emulator.definitions.fields import Invalid, check_keys, expect

LOCAL_KEY = "Local"
LOCAL_KEYS = ("Region", "DynamoDBTables", "Images")
TABLE_ENTRY_KEYS = ("Seed",)
SEED_TABLE_KEYS = (
    "TableName",
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "TableClass",
    "Tags",
    "DeletionProtectionEnabled",
)
REGION_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")


@dataclass(frozen=True)
class TableSpec:
    """A DynamoDB table the pipeline needs, created and seeded before the containers start."""

    name: str
    hash_key: tuple[str, str]  # (attribute name, type "S" | "N" | "B")
    range_key: tuple[str, str] | None = None
    items: tuple[dict, ...] = ()  # plain Python values, e.g. {"ID": "1", "Available": True}
    definition: dict = field(default_factory=dict, compare=False)  # the seed's CreateTable arguments as given


def parse_local(local, base_dir: Path) -> tuple[str, tuple[TableSpec, ...]]:
    """Return the region and the seeded tables the `Local` section declares (images: `parse_images`)."""
    expect(local, dict, LOCAL_KEY, "a table/object")
    check_keys(local, LOCAL_KEYS, LOCAL_KEY, "key")
    region = expect(local.get("Region", "us-east-1"), str, f"{LOCAL_KEY}.Region", "a string")
    if not REGION_RE.fullmatch(region):
        raise Invalid(f"{LOCAL_KEY}.Region", f"{region!r} is not a region name such as us-east-1")
    entries = expect(local.get("DynamoDBTables", []), list, f"{LOCAL_KEY}.DynamoDBTables", "a list of tables/objects")
    tables = tuple(_table_entry(entry, f"{LOCAL_KEY}.DynamoDBTables[{i}]", base_dir) for i, entry in enumerate(entries))
    names = [t.name for t in tables]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise Invalid(f"{LOCAL_KEY}.DynamoDBTables[{i}]", f"table {name!r} is defined twice")
    return region, tables


def parse_images(local) -> dict[str, str]:
    """Return `[Local.Images]`: {"<ECR image URI>" = "<local image>"}, the images to run in their place."""
    if not isinstance(local, dict):
        return {}
    images = expect(local.get("Images", {}), dict, f"{LOCAL_KEY}.Images", 'a table {"<image URI>" = "<local image>"}')
    for uri, image in images.items():
        if not isinstance(image, str) or not image or any(c.isspace() for c in image):
            raise Invalid(
                f"{LOCAL_KEY}.Images.{uri!r}",
                f'{image!r} must be a local image reference such as "byoc/featurizer:latest"',
            )
    return dict(images)


def _table_entry(entry, where: str, base_dir: Path) -> TableSpec:
    expect(entry, dict, where, "a table/object")
    check_keys(entry, TABLE_ENTRY_KEYS, where, "key")
    seed = expect(entry.get("Seed"), str, f"{where}.Seed", "a path to a seed JSON file")
    path = (base_dir / seed).resolve()
    where = f"{where}.Seed ({path.name})"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Invalid(where, f"{path} does not exist", "check the path (relative to the definition file)") from None
    except json.JSONDecodeError as err:
        raise Invalid(where, f"not valid JSON: {err.msg} (at line {err.lineno}, column {err.colno})") from None
    expect(doc, dict, where, 'an object {"table": {...CreateTable arguments}, "items": [...]}')
    check_keys(doc, ("table", "items"), where, "key")
    table = expect(doc.get("table"), dict, f"{where}.table", "an object of CreateTable arguments")
    items = expect(doc.get("items", []), list, f"{where}.items", "a list of objects")
    return _table(table, items, where)


def _table(table: dict, items: list, where: str) -> TableSpec:
    check_keys(table, SEED_TABLE_KEYS, f"{where}.table", "CreateTable argument (indexes and streams are not emulated)")
    name = expect(table.get("TableName"), str, f"{where}.table.TableName", "a string")
    types = {
        d.get("AttributeName"): d.get("AttributeType")
        for d in table.get("AttributeDefinitions", [])
        if isinstance(d, dict)
    }
    keys: dict[str, tuple[str, str]] = {}
    for k in expect(table.get("KeySchema"), list, f"{where}.table.KeySchema", "a list of {AttributeName, KeyType}"):
        attr, kind = (k.get("AttributeName"), k.get("KeyType")) if isinstance(k, dict) else (None, None)
        if kind not in ("HASH", "RANGE") or kind in keys or types.get(attr) not in ("S", "N", "B"):
            raise Invalid(
                f"{where}.table.KeySchema",
                f"{k!r} must name an attribute declared in "
                "AttributeDefinitions (type S, N or B) with KeyType HASH or RANGE, each once",
            )
        keys[kind] = (str(attr), str(types[attr]))
    if "HASH" not in keys:
        raise Invalid(f"{where}.table.KeySchema", "needs a HASH key")
    for i, item in enumerate(items):
        missing = [a for a, _ in keys.values() if not isinstance(item, dict) or a not in item]
        if missing:
            raise Invalid(f"{where}.items[{i}]", f"must be an object holding the key attributes; missing {missing}")
    return TableSpec(name, keys["HASH"], keys.get("RANGE"), tuple(items), dict(table))
