"""The predictor handler against the real fixture XGBoost models."""

import json

import predictor.handler as handler
import pytest
from serving.errors import BadRequest, ModelLoadError, UnsupportedMediaType

CSV = "text/csv"
JSON = "application/json"


@pytest.fixture(scope="module")
def abalone(model_dir):
    return handler.load(model_dir("abalone_predictor"))


@pytest.fixture(scope="module")
def support(model_dir):
    return handler.load(model_dir("support_predictor"))


def test_regression_matches_expected_json_as_csv(abalone, sample, expected):
    body, content_type = handler.invoke(abalone, sample("abalone_predictor"), "text/csv; charset=utf-8", None)
    assert content_type == CSV
    assert [float(v) for v in body.decode().split()] == pytest.approx(expected("abalone")["predictions"], abs=1e-4)


def test_json_in_and_out_with_the_wrapper_or_a_bare_list(abalone, sample, expected):
    records = [[float(v) for v in line.split(",")] for line in sample("abalone_predictor").decode().splitlines()]
    for document in ({"instances": records}, records):
        body, content_type = handler.invoke(abalone, json.dumps(document).encode(), JSON, "application/json")
        assert content_type == JSON
        assert json.loads(body)["predictions"] == pytest.approx(expected("abalone")["predictions"], abs=1e-4)


def test_classifier_gives_class_indices(support, sample, expected):
    body, _ = handler.invoke(support, sample("support_predictor"), CSV, "text/csv")
    assert body.decode().split() == [f"{i}.0" for i in expected("support")["class_indices"]]


@pytest.mark.parametrize(
    "body, content_type, words",
    [
        (b"1,2,3\n", CSV, "record 1 has 3 values; expected 10"),
        (b"a,b,c,d,e,f,g,h,i,j\n", CSV, "record 1, column 1: 'a' is not a number"),
        (b"", CSV, "empty"),
        (b'{"instances": [[1, 2]]}', JSON, "record 1 has 2 values; expected 10"),
        (b"[[1e39, 0, 0, 0, 0, 0, 0, 0, 0, 0]]", JSON, "infinite"),
        (b"{oops", JSON, "not valid JSON"),
    ],
)
def test_bad_bodies_are_400(abalone, body, content_type, words):
    with pytest.raises(BadRequest) as info:
        handler.invoke(abalone, body, content_type, None)
    assert words in info.value.message


def test_other_content_types_are_415(abalone):
    with pytest.raises(UnsupportedMediaType, match="send one of: text/csv, application/json"):
        handler.invoke(abalone, b"1", "application/x-recordio-protobuf", None)


def test_feature_count_mismatch_fails_the_load(model_dir, tmp_path):
    source = model_dir("abalone_predictor")
    (tmp_path / "xgboost-model.json").write_bytes((source / "xgboost-model.json").read_bytes())
    (tmp_path / "predictor.json").write_text('{"task": "regression", "num_features": 7}')
    with pytest.raises(ModelLoadError, match="says 7 features but the model has 10"):
        handler.load(tmp_path)
