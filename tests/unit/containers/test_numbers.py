"""The C-speed number codecs: the same bytes as repr/json write, the same values as float() reads, else the Python
path.
"""

import json

import numpy as np
import pytest
from serving import codecs, numbers
from serving.errors import BadRequest


def python_csv(matrix: np.ndarray) -> bytes:
    """The Python codec's CSV: repr of each float, a vector one number per line."""
    return codecs.encode_csv(matrix)


@pytest.fixture(scope="module")
def awkward() -> np.ndarray:
    """Numbers at every scale, whole numbers, the smallest and largest, signed zeros, nan and infinities."""
    rng = np.random.default_rng(7)
    values = rng.normal(size=20000) * 10.0 ** rng.integers(-12, 25, 20000)
    values[::17] = np.round(values[::17])
    specials = [
        0.0,
        -0.0,
        1e-4,
        9.999999999999999e-05,
        1e16,
        9999999999999998.0,
        5e-324,
        1.7976931348623157e308,
        np.nan,
        np.inf,
        -np.inf,
        0.1,
        1e22,
        123456789012345680.0,
    ]
    return np.concatenate([values, specials, np.zeros(6)]).reshape(-1, 10)


def test_csv_is_byte_for_byte_what_repr_writes(awkward):
    assert numbers.encode_csv(awkward) == python_csv(awkward)
    assert numbers.encode_csv(awkward[:, 0]) == python_csv(awkward[:, 0])


def test_json_is_byte_for_byte_what_json_dumps_writes(awkward):
    assert numbers.encode_json_numbers("instances", awkward) == codecs.encode_json({"instances": awkward.tolist()})
    assert numbers.encode_json_numbers("predictions", awkward[:, 3]) == codecs.encode_json(
        {"predictions": awkward[:, 3].tolist()}
    )


def test_jsonlines_is_one_json_value_per_record(awkward):
    finite = awkward[np.isfinite(awkward).all(axis=1)]
    lines = numbers.encode_jsonlines_numbers(finite).decode().splitlines()
    assert [json.loads(line) for line in lines] == finite.tolist()
    assert numbers.encode_jsonlines_numbers(finite[:, 0]).decode().splitlines() == [
        json.dumps(v) for v in finite[:, 0].tolist()
    ]


def test_csv_reads_what_float_reads(awkward):
    finite = awkward[np.isfinite(awkward).all(axis=1)]
    body = numbers.encode_csv(finite)
    assert numbers.plain_number_csv(body, 10) is not None  # the fast path took it
    np.testing.assert_array_equal(numbers.csv_floats(body, 10), finite)


@pytest.mark.parametrize(
    "body",
    [
        b"-0,1\n",
        b"1,-0\n",
        b"1,2\r3,4\n",
        b"1,,2\n",
        b"1,2\n\n3,4\n",
        b"nan,1\n",
        b"+1,2\n",
        b"1_0,2\n",
        b'"1",2\n',
        b"1,2,\n",
        b"1e400,2\n",
    ],
)
def test_what_json_reads_otherwise_takes_the_python_path(body):
    assert numbers.plain_number_csv(body, 2) is None


@pytest.mark.parametrize(
    "body, width, rows",
    [
        (b"1,2\n3,4\n", 2, [[1, 2], [3, 4]]),
        (b"1,2\n3,4", 2, [[1, 2], [3, 4]]),  # no newline after the last row
        (b"1,2\r\n3,4\r\n", 2, [[1, 2], [3, 4]]),  # CRLF line ends
        (b" 1 ,\t2\n", 2, [[1, 2]]),  # spaces and tabs around a number
        (b"1\n2\n3", 1, [[1], [2], [3]]),
    ],
)
def test_plain_number_csv_reads_rows_of_width_values(body, width, rows):
    got = numbers.plain_number_csv(body, width)
    assert got is not None
    np.testing.assert_array_equal(got, rows)
    np.testing.assert_array_equal(got, numbers.csv_floats(body.replace(b"\r", b"") + b"\n", width))


@pytest.mark.parametrize(
    "body, width",
    [
        (b"1,2,3\n4\n", 2),  # as many commas as two rows of two, in the wrong rows
        (b"1\n2,3,4\n", 2),
        (b"1,2\n3,4\n5\n", 2),
        (b"\n1,2\n", 2),
        (b"1,2\n\n", 2),
        (b"", 2),
        (b"\n", 1),
        (b"1\n\n2\n", 1),
        (b"1,2\r\n3,4\r", 2),
        (b"[1,2]\n", 2),
    ],
)
def test_plain_number_csv_declines_rows_of_another_width(body, width):
    assert numbers.plain_number_csv(body, width) is None


def test_the_python_path_gives_the_same_values_and_errors():
    np.testing.assert_array_equal(numbers.csv_floats(b"-0,1_0\n", 2), [[-0.0, 10.0]])
    assert np.signbit(numbers.csv_floats(b"-0,1\n", 2)[0, 0])
    with pytest.raises(BadRequest, match="record 2 has 1 values; expected 2"):
        numbers.csv_floats(b"1,2\n3\n", 2)


def test_json_records_with_booleans_are_read_by_float_rows():
    with pytest.raises(BadRequest, match="True is not a number"):
        numbers.float_matrix([[True, 1.0]], 2, no_booleans=False)
    np.testing.assert_array_equal(numbers.float_matrix([[1, 2.5]], 2, no_booleans=True), [[1.0, 2.5]])
    np.testing.assert_array_equal(numbers.float_matrix([[None, "2"]], 2, no_booleans=True), [[np.nan, 2.0]])


@pytest.mark.parametrize(
    "fields, expected",
    [
        (["1.5", " 2 ", "-0.0", "1e-3"], [1.5, 2.0, -0.0, 1e-3]),
        (["1", ""], None),
        (["-0", "1"], None),
        (["1", "-0"], None),
        (["nan"], None),
        (["1_0"], None),
        (["[1]"], None),
        (["1 2"], None),
    ],
)
def test_plain_number_list_reads_what_float_reads_or_declines(fields, expected):
    got = numbers.plain_number_list(fields)
    assert (got is None) if expected is None else (got.tolist() == expected and str(got[2]) == "-0.0")


def test_random_bodies_read_as_the_python_path_reads_them_or_take_it():
    """Bodies of numbers in every spelling and shape: the fast path gives the Python path's values or declines."""
    rng = np.random.default_rng(11)
    spellings = ["1", "-0.5", "2.50", "1e3", "-1E-2", "0", "-0", "-0.0", " 7 ", "\t3", "1.5e+2", ".5", "5.", "", "x"]
    taken = 0
    for _ in range(400):
        width = int(rng.integers(1, 4))
        lines = []
        for _ in range(int(rng.integers(1, 5))):
            fields = width + (int(rng.integers(-1, 2)) if rng.random() < 0.15 else 0)
            lines.append(",".join(spellings[int(rng.integers(0, len(spellings)))] for _ in range(max(fields, 1))))
            if rng.random() < 0.05:
                lines.append("")
        end = ["\n", "\r\n"][int(rng.random() < 0.2)]
        body = (end.join(lines) + (end if rng.random() < 0.8 else "")).encode()
        fast = numbers.plain_number_csv(body, width)
        try:
            expected = np.asarray(codecs.float_rows(codecs.decode_csv(body), width), dtype=float)
        except BadRequest:
            assert fast is None, body
            continue
        if fast is not None:
            taken += 1
            np.testing.assert_array_equal(fast, expected)
            assert (np.signbit(fast) == np.signbit(expected)).all(), body
    assert taken > 40  # the fast path was exercised, not only declined
