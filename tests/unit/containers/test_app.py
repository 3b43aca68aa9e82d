"""The Flask app through its test client: /ping, errors with their status, custom attributes."""

from types import SimpleNamespace

import featurizer.handler
import pytest
from serving import create_app
from serving.app import load_app, load_model
from serving.config import CUSTOM_ATTRIBUTES, MAX_BODY_BYTES, ServeSettings
from serving.errors import ModelLoadError

CSV = "text/csv"


@pytest.fixture(scope="module")
def client(model_dir):
    """Return a test client of the app serving the abalone featurizer."""
    app = create_app(featurizer.handler, featurizer.handler.load(model_dir("abalone_featurizer")))
    return app.test_client()


def test_ping_is_200_with_an_empty_body(client):
    response = client.get("/ping")
    assert response.status_code == 200 and response.data == b""


def test_ping_is_503_until_the_model_is_loaded():
    response = create_app(featurizer.handler, None).test_client().get("/ping")
    assert response.status_code == 503


def test_invocation_returns_features_as_csv(client, sample):
    response = client.post("/invocations", data=sample("abalone_featurizer"), content_type="text/csv; charset=utf-8")
    assert response.status_code == 200 and response.content_type == CSV
    assert len(response.data.decode().splitlines()) == 5


def test_unsupported_content_type_is_415_naming_the_accepted(client):
    response = client.post("/invocations", data=b"x", content_type="application/x-npy")
    assert response.status_code == 415
    assert b"text/csv" in response.data and b"application/json" in response.data


@pytest.mark.parametrize(
    "body, content_type, words",
    [
        (b"", CSV, b"empty"),
        (b"M,0.5,0.4\n", CSV, b"record 1 has 3 fields; expected 8"),
        (b"M,abc,0.4,0.1,0.5,0.2,0.1,0.1\n", CSV, b"'abc' is not a number"),
        (b'{"instances": [', "application/json", b"not valid JSON"),
    ],
)
def test_malformed_bodies_are_400_saying_why_and_leave_it_healthy(client, body, content_type, words):
    response = client.post("/invocations", data=body, content_type=content_type)
    assert response.status_code == 400 and words in response.data
    assert client.get("/ping").status_code == 200


def test_unacceptable_accept_is_406(client, sample):
    response = client.post(
        "/invocations", data=sample("abalone_featurizer"), content_type=CSV, headers={"Accept": "image/png"}
    )
    assert response.status_code == 406 and b"text/csv" in response.data


def test_custom_attributes_are_echoed_and_unknown_sagemaker_headers_ignored(client, sample):
    value = "trace=abc-123,c000b4f9-df62-4c85-a0bf-7c525f9104a4"
    headers = {CUSTOM_ATTRIBUTES: value, "X-Amzn-SageMaker-Made-Up": "1", "X-Amzn-SageMaker-Inference-Id": "i-1"}
    response = client.post("/invocations", data=sample("abalone_featurizer"), content_type=CSV, headers=headers)
    assert response.status_code == 200 and response.headers[CUSTOM_ATTRIBUTES] == value


def test_no_custom_attributes_header_without_one_in_the_request(client, sample):
    response = client.post("/invocations", data=sample("abalone_featurizer"), content_type=CSV)
    assert CUSTOM_ATTRIBUTES not in response.headers


def test_a_body_of_exactly_6_mib_reaches_the_handler_whole():
    seen = []
    echo = SimpleNamespace(invoke=lambda model, body, *rest: (seen.append(body), (b"ok", "text/plain"))[1])
    body = bytes(range(256)) * (MAX_BODY_BYTES // 256)
    response = create_app(echo, model=object()).test_client().post("/invocations", data=body, content_type=CSV)
    assert response.status_code == 200 and seen == [body]


def test_body_over_6_mib_is_413(client):
    response = client.post("/invocations", data=b"1" * (MAX_BODY_BYTES + 1), content_type=CSV)
    assert response.status_code == 413 and b"6 MiB" in response.data


def test_a_handler_bug_is_500_with_its_type():
    broken = SimpleNamespace(invoke=lambda *args: 1 / 0)
    response = create_app(broken, model=object()).test_client().post("/invocations", data=b"1", content_type=CSV)
    assert response.status_code == 500 and b"ZeroDivisionError" in response.data


def test_wrong_method_is_405(client):
    assert client.get("/invocations").status_code == 405


def test_load_app_imports_the_handler_and_loads_the_model(model_dir):
    settings = ServeSettings.from_env(
        {"BYOC_HANDLER": "featurizer.handler", "BYOC_MODEL_DIR": str(model_dir("abalone_featurizer"))}
    )
    assert load_app(settings).test_client().get("/ping").status_code == 200


def test_unknown_handler_module_is_a_load_error(tmp_path):
    settings = ServeSettings.from_env({"BYOC_HANDLER": "nosuch.handler", "BYOC_MODEL_DIR": str(tmp_path)})
    with pytest.raises(ModelLoadError, match="cannot import the handler module 'nosuch.handler'"):
        load_app(settings)


def test_missing_model_folder_is_a_load_error(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist; mount"):
        load_model(featurizer.handler, tmp_path / "absent")


def test_a_failing_load_names_the_error(tmp_path):
    with pytest.raises(ModelLoadError, match="cannot read featurizer.json"):
        load_model(featurizer.handler, tmp_path)
