"""Reading predictions out of CSV and JSON answers."""

import json

import pytest

from emulator.evaluation.answers import AnswerError, check_path, extract
from emulator.evaluation.errors import EvaluationError

SUPPORT = {"response": [{"category": "medical", "agent": {"ID": "7"}}, {"category": "investments", "agent": None}]}


def test_csv_answer_is_one_prediction_per_line_first_column():
    assert extract(b"1.5,0.2\n2\n\nabc\n", "text/csv") == [1.5, 2.0, "abc"]


def test_json_path_with_a_key():
    assert extract(json.dumps(SUPPORT).encode(), "application/json", "response[*].category") == [
        "medical",
        "investments",
    ]


def test_json_path_on_a_bare_list():
    body = json.dumps([{"category": "a"}, {"category": "b"}]).encode()
    assert extract(body, "application/json", "[*].category") == ["a", "b"]


def test_json_predictions_key_needs_no_path_and_single_lists_unwrap():
    assert extract(b'{"predictions": [[1.0], [2.5]]}', "application/json") == [1.0, 2.5]


def test_json_without_a_list_suggests_a_path():
    with pytest.raises(AnswerError, match=r"--prediction-path 'response\[\*\]\.category'"):
        extract(json.dumps(SUPPORT).encode(), "application/json")


def test_a_path_on_a_csv_answer_is_an_error():
    with pytest.raises(AnswerError, match="not JSON"):
        extract(b"1\n2\n", "text/csv", "[*].x")


def test_a_bad_path_is_refused_before_the_run():
    with pytest.raises(EvaluationError, match="not a path expression"):
        check_path("response[*.category")
