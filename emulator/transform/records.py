"""Split one input object's bytes into records: SplitType None, Line, RecordIO or TFRecord; Gzip first.

Every record keeps two forms (API reference, TransformInput.SplitType: "padding is removed if the value
of BatchStrategy is set to SingleRecord. Padding is not removed if the value of BatchStrategy is set to
MultiRecord"): `data`, what a SingleRecord request carries (the line without its terminator, the
payload without its framing), and `framed`, what a MultiRecord request concatenates (the line with
"\n", the record with its header and padding as it stood in the file). `span` is the number of
decompressed bytes of the object the record accounts for (progress counts these).

Formats:
- Line: split on "\n" ("\r\n" accepted); blank lines are skipped (no container takes an empty record).
- RecordIO: MXNet/dmlc RecordIO framing, per record a little-endian uint32 magic 0xced7230a, a uint32
  whose upper 3 bits are the continuation flag (0 whole, 1 first, 2 middle, 3 last part) and lower 29
  bits the length, then the data padded to 4 bytes; a record split into parts is joined back with the
  magic between the parts, as dmlc-core's RecordIOReader does.
- TFRecord: per record a uint64 length, a uint32 masked CRC32C of the length bytes, the data and a
  uint32 masked CRC32C of the data (TensorFlow's record_writer); both CRCs are checked.
"""

import gzip
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import google_crc32c

from .errors import RecordError

SPLIT_TYPES = ("None", "Line", "RecordIO", "TFRecord")
RECORDIO_MAGIC = 0xCED7230A
_MAGIC_BYTES = struct.pack("<I", RECORDIO_MAGIC)
_TFRECORD_MASK_DELTA = 0xA282EAD8


@dataclass(frozen=True)
class Record:
    """One record: what a SingleRecord call sends, what a MultiRecord call concatenates, bytes accounted."""

    data: bytes
    framed: bytes
    span: int


def decompress(body: bytes, compression_type: str | None) -> bytes:
    """Return the object's bytes, gunzipped when CompressionType is Gzip."""
    if compression_type in (None, "None"):
        return body
    try:
        return gzip.decompress(body)
    except (OSError, EOFError, zlib.error) as err:
        raise RecordError(
            f"CompressionType is Gzip but the object is not valid gzip ({err}); gzip it, or give plain objects "
            "with CompressionType None"
        ) from None


def split(body: bytes, split_type: str | None) -> Iterator[Record]:
    """Yield the records of one (decompressed) object in order."""
    if split_type in (None, "None"):
        yield Record(body, body, len(body))
    elif split_type == "Line":
        yield from split_lines(body)
    elif split_type == "RecordIO":
        yield from split_recordio(body)
    elif split_type == "TFRecord":
        yield from split_tfrecord(body)
    else:
        raise ValueError(f"SplitType must be one of {', '.join(SPLIT_TYPES)}, got {split_type!r}")


def split_lines(body: bytes) -> Iterator[Record]:
    """Yield one record per non-blank line; its span includes the blank lines before it."""
    start = pending = 0
    while start < len(body):
        end = body.find(b"\n", start)
        stop = len(body) if end < 0 else end + 1
        line = body[start:stop].rstrip(b"\r\n")
        if line.strip():
            yield Record(line, line + b"\n", stop - pending)
            pending = stop
        start = stop


def split_recordio(body: bytes) -> Iterator[Record]:
    """Yield the records of an MXNet RecordIO file, multi-part records joined."""
    pos, first = 0, 0
    parts: list[bytes] = []
    while pos < len(body):
        if len(body) - pos < 8:
            raise RecordError(f"RecordIO: {len(body) - pos} stray byte(s) at offset {pos}, too few for a header")
        magic, lrec = struct.unpack_from("<II", body, pos)
        if magic != RECORDIO_MAGIC:
            raise RecordError(
                f"RecordIO: no magic number 0xced7230a at offset {pos} (found {magic:#010x}); "
                "is SplitType right for this file?"
            )
        flag, length = lrec >> 29, lrec & ((1 << 29) - 1)
        end = pos + 8 + length
        if end > len(body):
            raise RecordError(f"RecordIO: the record at offset {pos} says {length} bytes but the file ends first")
        if not parts:
            first = pos
        parts.append(body[pos + 8 : end])
        pos = end + (-length % 4)
        if flag in (0, 3):
            yield Record(_MAGIC_BYTES.join(parts), body[first:pos], pos - first)
            parts = []
    if parts:
        raise RecordError(f"RecordIO: the multi-part record at offset {first} has no last part")


def split_tfrecord(body: bytes) -> Iterator[Record]:
    """Yield the records of a TFRecord file, checking both masked CRC32Cs of each."""
    pos = 0
    while pos < len(body):
        if len(body) - pos < 12:
            raise RecordError(f"TFRecord: {len(body) - pos} stray byte(s) at offset {pos}, too few for a header")
        header = body[pos : pos + 8]
        (length,), (length_crc,) = struct.unpack("<Q", header), struct.unpack_from("<I", body, pos + 8)
        if masked_crc32c(header) != length_crc:
            raise RecordError(
                f"TFRecord: the length CRC at offset {pos} does not match; is SplitType right for this file?"
            )
        end = pos + 12 + length + 4
        if end > len(body):
            raise RecordError(f"TFRecord: the record at offset {pos} says {length} bytes but the file ends first")
        data = body[pos + 12 : pos + 12 + length]
        if masked_crc32c(data) != struct.unpack_from("<I", body, end - 4)[0]:
            raise RecordError(f"TFRecord: the data CRC of the record at offset {pos} does not match (corrupt record)")
        yield Record(data, body[pos:end], end - pos)
        pos = end


def masked_crc32c(data: bytes) -> int:
    """Return TensorFlow's masked CRC32C of `data`."""
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + _TFRECORD_MASK_DELTA) & 0xFFFFFFFF


def frame_recordio(data: bytes) -> bytes:
    """Return one RecordIO record (flag 0) holding `data`; for tests and tools (no magic inside `data`)."""
    return struct.pack("<II", RECORDIO_MAGIC, len(data)) + data + b"\0" * (-len(data) % 4)


def frame_tfrecord(data: bytes) -> bytes:
    """Return one TFRecord record holding `data`."""
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked_crc32c(header)) + data + struct.pack("<I", masked_crc32c(data))
