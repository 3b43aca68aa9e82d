"""Group one input file's records into mini-batches by BatchStrategy and MaxPayloadInMB.

API reference, CreateTransformJob: "MultiRecord" fits "as many records in a mini-batch as can fit
within the MaxPayloadInMB limit", "SingleRecord" uses one record per request; "The value in
MaxPayloadInMB must be greater than, or equal to, the size of a single record"; 0 is for payloads
"arbitrarily large and ... transmitted using HTTP chunked encoding" (here: one payload per file, or
per record for SingleRecord, with no size limit; the transport decides how to send it). A batch
never holds records of two files: `make_batches` sees one file at a time. MB is read as MiB, as
the 6 MB InvokeEndpoint limit is 6 MiB.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .errors import OversizeRecord
from .records import Record

MIB = 1024 * 1024
STRATEGIES = ("MultiRecord", "SingleRecord")


@dataclass(frozen=True)
class Batch:
    """Records `first` .. `first + count - 1` (1-based) of one file, and the request body."""

    key: str
    index: int  # position of the batch in its file, from 0
    first: int  # number of the first record in the file, from 1
    count: int  # how many records it holds
    span: int  # the decompressed input bytes it accounts for
    body: bytes
    records: tuple[Record, ...] = ()  # its records, where they were split one by one (not by `line_batches`)

    @property
    def last(self) -> int:
        """Return the number of the batch's last record in the file."""
        return self.first + self.count - 1


def make_batches(key: str, records: Iterable[Record], strategy: str, max_payload_in_mb: int) -> Iterator[Batch]:
    """Yield the mini-batches of one file in order; raise OversizeRecord naming the record that cannot fit."""
    if strategy not in STRATEGIES:
        raise ValueError(f"BatchStrategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    limit = max_payload_in_mb * MIB
    single = strategy == "SingleRecord"
    pending: list[Record] = []
    size, first, index, number = 0, 1, 0, 0
    for number, record in enumerate(records, start=1):
        piece = record.data if single else record.framed
        if limit and len(piece) > limit:
            raise OversizeRecord(
                f"the record is {len(piece)} bytes, over MaxPayloadInMB={max_payload_in_mb} "
                f"({limit} bytes); raise MaxPayloadInMB or split the record",
                key,
                number,
            )
        if pending and (single or (limit and size + len(piece) > limit)):
            yield _batch(key, index, first, pending, single)
            pending, size, first, index = [], 0, number, index + 1
        pending.append(record)
        size += len(piece)
    if pending:
        yield _batch(key, index, first, pending, single)


def _batch(key: str, index: int, first: int, records: list[Record], single: bool) -> Batch:
    body = records[0].data if single else b"".join(r.framed for r in records)
    return Batch(key, index, first, len(records), sum(r.span for r in records), body, tuple(records))


# a line holding nothing but blanks (split_lines skips it); carriage returns are left to split_lines too
_BLANK_LINE = re.compile(rb"(?:^|\n)[ \t\x0b\x0c]*\n")


def line_batches(key: str, body: bytes, max_payload_in_mb: int) -> list[Batch] | None:
    """Return the MultiRecord mini-batches of a SplitType Line object by slicing it at newlines, or None.

    The same batches as `make_batches(key, split_lines(body), "MultiRecord", ...)` without a Record per
    line: each batch is the longest run of whole lines within MaxPayloadInMB. None (use the general
    path) when the object has blank lines or carriage returns, which that path drops or strips.
    """
    tail = body[body.rfind(b"\n") + 1 :]
    if not body or b"\r" in body or (tail and not tail.strip()) or _BLANK_LINE.search(body):
        return None
    data = body if body.endswith(b"\n") else body + b"\n"
    limit = max_payload_in_mb * MIB or len(data)
    batches: list[Batch] = []
    start, first = 0, 1
    while start < len(data):
        end = len(data) if start + limit >= len(data) else data.rfind(b"\n", start, start + limit) + 1
        if end <= start:
            size = data.find(b"\n", start) + 1 - start
            raise OversizeRecord(
                f"the record is {size} bytes, over MaxPayloadInMB={max_payload_in_mb} "
                f"({limit} bytes); raise MaxPayloadInMB or split the record",
                key,
                first,
            )
        count = data.count(b"\n", start, end)
        batches.append(Batch(key, len(batches), first, count, min(end, len(body)) - start, data[start:end]))
        start, first = end, first + count
    return batches
