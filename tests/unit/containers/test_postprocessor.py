"""The postprocessor handler: label decoding and agent lookups against a fake table and a dead endpoint."""

import json
from types import SimpleNamespace

import postprocessor.handler as handler
import pytest
from botocore.exceptions import ClientError
from serving.errors import BadRequest, DependencyError, ModelLoadError, NotAcceptable

CSV = "text/csv"
JSON = "application/json"


class FakeDynamoDB:
    """Answer `query` paginators from the seed items the way DynamoDB would, and count the queries."""

    def __init__(self, items: list[dict], table: str = "PipelineLookupTable"):
        self.items, self.table, self.queries = items, table, []
        self.meta = SimpleNamespace(endpoint_url="http://fake-dynamodb")

    def get_paginator(self, operation: str) -> "FakeDynamoDB":
        assert operation == "query"
        return self

    def paginate(self, **query) -> list[dict]:
        self.queries.append(query)
        if query["TableName"] != self.table:
            raise ClientError(
                {"Error": {"Code": "ResourceNotFoundException", "Message": "Requested resource not found"}}, "Query"
            )
        category = query["ExpressionAttributeValues"][":category"]["S"]
        found = [i for i in self.items if i["Specialty"] == category and i["Available"]]
        return [{"Items": [{k: {"BOOL": v} if isinstance(v, bool) else {"S": v} for k, v in i.items()} for i in found]}]


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Give boto3 a region and dummy credentials, and no config file of the host's."""
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "absent"))
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AGENT_TABLE", raising=False)


@pytest.fixture
def lookup(model_dir, seed, aws_env):
    """Return the loaded postprocessor with its DynamoDB client swapped for the fake."""
    loaded = handler.load(model_dir("support_postprocessor"))
    return handler.Lookup(loaded.labels, loaded.table, FakeDynamoDB(seed["items"]))


def agents_by_category(seed) -> dict:
    """Return the first available agent per category in the seed, by ID order."""
    result = {}
    for item in sorted(seed["items"], key=lambda i: (i["Specialty"], i["ID"])):
        if item["Available"] and item["Specialty"] not in result:
            result[item["Specialty"]] = {k: item[k] for k in ("ID", "FirstName", "LastName")}
    return result


def test_sample_gives_expected_categories_and_available_agents(lookup, sample, expected, seed):
    body, content_type = handler.invoke(lookup, sample("support_postprocessor"), "text/csv; charset=utf-8", None)
    response = json.loads(body)["response"]
    assert content_type == JSON
    assert [row["category"] for row in response] == expected("support")["predictions"]
    available = agents_by_category(seed)
    assert [row["agent"] for row in response] == [available.get(row["category"]) for row in response]


def test_categories_without_an_available_agent_get_null(lookup, seed):
    everyone = {i["Specialty"] for i in seed["items"]}
    without = [i for i, c in enumerate(lookup.labels) if c not in agents_by_category(seed)]
    assert without, "the seed should hold a category with no available agent"
    body, _ = handler.invoke(lookup, "\n".join(f"{i}.0" for i in without).encode(), CSV, None)
    assert all(row["agent"] is None for row in json.loads(body)["response"])
    assert set(lookup.labels) - everyone, "the seed should hold a category with no agent at all"


def test_json_predictions_and_one_query_per_distinct_category(lookup):
    body, _ = handler.invoke(lookup, b'{"predictions": [4.0, 4.0, 1, [4]]}', JSON, "application/json")
    assert [row["category"] for row in json.loads(body)["response"]] == [
        "medical",
        "medical",
        "estate taxes",
        "medical",
    ]
    assert len(lookup.dynamodb.queries) == 2


@pytest.mark.parametrize(
    "body, content_type, words",
    [
        (b"6.0\n", CSV, "class index 6 is out of range 0..5"),
        (b"-1\n", CSV, "out of range"),
        (b"2.5\n", CSV, "not a class index"),
        (b"medical\n", CSV, "'medical' is not a number"),
        (b"1,2\n", CSV, "line 1 has 2 fields; expected one predicted label"),
        (b'{"predictions": "x"}', JSON, '"predictions"'),
        (b"", CSV, "empty"),
    ],
)
def test_bad_predictions_are_400(lookup, body, content_type, words):
    with pytest.raises(BadRequest) as info:
        handler.invoke(lookup, body, content_type, None)
    assert words in info.value.message
    assert lookup.dynamodb.queries == []


def test_csv_output_is_not_offered(lookup):
    with pytest.raises(NotAcceptable, match="application/json"):
        handler.invoke(lookup, b"1\n", CSV, "text/csv")


def test_a_missing_table_is_502_naming_it(lookup, seed):
    missing = handler.Lookup(lookup.labels, "NoSuchTable", FakeDynamoDB(seed["items"]))
    with pytest.raises(DependencyError) as info:
        handler.invoke(missing, b"1\n", CSV, None)
    assert info.value.status == 502 and "'NoSuchTable' does not exist" in info.value.message


def test_unreachable_dynamodb_is_503_naming_the_endpoint(model_dir, aws_env, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
    dead = handler.load(model_dir("support_postprocessor"))
    assert dead.dynamodb.meta.endpoint_url == "http://127.0.0.1:9"
    with pytest.raises(DependencyError) as info:
        handler.invoke(dead, b"1\n", CSV, None)
    assert info.value.status == 503 and "unreachable at http://127.0.0.1:9" in info.value.message


def test_table_from_agent_table_and_labels_from_the_model(model_dir, aws_env, monkeypatch):
    monkeypatch.setenv("AGENT_TABLE", "OtherTable")
    loaded = handler.load(model_dir("support_postprocessor"))
    assert loaded.table == "OtherTable" and loaded.labels[4] == "medical"


def test_no_region_fails_the_load(model_dir, aws_env, monkeypatch):
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with pytest.raises(ModelLoadError, match="set AWS_REGION"):
        handler.load(model_dir("support_postprocessor"))
