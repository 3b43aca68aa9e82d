"""S3Input's read-ahead: a few objects ahead, but never more bytes than READ_AHEAD_BYTES of them at once."""

import io
import threading

from emulator.transform import TransformSettings
from emulator.transform.s3 import READ_AHEAD, READ_AHEAD_BYTES, S3Input


class FakeS3:
    """Lists objects of the given sizes; GetObject records the key and answers a short body."""

    def __init__(self, sizes: dict[str, int]):
        self.sizes, self.read, self.lock = sizes, [], threading.Lock()

    def get_paginator(self, name: str):
        assert name == "list_objects_v2"
        contents = [{"Key": f"in/{key}", "Size": size} for key, size in self.sizes.items()]
        return type("Paginator", (), {"paginate": lambda _self, **kwargs: iter([{"Contents": contents}])})()

    def get_object(self, Bucket: str, Key: str) -> dict:  # noqa: N803 - boto3's spelling
        with self.lock:
            self.read.append(Key.removeprefix("in/"))
        return {"Body": io.BytesIO(Key.encode())}


def reads_before_the_second_is_taken(sizes: dict[str, int]) -> list[str]:
    s3 = FakeS3(sizes)
    objects = iter(S3Input(s3, TransformSettings(input_uri="s3://bucket/in/", output_path="s3://bucket/out")))
    first = next(objects)
    assert first == ("a", b"in/a")
    threading.Event().wait(0.1)  # the reads submitted so far run in the pool's threads meanwhile
    return sorted(s3.read)


def test_small_objects_are_read_a_few_ahead():
    assert reads_before_the_second_is_taken({k: 1000 for k in "abcdefg"}) == list("abcdefg"[:READ_AHEAD])


def test_large_objects_are_not_held_more_than_the_byte_limit_at_once():
    big = READ_AHEAD_BYTES // 2 + 1
    assert reads_before_the_second_is_taken({"a": big, "b": big, "c": 10}) == ["a"]
    assert reads_before_the_second_is_taken({"a": READ_AHEAD_BYTES * 3, "b": 10}) == ["a"]  # one is always read


def test_every_object_is_yielded_in_order_whatever_the_sizes():
    sizes = {"a": READ_AHEAD_BYTES, "b": 10, "c": READ_AHEAD_BYTES * 2, "d": 10, "e": 10}
    s3 = FakeS3(sizes)
    got = list(S3Input(s3, TransformSettings(input_uri="s3://bucket/in/", output_path="s3://bucket/out")))
    assert got == [(key, f"in/{key}".encode()) for key in sizes]
