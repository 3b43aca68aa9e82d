"""The broken images' model: one sum per CSV row, read in one pass when every row has three fields."""

import random

import pytest

from .conftest import server_module

BadRequest, predict = server_module.BadRequest, server_module.predict
NUMBERS = ["1", "-0", "0.5", " 2", "1e3", "nan", "-0.0", "x", ""]


def row_by_row(body: bytes, lenient: bool) -> list[float] | str:
    """The reading the one-pass path must agree with: split every row, check its width, sum it."""
    rows = [line.split(",") for line in body.decode().splitlines() if line.strip()]
    if any(len(row) != server_module.COLUMNS for row in rows) and not lenient:
        return "refused"
    try:
        return [sum(float(x) for x in row) if len(row) == server_module.COLUMNS else 0.0 for row in rows]
    except ValueError:
        return "refused"


def read(body: bytes, lenient: bool) -> list[float] | str:
    try:
        return predict(body, "text/csv", lenient_shape=lenient)
    except BadRequest:
        return "refused"


@pytest.mark.parametrize("lenient", [False, True])
def test_random_bodies_read_as_row_by_row(lenient):
    rng = random.Random(7)
    for _ in range(3000):
        rows = [",".join(rng.choice(NUMBERS) for _ in range(rng.choice([2, 3, 3, 3, 4]))) for _ in range(4)]
        body = rng.choice(["\n", "\r\n"]).join(rows[: rng.randint(1, 4)] + rng.choice([[], ["  "], [""]])).encode()
        if body.strip():
            # repr: nan equals nan and -0.0 differs from 0.0, as in the answer's text
            assert repr(read(body, lenient)) == repr(row_by_row(body, lenient)), body


def test_a_large_uniform_body_is_summed_per_row():
    body = b"1,2,3\n4,5,6\n0.5,0.25,0.125\n" * 1000
    assert predict(body, "text/csv") == [6.0, 15.0, 0.875] * 1000
