"""Group one input file's records into mini-batches by BatchStrategy and MaxPayloadInMB.

API reference, CreateTransformJob: "MultiRecord" fits "as many records in a mini-batch as can fit
within the MaxPayloadInMB limit", "SingleRecord" uses one record per request; "The value in
MaxPayloadInMB must be greater than, or equal to, the size of a single record"; 0 is for payloads
"arbitrarily large and ... transmitted using HTTP chunked encoding" (here: one payload per file, or
per record for SingleRecord, with no size limit; the transport decides how to send it). A batch
never holds records of two files: `make_batches` sees one file at a time. MB is read as MiB, as
the 6 MB InvokeEndpoint limit is 6 MiB.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .errors import OversizeRecord
from .records import Record

MIB = 1024 * 1024
STRATEGIES = ("MultiRecord", "SingleRecord")


@dataclass(frozen=True)
class Batch:
    """Records `first` .. `first + len(records) - 1` (1-based) of one file, and the request body."""

    key: str
    index: int  # position of the batch in its file, from 0
    first: int  # number of the first record in the file, from 1
    records: tuple[Record, ...]
    body: bytes

    @property
    def last(self) -> int:
        """Return the number of the batch's last record in the file."""
        return self.first + len(self.records) - 1

    @property
    def span(self) -> int:
        """Return the decompressed input bytes this batch accounts for."""
        return sum(r.span for r in self.records)


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
    return Batch(key, index, first, tuple(records), body)
