"""DataProcessing: InputFilter, JoinSource Input for CSV, JSON, JSON Lines and non-objects, OutputFilter, splitting
answers.
"""

import json

import pytest

from emulator.transform.errors import FilterError, JoinError
from emulator.transform.joining import DataProcessor
from emulator.transform.records import split
from emulator.transform.settings import TransformSettings


def processor(**fields) -> DataProcessor:
    return DataProcessor(
        TransformSettings(input_uri="in", output_path="out", split_type="Line", assemble_with="Line", **fields)
    )


def csv_processor(**fields) -> DataProcessor:
    return processor(content_type="text/csv", accept="text/csv", **fields)


def prepare(p: DataProcessor, body: bytes):
    return [p.prepare(r) for r in split(body, "Line")]


def test_input_filter_drops_columns_before_sending():
    p = csv_processor(input_filter="$[1:]")
    prepared = prepare(p, b"id1,0.5,M\nid2,0.7,F\n")
    assert [x.record.data for x in prepared] == [b"0.5,M", b"0.7,F"]
    assert b"".join(x.record.framed for x in prepared) == b"0.5,M\n0.7,F\n"


def test_csv_join_appends_the_output_to_the_whole_input_row():
    p = csv_processor(input_filter="$[1:]", join_source="Input")
    prepared = prepare(p, b"id1,0.5,M\nid2,0.7,F\n")
    assert p.finish(b"11.5\n9.25\n", "text/csv", prepared) == [b"id1,0.5,M,11.5", b"id2,0.7,F,9.25"]


def test_csv_output_filter_applies_to_the_joined_row():
    p = csv_processor(input_filter="$[1:]", join_source="Input", output_filter="$[0,-1]")
    prepared = prepare(p, b"id1,0.5,M\n")
    assert p.finish(b"11.5\n", "text/csv; charset=utf-8", prepared) == [b"id1,11.5"]


def test_csv_output_filter_without_join_applies_to_the_output():
    p = csv_processor(output_filter="$[1]")
    prepared = prepare(p, b"a\nb\n")
    assert p.finish(b"0.1,0.9\n0.8,0.2\n", "text/csv", prepared) == [b"0.9", b"0.2"]


def test_jsonlines_join_adds_sagemakeroutput_to_each_object():
    p = processor(
        content_type="application/jsonlines",
        accept="application/jsonlines",
        input_filter="$.features",
        join_source="Input",
        output_filter="$['id','SageMakerOutput']",
    )
    prepared = prepare(p, b'{"id": 1, "features": [1, 2]}\n{"id": 2, "features": [3, 4]}\n')
    assert [x.record.data for x in prepared] == [b"[1,2]", b"[3,4]"]
    pieces = p.finish(b'{"label": 1}\n{"label": 0}\n', "application/jsonlines", prepared)
    assert [json.loads(x) for x in pieces] == [
        {"id": 1, "SageMakerOutput": {"label": 1}},
        {"id": 2, "SageMakerOutput": {"label": 0}},
    ]


def test_json_join_wraps_a_non_object_input():
    p = processor(content_type="application/json", accept="application/json", join_source="Input")
    prepared = prepare(p, b"[1, 2, 3]\n")
    [piece] = p.finish(b'{"prediction": 0.5}', "application/json", prepared)
    assert json.loads(piece) == {"SageMakerInput": [1, 2, 3], "SageMakerOutput": {"prediction": 0.5}}


def test_application_json_answer_to_several_records_is_split_by_array_elements():
    p = processor(content_type="application/json", accept="application/json", join_source="Input")
    prepared = prepare(p, b'{"k": 1}\n{"k": 2}\n')
    pieces = p.finish(b'[{"label": 1}, {"label": 2}]', "application/json", prepared)
    assert [json.loads(x) for x in pieces] == [
        {"k": 1, "SageMakerOutput": {"label": 1}},
        {"k": 2, "SageMakerOutput": {"label": 2}},
    ]


def test_a_count_mismatch_is_a_clear_error():
    p = csv_processor(join_source="Input")
    prepared = prepare(p, b"1\n2\n3\n")
    with pytest.raises(JoinError, match="the model answered 2 lines for 3 input record"):
        p.finish(b"0.1\n0.2\n", "text/csv", prepared)


def test_without_processing_the_answer_passes_through_untouched():
    p = processor(content_type="text/csv", accept="text/csv")
    prepared = prepare(p, b"1\n2\n")
    assert p.finish(b"whatever the model says", "text/csv", prepared) == [b"whatever the model says"]


def test_input_filter_alone_leaves_the_answer_untouched():
    p = csv_processor(input_filter="$[0]")
    prepared = prepare(p, b"1,2\n3,4\n")
    assert p.finish(b"only one line for two records\n", "text/csv", prepared) == [b"only one line for two records\n"]


def test_a_filter_that_does_not_fit_the_record_fails_it():
    p = csv_processor(input_filter="$[5]")
    with pytest.raises(FilterError, match="index 5 is outside the array of 2"):
        prepare(p, b"1,2\n")
    j = processor(content_type="application/jsonlines", accept="application/jsonlines", input_filter="$.features")
    with pytest.raises(FilterError, match="not valid JSON Lines"):
        prepare(j, b"{not json}\n")
