"""Splitting one object into records: each SplitType, Gzip, and broken framing named clearly."""

import gzip
import struct

import pytest

from emulator.transform.errors import RecordError
from emulator.transform.records import RECORDIO_MAGIC, decompress, frame_recordio, frame_tfrecord, masked_crc32c, split


def test_none_keeps_the_whole_object_as_one_record():
    [record] = split(b"a,b\nc,d\n", "None")
    assert record.data == record.framed == b"a,b\nc,d\n"
    assert record.span == 8


def test_line_splits_on_newlines_and_skips_blank_lines():
    records = list(split(b"1,2\r\n\n3,4\nlast", "Line"))
    assert [r.data for r in records] == [b"1,2", b"3,4", b"last"]
    assert [r.framed for r in records] == [b"1,2\n", b"3,4\n", b"last\n"]
    assert sum(r.span for r in records) == len(b"1,2\r\n\n3,4\nlast")


def test_recordio_gives_payloads_without_padding_and_frames_with_it():
    body = frame_recordio(b"abc") + frame_recordio(b"defgh")
    records = list(split(body, "RecordIO"))
    assert [r.data for r in records] == [b"abc", b"defgh"]
    assert records[0].framed == body[:12] and len(records[0].framed) % 4 == 0
    assert b"".join(r.framed for r in records) == body


def test_recordio_joins_a_multi_part_record_with_the_magic_between_parts():
    magic = struct.pack("<I", RECORDIO_MAGIC)

    def part(flag, data):
        return struct.pack("<II", RECORDIO_MAGIC, (flag << 29) | len(data)) + data + b"\0" * (-len(data) % 4)

    body = part(1, b"abcd") + part(2, b"efgh") + part(3, b"ij") + frame_recordio(b"next")
    records = list(split(body, "RecordIO"))
    assert [r.data for r in records] == [b"abcd" + magic + b"efgh" + magic + b"ij", b"next"]


def test_recordio_without_magic_names_the_offset():
    with pytest.raises(RecordError, match="no magic number 0xced7230a at offset 0"):
        list(split(b"not recordio at all", "RecordIO"))


def test_crc32c_matches_the_published_check_value():
    import google_crc32c

    assert google_crc32c.value(b"123456789") == 0xE3069283  # CRC-32C check value (RFC 3720 / iSCSI)
    crc = 0xE3069283
    assert masked_crc32c(b"123456789") == (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def test_tfrecord_round_trip_and_crc_check():
    body = frame_tfrecord(b"first") + frame_tfrecord(b"") + frame_tfrecord(b"third record")
    records = list(split(body, "TFRecord"))
    assert [r.data for r in records] == [b"first", b"", b"third record"]
    assert b"".join(r.framed for r in records) == body
    corrupt = bytearray(body)
    corrupt[14] ^= 0xFF  # a byte of the first record's data
    with pytest.raises(RecordError, match="data CRC .* does not match"):
        list(split(bytes(corrupt), "TFRecord"))


def test_tfrecord_truncated_file_is_an_error():
    body = frame_tfrecord(b"a record")
    with pytest.raises(RecordError, match="file ends first"):
        list(split(body[:-3], "TFRecord"))


def test_gzip_is_decompressed_and_garbage_named():
    assert decompress(gzip.compress(b"x\ny\n"), "Gzip") == b"x\ny\n"
    assert decompress(b"plain", "None") == b"plain"
    with pytest.raises(
        RecordError, match="not valid gzip .*; gzip it, or give plain objects with CompressionType None"
    ):
        decompress(b"plain", "Gzip")
