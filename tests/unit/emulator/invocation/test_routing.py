"""VariantRouter: weighted choice, TargetVariant, and the count of invocations under way that a switch drains."""

import random
import threading
import time
from collections import Counter

import pytest

from emulator.api.errors import ValidationError
from emulator.invocation.chain import HopResponse, Pipeline
from emulator.invocation.routing import VariantRouter


class Hop:
    hostname = "c"

    def post(self, body, headers, timeout_s):
        return HopResponse(200, body, {})


def router(weights, seed=7):
    pipelines = {name: Pipeline("ep", [Hop()], variant=name) for name in weights}
    return VariantRouter("ep", pipelines, weights, rng=random.Random(seed))


def test_choice_follows_the_weights():
    r = router({"A": 3.0, "B": 1.0})
    counts = Counter(r.choose().variant for _ in range(4000))
    assert counts["A"] / 4000 == pytest.approx(0.75, abs=0.03)


def test_target_variant_pins_and_an_unknown_one_is_refused():
    r = router({"A": 1.0, "B": 0.0})
    assert r.choose("B").variant == "B"
    with pytest.raises(ValidationError, match="TargetVariant C is not a production variant of endpoint ep"):
        r.choose("C")


def test_new_weights_apply_to_the_next_choice_and_all_zero_is_refused():
    r = router({"A": 1.0, "B": 1.0})
    r.set_weights({"A": 0.0})
    assert {r.choose().variant for _ in range(50)} == {"B"}
    r.set_weights({"B": 0.0})
    with pytest.raises(ValidationError, match="no production variant with a weight above 0"):
        r.choose()
    with pytest.raises(ValueError, match="no such variants: Z"):
        r.set_weights({"Z": 1.0})


def test_drain_waits_for_the_invocations_under_way():
    r = router({"A": 1.0})
    assert r.drain(0.01)
    r.begin()
    assert not r.drain(0.05)
    threading.Timer(0.1, r.end).start()
    started = time.monotonic()
    assert r.drain(5)
    assert 0.05 < time.monotonic() - started < 2
    with r.serving():
        assert r.in_flight == 1
    assert r.in_flight == 0
