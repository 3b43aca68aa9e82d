"""The bodies the checks send: unsupported Content-Type, wrong shape, just under 6 MiB."""

import json

import pytest

from contract_tests import bodies

SIZE = 6 * 1024 * 1024 - 1024


def test_the_unsupported_content_type_is_never_one_the_target_claims():
    assert bodies.unsupported_content_type(("text/csv",)) == bodies.UNSUPPORTED_CONTENT_TYPE
    assert bodies.unsupported_content_type((bodies.UNSUPPORTED_CONTENT_TYPE,)) != bodies.UNSUPPORTED_CONTENT_TYPE


def test_a_csv_wrong_shape_is_one_field_short_or_one_long():
    assert bodies.wrong_shape(b"M,0.5,0.4\nF,1,2\n", "text/csv") == b"M,0.5\n"
    assert bodies.wrong_shape(b"4\n1\n", "text/csv; charset=utf-8") == b"4,4\n"


def test_a_json_wrong_shape_is_of_another_kind():
    assert isinstance(json.loads(bodies.wrong_shape(b'{"instances": [[1]]}', "application/json")), list)
    assert isinstance(json.loads(bodies.wrong_shape(b"[[1, 2]]", "application/json")), dict)


def test_a_large_csv_body_is_whole_rows_just_under_the_limit():
    body = bodies.large_body(b"1,2,3\n4,5,6\n", "text/csv", SIZE)
    assert SIZE - 6 < len(body) <= SIZE
    assert body.startswith(b"1,2,3\n4,5,6\n") and body.endswith(b"\n")
    assert set(body.splitlines()) == {b"1,2,3", b"4,5,6"}


def test_a_large_json_body_stays_valid_json():
    body = bodies.large_body(b'{"instances": [[1, 2, 3]]}', "application/json", SIZE)
    assert len(body) == SIZE
    assert json.loads(body) == {"instances": [[1, 2, 3]]}


def test_spellings_are_as_given_bare_and_with_a_charset():
    assert bodies.spellings("text/csv") == ["text/csv", "text/csv; charset=utf-8"]
    assert bodies.spellings("Text/CSV;charset=UTF-8") == [
        "Text/CSV;charset=UTF-8",
        "text/csv",
        "text/csv; charset=utf-8",
    ]


@pytest.mark.parametrize(
    "body, content_type, problem",
    [
        (b'{"a": 1}', "text/html; charset=utf-8", "the body is JSON"),
        (b"1,2\n", "application/json", "the body is not JSON"),
        (b"[1.0]", "application/json", None),
        (b"11.8\n", "text/csv", None),
        (b"<p>hi</p>", "text/html", None),
        (b'{"a": 1}\nnope\n', "application/jsonlines", "line 2 is not JSON"),
        (b"\xff\xfe", "text/csv", "the body is not utf-8 text"),
    ],
)
def test_a_body_is_judged_against_its_label(body, content_type, problem):
    assert bodies.mismatch(body, content_type) == problem


def test_a_label_without_a_parser_is_not_judged():
    with pytest.raises(LookupError):
        bodies.mismatch(b"\x93NUMPY", "application/x-npy")
