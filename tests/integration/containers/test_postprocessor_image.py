"""The postprocessor image against the byoc/moto image on a Docker network, seeded from the fixtures."""

import json
import time

import pytest

from emulator.config import FIXTURES_DIR

from .conftest import AWS_ENV, Served, model, start

pytestmark = pytest.mark.integration


def seed_items() -> list[dict]:
    return json.loads((FIXTURES_DIR / "support/dynamodb/PipelineLookupTable.json").read_text())["items"]


def available_agent(category: str) -> dict | None:
    """Return the available agent with the lowest ID of a category in the seed, or None."""
    agents = sorted((i for i in seed_items() if i["Specialty"] == category and i["Available"]), key=lambda i: i["ID"])
    return {k: agents[0][k] for k in ("ID", "FirstName", "LastName")} if agents else None


def test_every_category_gets_an_available_agent_or_null(postprocessor):
    labels = ["deferments", "estate taxes", "investments", "itemization", "medical", "properties"]
    response = postprocessor.invoke("\n".join(f"{i}.0" for i in range(len(labels))).encode(), "text/csv; charset=utf-8")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    rows = response.json()["response"]
    assert [row["category"] for row in rows] == labels
    assert [row["agent"] for row in rows] == [available_agent(label) for label in labels]
    assert any(row["agent"] is None for row in rows) and any(row["agent"] for row in rows)


def test_json_predictions_are_accepted(postprocessor):
    response = postprocessor.invoke(b'{"predictions": [4.0, 4.0]}', "application/json")
    assert [row["category"] for row in response.json()["response"]] == ["medical", "medical"]


def test_unreachable_dynamodb_is_503_and_leaves_it_healthy(require_image):
    env = {**AWS_ENV, "AWS_ENDPOINT_URL_DYNAMODB": "http://nowhere.invalid:5000"}
    container = start(require_image("postprocessor"), 8080, "/ping", model_dir=model("support/postprocessor"), env=env)
    try:
        served = Served(container, 8080)
        response = served.invoke(b"1.0\n", "text/csv")
        assert response.status_code == 503 and "DynamoDB is unreachable at http://nowhere.invalid:5000" in response.text
        assert served.ping().status_code == 200
    finally:
        container.stop()


def test_moto_stops_on_sigterm(require_image):
    container = start(require_image("moto"), 5000, "/")
    try:
        wrapped = container.get_wrapped_container()
        began = time.monotonic()
        wrapped.kill(signal="SIGTERM")
        status = wrapped.wait(timeout=30)
        assert status["StatusCode"] == 0 and time.monotonic() - began < 10
    finally:
        container.stop()
