"""Output naming (prefix and manifest) and assembly (None concatenates, Line ends every piece with a newline)."""

import pytest

from emulator.transform.errors import TransformValidationError
from emulator.transform.output import assemble, output_location, read_manifest, relative_key


def test_output_name_is_the_key_relative_to_the_prefix_plus_out():
    rel = relative_key("s3://bucket/input/", "s3://bucket/input/day1/part-1.csv")
    assert rel == "day1/part-1.csv"
    assert output_location("s3://bucket/output/", rel) == "s3://bucket/output/day1/part-1.csv.out"
    assert output_location("s3://bucket/output", rel) == "s3://bucket/output/day1/part-1.csv.out"


def test_a_prefix_that_is_not_a_folder_counts_from_its_last_slash():
    assert relative_key("in/part", "in/part-1.csv") == "part-1.csv"
    with pytest.raises(ValueError, match="does not lie under"):
        relative_key("in/", "other/x.csv")


def test_manifest_keys_are_relative_to_its_prefix():
    prefix, keys = read_manifest(b'[{"prefix": "s3://b/some/prefix/"}, "relative/path/to/custdata-1", "custdata-2"]')
    assert prefix == "s3://b/some/prefix/"
    assert [output_location("s3://b/out", k) for k in keys] == [
        "s3://b/out/relative/path/to/custdata-1.out",
        "s3://b/out/custdata-2.out",
    ]


@pytest.mark.parametrize(
    "document", [b"not json", b"[]", b'["a", "b"]', b'[{"prefix": "s3://b/"}]', b'[{"prefix": "s3://b/"}, 3]']
)
def test_a_malformed_manifest_says_how_it_should_look(document):
    with pytest.raises(TransformValidationError, match="ManifestFile cannot be read"):
        read_manifest(document)


def test_assemble_none_concatenates_bytes_exactly():
    assert assemble([b"1\n2\n", b"3", b"\x00\x01"], "None") == b"1\n2\n3\x00\x01"


def test_assemble_line_ends_every_piece_with_one_newline():
    assert assemble([b"1", b"2\n", b"3"], "Line") == b"1\n2\n3\n"
