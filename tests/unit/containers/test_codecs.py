"""The codec dispatch tables and the parsers behind them: each bad body is a 400 that says why."""

import math

import pytest
from serving import codecs
from serving.content_types import CSV, JSON
from serving.errors import BadRequest, NotAcceptable, UnsupportedMediaType

DECODERS = {CSV: codecs.decode_csv, JSON: codecs.decode_json}
ENCODERS = {CSV: codecs.encode_csv, JSON: lambda rows: codecs.encode_json({"rows": rows})}


def test_decode_dispatches_on_media_type_ignoring_parameters():
    assert codecs.decode(b"1,2\n3,4\n", "text/csv; charset=utf-8", DECODERS) == (CSV, [["1", "2"], ["3", "4"]])
    assert codecs.decode(b'{"a": 1}', "application/json", DECODERS) == (JSON, {"a": 1})


@pytest.mark.parametrize("content_type", ["application/x-npy", "text/plain", None])
def test_unsupported_content_type_is_415_naming_what_is_accepted(content_type):
    with pytest.raises(UnsupportedMediaType) as info:
        codecs.decode(b"1", content_type, DECODERS)
    assert info.value.status == 415
    assert "text/csv" in info.value.message and "application/json" in info.value.message


@pytest.mark.parametrize(
    "body, words",
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"\xff\xfe1,2", "UTF-8"),
        (b",,\n , \n", "no rows"),
    ],
)
def test_bad_csv_is_400_saying_why(body, words):
    with pytest.raises(BadRequest) as info:
        codecs.decode_csv(body)
    assert info.value.status == 400 and words in info.value.message


def test_csv_skips_blank_lines_and_strips_fields():
    assert codecs.decode_csv(b"\xef\xbb\xbfa, b\r\n\r\nc,d\n") == [["a", "b"], ["c", "d"]]


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2", b""])
def test_bad_json_is_400(body):
    with pytest.raises(BadRequest) as info:
        codecs.decode_json(body)
    assert "JSON" in info.value.message or "empty" in info.value.message


def test_instances_accepts_the_wrapper_or_a_bare_list():
    assert codecs.instances({"instances": [[1]]}) == [[1]]
    assert codecs.instances([[1], [2]]) == [[1], [2]]
    assert codecs.instances({"predictions": [2.0]}, key="predictions") == [2.0]


@pytest.mark.parametrize(
    "document, words", [({"rows": [[1]]}, '"instances"'), ({"instances": []}, "no records"), (3, '"instances"')]
)
def test_instances_rejects_other_shapes(document, words):
    with pytest.raises(BadRequest, match=words):
        codecs.instances(document)


def test_float_rows_converts_and_treats_empty_as_missing():
    rows = codecs.float_rows([["1", "2.5"], [3, ""]], width=2)
    assert rows[0] == [1.0, 2.5] and rows[1][0] == 3.0 and math.isnan(rows[1][1])


def test_float_rows_names_expected_and_got_width():
    with pytest.raises(BadRequest) as info:
        codecs.float_rows([["1", "2"], ["1", "2", "3"]], width=2)
    assert info.value.message == "record 2 has 3 values; expected 2"


@pytest.mark.parametrize("value", ["abc", True, {"a": 1}, [1]])
def test_text_where_numbers_belong_is_400(value):
    with pytest.raises(BadRequest, match="is not a number"):
        codecs.float_rows([[value]], width=1)


def test_encode_follows_accept_and_defaults_to_the_first():
    assert codecs.encode([[1, 2.5]], None, ENCODERS) == (b"1.0,2.5\n", CSV)
    assert codecs.encode([1.0, 2.0], "text/csv", ENCODERS) == (b"1.0\n2.0\n", CSV)
    assert codecs.encode([[1]], "application/json", ENCODERS) == (b'{"rows":[[1]]}', JSON)


def test_encode_unknown_accept_is_406_naming_what_is_offered():
    with pytest.raises(NotAcceptable) as info:
        codecs.encode([1], "image/png", ENCODERS)
    assert info.value.status == 406 and "text/csv, application/json" in info.value.message
