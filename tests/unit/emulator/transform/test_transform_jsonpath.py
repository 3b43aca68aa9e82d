"""SageMaker's JSONPath subset: each form, negative indexes, inclusive slices, and what is refused."""

import pytest

from emulator.transform.errors import FilterError, JsonPathError
from emulator.transform.jsonpath import SLICE_END_INCLUSIVE, parse

ROW = ["id", "a", "b", "c", "d", "e", "label"]
DOC = {"id": 7, "features": [1, 2, 3], "meta": {"x": 1, "y": 2}, "SageMakerOutput": {"label": 1}}


@pytest.mark.parametrize(
    "path, expected",
    [
        ("$", ROW),
        ("$[0]", "id"),
        ("$[-1]", "label"),
        ("$[1,3,5]", ["a", "c", "e"]),
        ("$[0,-1]", ["id", "label"]),
        ("$[*]", ROW),
        ("$[1:]", ROW[1:]),
        ("$[:5]", ROW[:6]),  # guide: "[:5] ... the first column (index 0) through the sixth column"
        ("$[1:4]", ["a", "b", "c", "d"]),  # guide: "$[1:4] specifies the second through fifth columns"
        ("$[0,5:]", ["id", "e", "label"]),  # API reference DataProcessing.OutputFilter example
        ("$[-3:-2]", ["d", "e"]),
        ("$[2:100]", ROW[2:]),  # slice bounds are clamped
    ],
)
def test_index_paths_on_a_csv_row(path, expected):
    assert parse(path).select(list(ROW)) == expected


def test_the_slice_end_is_inclusive():
    assert SLICE_END_INCLUSIVE is True
    assert parse("$[2:5]").select(list(range(10))) == [2, 3, 4, 5]


@pytest.mark.parametrize(
    "path, expected",
    [
        ("$.features", [1, 2, 3]),
        ("$.features[0:1]", [1, 2]),
        ("$.meta.x", 1),
        ("$.meta.*", {"x": 1, "y": 2}),
        ("$['id','SageMakerOutput']", {"id": 7, "SageMakerOutput": {"label": 1}}),
        ("$.meta.['x']", {"x": 1}),
        ("$.SageMakerOutput.label", 1),
    ],
)
def test_name_paths_on_a_json_object(path, expected):
    assert parse(path).select(DOC) == expected


@pytest.mark.parametrize(
    "path, message",
    [
        ("$[0:2,246:]", "only single range filters of format"),
        ("features", "must start with '\\$'"),
        ("$[1:2:3]", "no step allowed"),
        ("$[a]", "neither an index"),
        ("$[1:].x", "nothing may follow a multi-element selection"),
        ("$[0", "without a closing"),
        ("$..x", "unexpected"),
    ],
)
def test_expressions_outside_the_subset_are_refused(path, message):
    with pytest.raises(JsonPathError, match=message):
        parse(path)


def test_an_index_outside_the_row_is_an_error():
    with pytest.raises(FilterError, match="index 7 is outside the array of 7"):
        parse("$[7]").select(list(ROW))
    with pytest.raises(FilterError, match="index -8"):
        parse("$[0,-8]").select(list(ROW))


def test_a_missing_attribute_or_wrong_kind_is_an_error():
    with pytest.raises(FilterError, match="no attribute 'nope'"):
        parse("$['id','nope']").select(DOC)
    with pytest.raises(FilterError, match="needs an object"):
        parse("$.id").select(list(ROW))
    with pytest.raises(FilterError, match="needs an array"):
        parse("$[0]").select(DOC)
