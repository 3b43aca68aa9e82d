"""Reading the data file and the reference, and building request bodies."""

import json

import pytest

from emulator.evaluation.data import load_dataset, load_reference, request_body
from emulator.evaluation.errors import EvaluationError


def test_label_and_dropped_columns_are_kept_back(numbers_csv):
    data = load_dataset(numbers_csv, "y", ["id"])
    assert data.columns == ["a", "b"] and data.rows[0] == ["1", "0.5"] and data.labels[:2] == ["1.5", "3.0"]
    assert len(data.rows) == 25 and len(data.digest) == 64


def test_headerless_ragged_rows_take_positions(tmp_path):
    path = tmp_path / "support.csv"
    path.write_text("medical,deduction,irs\ninvestments,ira,crypto,basis\n")
    data = load_dataset(path, "0", header=False)
    assert data.labels == ["medical", "investments"] and data.rows == [["deduction", "irs"], ["ira", "crypto", "basis"]]


def test_an_unknown_label_lists_the_columns(numbers_csv):
    with pytest.raises(EvaluationError, match="its columns are: a, b, id, y"):
        load_dataset(numbers_csv, "rings")


def test_a_missing_file_names_the_option(tmp_path):
    with pytest.raises(EvaluationError, match="cannot read --data"):
        load_dataset(tmp_path / "nope.csv", "y")


def test_reference_header_is_skipped_and_counts_must_match(tmp_path):
    path = tmp_path / "ref.csv"
    path.write_text("prediction\n1.5\n2.5\n")
    assert load_reference(path, 2) == ["1.5", "2.5"]
    with pytest.raises(EvaluationError, match="holds 3 predictions but the data has 5 rows"):
        load_reference(path, 5)


def test_request_bodies_in_csv_and_json():
    rows = [["M", "0.5"], ["a,b", "1"]]
    assert request_body(rows, ["sex", "length"], "text/csv") == b'M,0.5\n"a,b",1\n'
    assert json.loads(request_body(rows, ["sex", "length"], "application/json")) == {
        "instances": [{"sex": "M", "length": 0.5}, {"sex": "a,b", "length": 1.0}]
    }
    with pytest.raises(EvaluationError, match="cannot encode rows as 'application/x-npy'"):
        request_body(rows, None, "application/x-npy")


def test_a_binary_file_is_an_error_not_a_traceback(tmp_path):
    binary = tmp_path / "model.tar.gz"
    binary.write_bytes(b"\x1f\x8b\x08\x00\xff\xfe" * 10)
    with pytest.raises(EvaluationError, match="--data .* is not UTF-8 text") as err:
        load_dataset(binary, "y")
    assert "CSV" in (err.value.hint or "")
    with pytest.raises(EvaluationError, match="--reference .* is not UTF-8 text"):
        load_reference(binary, 1)
