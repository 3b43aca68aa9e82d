"""Mini-batches: MultiRecord up to MaxPayloadInMB, SingleRecord one each, 0 unbounded, oversize records."""

import pytest

from emulator.transform.batching import MIB, make_batches
from emulator.transform.errors import OversizeRecord
from emulator.transform.records import split


def lines(n: int, width: int) -> bytes:
    return b"".join(b"%0*d\n" % (width - 1, i) for i in range(n))


def test_multirecord_fills_each_batch_up_to_the_limit():
    body = lines(10, MIB // 4)  # ten records of a quarter MiB (with their newline)
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
    body = lines(30, MIB // 4)  # 7.5 MiB
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


def test_line_batches_are_the_general_paths_batches_without_a_record_per_line():
    import random

    from emulator.transform.batching import line_batches

    rng = random.Random(7)
    for _ in range(80):
        lines = [b"x" * rng.randint(1, 40) for _ in range(rng.randint(1, 30))]
        body = b"\n".join(lines) + (b"\n" if rng.random() < 0.7 else b"")
        mb = rng.choice([0, 1])
        limit_lines = rng.randint(1, 12)  # shrink MiB so that batches split: scale the lines up
        body = body.replace(b"x", b"x" * (MIB // (40 * limit_lines) or 1)) if mb else body
        fast = line_batches("f", body, mb)
        general = list(make_batches("f", split(body, "Line"), "MultiRecord", mb))
        assert fast is not None
        assert [(b.index, b.first, b.count, b.span, b.body) for b in fast] == [
            (b.index, b.first, b.count, b.span, b.body) for b in general
        ]


def test_line_batches_leave_blank_lines_and_carriage_returns_to_the_general_path():
    from emulator.transform.batching import line_batches

    for body in (b"a\n\nb\n", b"\na\n", b"a\r\nb\r\n", b"a\n  \nb\n", b"a\n \t"):
        assert line_batches("f", body, 6) is None
    with pytest.raises(OversizeRecord) as caught:
        line_batches("f", b"a\n" + b"y" * (MIB + 1) + b"\nb\n", 1)
    assert caught.value.record == 2
