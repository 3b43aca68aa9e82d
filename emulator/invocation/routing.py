"""Route one InvokeEndpoint to a production variant: by weight, or the one TargetVariant names.

No Docker and no HTTP here. A `VariantRouter` also counts the invocations under way, so a
blue/green switch can wait for the old containers' last answers before stopping them.
"""

import random
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from emulator.api.errors import ValidationError
from emulator.invocation.chain import Pipeline


class VariantRouter:
    """An endpoint's variants (one Pipeline each) and their weights; thread-safe."""

    def __init__(
        self,
        endpoint: str,
        pipelines: Mapping[str, Pipeline],
        weights: Mapping[str, float] | None = None,
        rng: random.Random | None = None,
    ):
        if not pipelines:
            raise ValueError("a router needs at least one variant")
        self.endpoint = endpoint
        self.pipelines = dict(pipelines)
        self._weights = {name: 1.0 for name in self.pipelines}
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        if weights:
            self.set_weights(weights)

    @classmethod
    def single(cls, pipeline: Pipeline) -> "VariantRouter":
        """Return a router of one pipeline (its own variant name)."""
        return cls(pipeline.name, {pipeline.variant: pipeline})

    @property
    def weights(self) -> dict[str, float]:
        """Return each variant's current weight."""
        with self._lock:
            return dict(self._weights)

    def set_weights(self, weights: Mapping[str, float]) -> None:
        """Change the weights of the variants named (others keep theirs)."""
        unknown = set(weights) - set(self.pipelines)
        if unknown:
            raise ValueError(f"no such variants: {', '.join(sorted(unknown))}")
        with self._lock:
            self._weights.update({name: float(w) for name, w in weights.items()})

    def choose(self, target: str | None = None) -> Pipeline:
        """Return the pipeline of the TargetVariant, else one drawn by weight."""
        if target is not None:
            pipeline = self.pipelines.get(target)
            if pipeline is None:
                # Our wording: no public report quotes SageMaker's for an unknown TargetVariant.
                raise ValidationError(
                    f"TargetVariant {target} is not a production variant of endpoint "
                    f"{self.endpoint}; its variants are: {', '.join(self.pipelines)}."
                )
            return pipeline
        with self._lock:
            names, weights = list(self._weights), list(self._weights.values())
            if sum(weights) <= 0:
                raise ValidationError(
                    f"Endpoint {self.endpoint} has no production variant with a weight above 0: "
                    "give one a weight with UpdateEndpointWeightsAndCapacities, or name one "
                    "with TargetVariant."
                )
            return self.pipelines[self._rng.choices(names, weights)[0]]

    def begin(self) -> None:
        """Count one invocation as under way (call `end` when it is answered)."""
        with self._lock:
            self._in_flight += 1

    def end(self) -> None:
        """Count one invocation as answered."""
        with self._lock:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.notify_all()

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Count one invocation as under way for as long as the block runs."""
        self.begin()
        try:
            yield
        finally:
            self.end()

    @property
    def in_flight(self) -> int:
        """Return how many invocations are under way."""
        with self._lock:
            return self._in_flight

    def drain(self, timeout_s: float) -> bool:
        """Wait until no invocation is under way (True), or `timeout_s` passes (False)."""
        with self._lock:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout_s)
