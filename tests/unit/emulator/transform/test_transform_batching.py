"""Mini-batches: MultiRecord up to MaxPayloadInMB, SingleRecord one each, 0 unbounded, oversize records."""

import pytest

from emulator.transform.batching import MIB, make_batches
from emulator.transform.errors import OversizeRecord
from emulator.transform.records import split


def lines(n: int, width: int) -> bytes:
    return b"".join(b"%0*d\n" % (width - 1, i) for i in range(n))


def test_multirecord_fills_each_batch_up_to_the_limit():
    body = lines(10, MIB // 4)          # ten records of a quarter MiB (with their newline)
    batches = list(make_batches("f.csv", split(body, "Line"), "MultiRecord", 1))
    assert [len(b.records) for b in batches] == [4, 4, 2]
    assert all(len(b.body) <= MIB for b in batches)
    assert [b.first for b in batches] == [1, 5, 9]
    assert b"".join(b.body for b in batches) == body


def test_singlerecord_sends_one_record_without_its_terminator():
    batches = list(make_batches("f.csv", split(b"a\nb\n", "Line"), "SingleRecord", 6))
    assert [b.body for b in batches] == [b"a", b"b"]
    assert [b.index for b in batches] == [0, 1]


def test_zero_means_one_unbounded_payload_per_file():
    body = lines(30, MIB // 4)          # 7.5 MiB
    [batch] = make_batches("f.csv", split(body, "Line"), "MultiRecord", 0)
    assert batch.body == body and len(batch.records) == 30


def test_a_record_over_the_limit_names_file_and_record():
    body = b"small\n" + b"x" * (MIB + 1) + b"\nsmall\n"
    with pytest.raises(OversizeRecord) as caught:
        list(make_batches("in/big.csv", split(body, "Line"), "MultiRecord", 1))
    assert str(caught.value).startswith("in/big.csv, record 2: the record is 1048578 bytes, over MaxPayloadInMB=1")


def test_a_whole_object_over_the_limit_fails_with_splittype_none():
    with pytest.raises(OversizeRecord, match="record 1"):
        list(make_batches("f.bin", split(b"x" * (MIB + 1), "None"), "MultiRecord", 1))


def test_batches_never_mix_files():
    per_file = {key: list(make_batches(key, split(b"1\n2\n3\n", "Line"), "MultiRecord", 6)) for key in ("a", "b")}
    assert [len(v) for v in per_file.values()] == [1, 1]
    assert all(b.key == key for key, batches in per_file.items() for b in batches)
