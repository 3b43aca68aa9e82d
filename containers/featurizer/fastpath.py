"""A load-time fast path for a fitted ColumnTransformer: its learned numbers applied with numpy.

scikit-learn's per-call checks cost milliseconds a request; the arithmetic itself costs microseconds.
`compile_transformer` understands one common shape (numeric columns: SimpleImputer then
StandardScaler; text columns: a constant SimpleImputer then OneHotEncoder(handle_unknown="ignore"),
dense output, remainder dropped) and returns None for anything else. Its output is checked equal to the
transformer's own, to 1e-12, on probe rows at load time; a mismatch means the transformer is used.
"""

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

log = logging.getLogger("serving")
TOLERANCE = 1e-12
PROBE_ROWS = 64
UNKNOWN = "\x00unknown category"

Columns = dict[str, np.ndarray]
Step = Callable[[np.ndarray], np.ndarray]


def compile_transformer(transformer, columns: list[str], numeric: set[str]) -> Callable[[Columns], np.ndarray] | None:
    """Return a numpy function equal to transformer.transform on a frame of `columns`, or None."""
    try:
        blocks = _blocks(transformer, numeric)
    except (AttributeError, TypeError, ValueError):
        blocks = None
    if blocks is None:
        return None

    def transform(data: Columns) -> np.ndarray:
        return np.hstack([_apply(steps, np.column_stack([data[c] for c in names])) for names, steps in blocks])

    probe = _probe(columns, numeric, _categories(transformer))
    try:
        expected = np.asarray(transformer.transform(pd.DataFrame(probe)), dtype=float)
        got = transform(probe)
        same = got.shape == expected.shape and bool(np.all(np.abs(got - expected) <= TOLERANCE))
    except (ValueError, TypeError) as err:
        log.info("serving: featurizer fast path not used: probing failed: %s", err)
        return None
    if not same:
        log.warning("serving: featurizer fast path differs from the transformer on probe rows; using the transformer")
        return None
    log.info("serving: featurizer fast path checked equal to the transformer on %d probe rows", PROBE_ROWS)
    return transform


def _apply(steps: list[Step], values: np.ndarray) -> np.ndarray:
    for step in steps:
        values = step(values)
    return values


def _blocks(transformer, numeric: set[str]) -> list[tuple[list[str], list[Step]]] | None:
    """Return (column names, steps) per block of a supported ColumnTransformer, else None."""
    if type(transformer).__name__ != "ColumnTransformer" or transformer.sparse_output_:
        return None
    blocks = []
    for name, inner, names in transformer.transformers_:
        if name == "remainder":
            if inner != "drop":
                return None
            continue
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            return None
        kinds = {n in numeric for n in names}
        estimators = [step for _, step in inner.steps] if hasattr(inner, "steps") else [inner]
        steps = [_step(estimator, numeric=kinds == {True}) for estimator in estimators]
        if len(kinds) != 1 or any(step is None for step in steps):
            return None
        blocks.append((names, steps))
    return blocks


def _step(estimator, numeric: bool) -> Step | None:
    """Return a numpy step doing what one fitted estimator does, or None when it is not understood."""
    kind = type(estimator).__name__
    if kind == "SimpleImputer" and not estimator.add_indicator and _is_nan(estimator.missing_values):
        fill = estimator.statistics_
        if numeric and fill.dtype.kind == "f" and not np.isnan(fill).any():
            return lambda x: np.where(np.isnan(x), fill, x)
        if not numeric and estimator.strategy == "constant":
            return lambda x: np.where(pd.isna(x), fill, x)
    if kind == "StandardScaler" and numeric:
        mean = estimator.mean_ if estimator.with_mean else 0.0
        scale = estimator.scale_ if estimator.with_std else 1.0
        return lambda x: (x - mean) / scale
    if (
        kind == "OneHotEncoder"
        and not numeric
        and estimator.handle_unknown == "ignore"
        and estimator.drop is None
        and estimator.max_categories is None
        and estimator.min_frequency is None
        and not estimator.sparse_output
    ):
        categories = estimator.categories_
        return lambda x: np.hstack(
            [(x[:, [i]] == np.asarray(c, dtype=object)[None, :]).astype(np.float64) for i, c in enumerate(categories)]
        )
    return None


def _is_nan(value) -> bool:
    return isinstance(value, float) and np.isnan(value)


def _categories(transformer) -> list:
    """Return every category any OneHotEncoder inside the transformer learned."""
    found = []
    for _, inner, _ in transformer.transformers_:
        for _, estimator in getattr(inner, "steps", [(None, inner)]):
            for categories in getattr(estimator, "categories_", []):
                found += list(categories)
    return found


def _probe(columns: list[str], numeric: set[str], categories: list) -> Columns:
    """Return probe rows: numbers at several scales and missing; every category, an unknown one and missing."""
    rng = np.random.default_rng(0)
    choices = [*categories, UNKNOWN]
    probe: Columns = {}
    for name in columns:
        if name in numeric:
            values = rng.normal(size=PROBE_ROWS) * 10.0 ** rng.integers(-3, 3, PROBE_ROWS)
            values[::7] = np.nan
        else:
            values = np.array([str(choices[i]) for i in rng.integers(0, len(choices), PROBE_ROWS)], dtype=object)
            values[::5] = np.nan
        probe[name] = values
    return probe
