"""The three images as SageMaker runs them: /ping, real requests, 415, 400, the bind port, SIGTERM."""

import json
import time

import pytest
import requests

from emulator.config import FIXTURES_DIR

from .conftest import AWS_ENV, model, start

pytestmark = pytest.mark.integration

SERVERS = ["abalone_featurizer", "support_featurizer", "abalone_predictor", "postprocessor"]
MODELS = {
    "featurizer": "abalone/featurizer",
    "predictor": "abalone/predictor",
    "postprocessor": "support/postprocessor",
}
CUSTOM = "X-Amzn-SageMaker-Custom-Attributes"
MAX_BODY = 6 * 1024 * 1024


def sample(path: str) -> bytes:
    return (FIXTURES_DIR / path / "sample.csv").read_bytes()


def expected(dataset: str) -> dict:
    return json.loads((FIXTURES_DIR / dataset / "expected.json").read_text())


@pytest.mark.parametrize("server", SERVERS)
def test_ping_is_200_with_an_empty_body(server, request):
    response = request.getfixturevalue(server).ping()
    assert response.status_code == 200 and response.content == b""


@pytest.mark.parametrize("server", SERVERS)
def test_unsupported_content_type_is_415_naming_what_is_accepted(server, request):
    response = request.getfixturevalue(server).invoke(b"\x00\x01", "application/x-npy")
    assert response.status_code == 415 and "text/csv" in response.text and "application/json" in response.text


@pytest.mark.parametrize(
    "server, body, content_type, words",
    [
        ("abalone_featurizer", b"", "text/csv", "empty"),
        ("abalone_featurizer", b"M,0.5\n", "text/csv", "record 1 has 2 fields; expected 8"),
        ("abalone_predictor", b"1,2,3\n", "text/csv", "record 1 has 3 values; expected 10"),
        ("abalone_predictor", b"a,b,c,d,e,f,g,h,i,j\n", "text/csv", "'a' is not a number"),
        ("abalone_predictor", b'{"instances": [', "application/json", "not valid JSON"),
        ("support_featurizer", b'{"instances": [[1, 2]]}', "application/json", "list of keyword strings"),
        ("postprocessor", b"9.0\n", "text/csv", "class index 9 is out of range"),
    ],
)
def test_malformed_bodies_are_400_and_the_container_stays_healthy(server, body, content_type, words, request):
    served = request.getfixturevalue(server)
    response = served.invoke(body, content_type)
    assert response.status_code == 400 and words in response.text
    assert served.ping().status_code == 200


def test_abalone_chain_matches_expected_json(abalone_featurizer, abalone_predictor):
    features = abalone_featurizer.invoke(sample("abalone/featurizer"), "text/csv; charset=utf-8")
    assert features.status_code == 200 and features.headers["Content-Type"].startswith("text/csv")
    predictions = abalone_predictor.invoke(features.content, features.headers["Content-Type"], "application/json")
    assert predictions.headers["Content-Type"].startswith("application/json")
    assert predictions.json()["predictions"] == pytest.approx(expected("abalone")["predictions"], abs=1e-4)


def test_support_chain_matches_expected_json(support_featurizer, support_predictor, postprocessor):
    features = support_featurizer.invoke(sample("support/preprocessor"), "text/csv")
    labels = support_predictor.invoke(features.content, features.headers["Content-Type"])
    assert labels.text.split() == [f"{i}.0" for i in expected("support")["class_indices"]]
    answer = postprocessor.invoke(labels.content, labels.headers["Content-Type"], "application/json")
    assert [row["category"] for row in answer.json()["response"]] == expected("support")["predictions"]


def test_featurizer_answers_json_when_asked(abalone_featurizer):
    response = abalone_featurizer.invoke(sample("abalone/featurizer"), "text/csv", "application/json")
    assert response.headers["Content-Type"].startswith("application/json")
    assert [len(row) for row in response.json()["instances"]] == [10] * 5


def test_custom_attributes_are_echoed_and_unknown_headers_ignored(abalone_predictor):
    headers = {CUSTOM: "trace=1,c000b4f9", "X-Amzn-SageMaker-Not-A-Real-Header": "x"}
    response = requests.post(
        f"{abalone_predictor.url}/invocations",
        data=sample("abalone/predictor"),
        headers={"Content-Type": "text/csv", **headers},
        timeout=10,
    )
    assert response.status_code == 200 and response.headers[CUSTOM] == "trace=1,c000b4f9"


def test_a_body_of_exactly_6_mib_reaches_the_model_and_one_byte_more_is_413(abalone_predictor):
    row = b"0.1," * 9 + b"0.1\n"
    rows = MAX_BODY // len(row)
    body = row * rows + b"\n" * (MAX_BODY - rows * len(row))
    assert len(body) == MAX_BODY
    response = abalone_predictor.invoke(body, "text/csv")
    assert response.status_code == 200 and len(response.text.split()) == rows
    too_large = abalone_predictor.invoke(body + b"\n", "text/csv")
    assert too_large.status_code == 413 and "exceeds 6291456 bytes" in too_large.text


@pytest.mark.parametrize("name", MODELS)
def test_listens_on_sagemaker_bind_to_port(name, serve):
    served = serve(name, MODELS[name], port=9090, env=AWS_ENV)
    response = served.ping()
    assert response.status_code == 200 and response.content == b""
    assert "port 9090" in b"".join(served.container.get_logs()).decode()


@pytest.mark.parametrize("name", MODELS)
def test_sigterm_exits_0_within_seconds(name, require_image):
    container = start(require_image(name), 8080, "/ping", model_dir=model(MODELS[name]), env=AWS_ENV)
    try:
        wrapped = container.get_wrapped_container()
        began = time.monotonic()
        wrapped.kill(signal="SIGTERM")
        status = wrapped.wait(timeout=30)
        took = time.monotonic() - began
        assert status["StatusCode"] == 0 and took < 10, f"exit {status['StatusCode']} after {took:.1f} s"
        assert "stopped cleanly" in b"".join(container.get_logs()).decode()
    finally:
        container.stop()


PRELOADED = {"featurizer": True, "predictor": False, "postprocessor": True}  # the images' BYOC_PRELOAD


@pytest.mark.parametrize("name", MODELS)
def test_two_workers_share_one_model_load_where_the_image_preloads_and_both_answer(name, serve):
    """BYOC_PRELOAD: one load in gunicorn's master, forked into both workers; the predictor loads in each (XGBoost's
    OpenMP threads do not survive a fork: a preloaded predictor's worker hung at its first prediction)."""
    served = serve(name, MODELS[name], env=dict(AWS_ENV, MODEL_SERVER_WORKERS="2", MODEL_SERVER_TIMEOUT="20"))
    deadline, logs = time.monotonic() + 20, ""
    while time.monotonic() < deadline:
        logs = b"".join(served.container.get_logs()).decode()
        if logs.count("Booting worker") == 2 and logs.count("loaded the model") == (1 if PRELOADED[name] else 2):
            break
        time.sleep(0.2)
    assert logs.count("Booting worker") == 2, logs[-2000:]
    assert logs.count("loaded the model") == (1 if PRELOADED[name] else 2), logs[-2000:]
    if name == "postprocessor":
        return  # its answers need DynamoDB (test_postprocessor_image.py); loading is what this test is about
    body = sample(MODELS[name])
    for _ in range(4):  # several requests, so that both workers most likely serve one
        assert served.invoke(body).status_code == 200
