"""Batch transform support: GET /execution-parameters and multi-record CSV / JSON Lines bodies, one answer per
record in order.
"""

import json
from types import SimpleNamespace

import featurizer.handler
import numpy as np
import postprocessor.handler
import predictor.handler
import pytest
from serving import codecs, create_app
from serving.errors import BadRequest

JSONLINES = "application/jsonlines"


def test_execution_parameters_name_the_workers_multi_record_and_6_mb():
    app = create_app(SimpleNamespace(), model=object(), workers=3)
    response = app.test_client().get("/execution-parameters")
    assert response.status_code == 200 and response.content_type == "application/json"
    assert response.get_json() == {"MaxConcurrentTransforms": 3, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 6}


def test_jsonlines_decoding_skips_blank_lines_and_names_the_bad_line():
    assert codecs.decode_jsonlines(b'[1, 2]\n\n{"a": 1}\n') == [[1, 2], {"a": 1}]
    with pytest.raises(BadRequest, match="line 2 of the JSON Lines body is not valid JSON"):
        codecs.decode_jsonlines(b"[1]\n[1,\n")
    with pytest.raises(BadRequest, match="empty"):
        codecs.decode_jsonlines(b"\n \n")


@pytest.fixture(scope="module")
def abalone(model_dir):
    return featurizer.handler.load(model_dir("abalone_featurizer")), predictor.handler.load(
        model_dir("abalone_predictor")
    )


def test_featurizer_and_predictor_answer_jsonlines_in_order(abalone, sample):
    featurize, predict = abalone
    csv_rows = sample("abalone_featurizer").decode().splitlines()
    lines = "\n".join(
        json.dumps([row.split(",")[0]] + [float(v) for v in row.split(",")[1:]]) for row in csv_rows
    ).encode()
    features, content_type = featurizer.handler.invoke(featurize, lines, JSONLINES, JSONLINES)
    by_csv, _ = featurizer.handler.invoke(featurize, sample("abalone_featurizer"), "text/csv", "application/json")
    assert content_type == JSONLINES
    assert [json.loads(line) for line in features.decode().splitlines()] == json.loads(by_csv)["instances"]
    answers, content_type = predictor.handler.invoke(predict, features, JSONLINES, JSONLINES)
    by_csv, _ = predictor.handler.invoke(predict, sample("abalone_predictor"), "text/csv", "text/csv")
    assert content_type == JSONLINES
    np.testing.assert_allclose(
        [json.loads(v) for v in answers.decode().splitlines()], [float(v) for v in by_csv.split()], atol=1e-4
    )


def test_multi_record_csv_gives_one_answer_per_record_in_order(abalone):
    featurize, predict = abalone
    rows = [f"M,0.{i + 3},0.4,0.1,0.5,0.2,0.1,0.1" for i in range(6)]
    together, _ = featurizer.handler.invoke(featurize, "\n".join(rows).encode(), "text/csv", "text/csv")
    one_by_one = b"".join(featurizer.handler.invoke(featurize, row.encode(), "text/csv", "text/csv")[0] for row in rows)
    assert together == one_by_one
    predictions, _ = predictor.handler.invoke(predict, together, "text/csv", "text/csv")
    assert len(predictions.splitlines()) == len(rows)


def test_postprocessor_reads_jsonlines_and_answers_one_line_per_record(model_dir, monkeypatch):
    labels = json.loads((model_dir("support_postprocessor") / "labels.json").read_text())
    model = postprocessor.handler.Lookup(labels, "PipelineLookupTable", None)
    monkeypatch.setattr(postprocessor.handler, "find_agent", lambda model, category: {"ID": category[:3]})
    body, content_type = postprocessor.handler.invoke(model, b"4.0\n[1]\n2\n", JSONLINES, JSONLINES)
    assert content_type == JSONLINES
    assert [json.loads(line) for line in body.decode().splitlines()] == [
        {"category": labels[i], "agent": {"ID": labels[i][:3]}} for i in (4, 1, 2)
    ]
