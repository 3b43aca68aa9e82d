"""The featurizer handler against the real fixture transformers (tabular abalone, keyword support)."""

import json

import featurizer.handler as handler
import numpy as np
import pytest
from serving.errors import BadRequest, ModelLoadError

CSV = "text/csv"
JSON = "application/json"


@pytest.fixture(scope="module")
def abalone(model_dir):
    return handler.load(model_dir("abalone_featurizer"))


@pytest.fixture(scope="module")
def support(model_dir):
    return handler.load(model_dir("support_preprocessor"))


def rows(body: bytes) -> np.ndarray:
    return np.array([[float(v) for v in line.split(",")] for line in body.decode().splitlines()])


def test_tabular_sample_gives_the_predictor_sample(abalone, sample):
    body, content_type = handler.invoke(abalone, sample("abalone_featurizer"), "text/csv; charset=utf-8", None)
    assert content_type == CSV
    np.testing.assert_allclose(rows(body), rows(sample("abalone_predictor")), atol=1e-6)


def test_tabular_rows_with_label_and_header_give_the_same(abalone, sample):
    plain = sample("abalone_featurizer").decode().splitlines()
    header = "sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings"
    labelled = "\n".join([header] + [f"{line},9" for line in plain]).encode()
    assert handler.invoke(abalone, labelled, CSV, None) == handler.invoke(
        abalone, sample("abalone_featurizer"), CSV, None
    )


def test_tabular_json_lists_objects_and_json_output(abalone, sample):
    first = sample("abalone_featurizer").decode().splitlines()[0].split(",")
    as_object = dict(zip(abalone.columns, [first[0]] + [float(v) for v in first[1:]], strict=False))
    document = json.dumps({"instances": [first, as_object]}).encode()
    body, content_type = handler.invoke(abalone, document, JSON, "application/json")
    features = json.loads(body)["instances"]
    assert content_type == JSON and len(features) == 2 and len(features[0]) == 10
    np.testing.assert_allclose(features[0], features[1])
    np.testing.assert_allclose(features[0], rows(sample("abalone_predictor"))[0], atol=1e-6)


def test_tabular_missing_values_are_imputed_and_unknown_sex_ignored(abalone):
    body, _ = handler.invoke(abalone, b"X,,0.4,0.1,0.5,0.2,0.1,0.1\n", CSV, None)
    features = rows(body)[0]
    assert np.isfinite(features).all() and list(features[-3:]) == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    "body, content_type, words",
    [
        (b"M,0.5,0.4\n", CSV, "record 1 has 3 fields; expected 8 (sex, length"),
        (b"M,0.5,0.4,0.1,0.5,0.2,0.1,0.1,9,9\n", CSV, "or 9 with the label 'rings' last"),
        (b"M,big,0.4,0.1,0.5,0.2,0.1,0.1\n", CSV, "record 1, column 'length': 'big' is not a number"),
        (b"M,inf,0.4,0.1,0.5,0.2,0.1,0.1\n", CSV, "infinit"),
        (b'{"instances": [{"sex": "M"}]}', JSON, "missing column(s) ['length'"),
        (b'{"instances": [{"sex": "M", "colour": 1}]}', JSON, "unknown column(s) ['colour']"),
        (b'{"instances": [5]}', JSON, "record 1 is int"),
        (b"sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight\n", CSV, "only a header"),
    ],
)
def test_tabular_bad_records_are_400(abalone, body, content_type, words):
    with pytest.raises(BadRequest) as info:
        handler.invoke(abalone, body, content_type, None)
    assert words in info.value.message


def test_keywords_sample_gives_the_predictor_sample(support, sample):
    body, _ = handler.invoke(support, sample("support_preprocessor"), CSV, None)
    np.testing.assert_array_equal(rows(body), rows(sample("support_predictor")))


def test_keywords_label_first_is_dropped_and_unknown_words_ignored(support, sample):
    line = sample("support_preprocessor").decode().splitlines()[0]
    plain, _ = handler.invoke(support, line.encode(), CSV, None)
    labelled, _ = handler.invoke(support, f"medical,{line},zzz-unknown".encode(), CSV, None)
    assert plain == labelled and rows(plain).shape == (1, 70)


def test_keywords_json_in_and_out(support, sample):
    words = sample("support_preprocessor").decode().splitlines()[0].split(",")
    body, content_type = handler.invoke(support, json.dumps({"instances": [words]}).encode(), JSON, "application/json")
    assert content_type == JSON and sum(json.loads(body)["instances"][0]) == len(words)


def test_keywords_records_must_be_lists_of_strings(support):
    with pytest.raises(BadRequest, match="list of keyword strings"):
        handler.invoke(support, b'{"instances": [[1, 2]]}', JSON, None)


def test_featurizer_input_overrides_the_file(model_dir, monkeypatch):
    monkeypatch.setenv("FEATURIZER_INPUT", "keywords")
    assert handler.load(model_dir("abalone_featurizer")).kind == "keywords"
    monkeypatch.setenv("FEATURIZER_INPUT", "images")
    with pytest.raises(ModelLoadError, match="input kind 'images' is unknown"):
        handler.load(model_dir("abalone_featurizer"))
