"""The featurizer's numpy fast path: used only where it equals the fitted transformer, checked at load and here."""

import featurizer.handler as handler
import numpy as np
import pandas as pd
import pytest
from featurizer.fastpath import compile_transformer
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler

from emulator.config import FIXTURES_DIR

TOLERANCE = 1e-12


@pytest.fixture(scope="module")
def abalone(model_dir):
    return handler.load(model_dir("abalone_featurizer"))


def test_the_abalone_featurizer_gets_the_fast_path(abalone):
    assert abalone.fast is not None


def test_fast_path_equals_the_transformer_on_the_test_set(abalone):
    body = (FIXTURES_DIR / "abalone/data/test.csv").read_bytes()
    data = handler._csv_columns(abalone, body)
    expected = abalone.transformer.transform(pd.DataFrame(data))
    got = abalone.fast(data)
    assert got.shape == expected.shape and np.abs(got - expected).max() <= TOLERANCE


def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {"a": rng.normal(size=50), "b": rng.normal(size=50) * 100, "c": rng.choice(["x", "y", "z"], 50)}
    )


def test_an_unknown_step_gets_no_fast_path():
    transformer = ColumnTransformer([("n", make_pipeline(SimpleImputer(), MinMaxScaler()), ["a", "b"])]).fit(frame())
    assert compile_transformer(transformer, ["a", "b", "c"], {"a", "b"}) is None


def test_a_passthrough_remainder_gets_no_fast_path():
    transformer = ColumnTransformer([("n", StandardScaler(), ["a"])], remainder="passthrough").fit(frame()[["a", "b"]])
    assert compile_transformer(transformer, ["a", "b"], {"a", "b"}) is None


def test_a_supported_shape_is_compiled_and_equal():
    transformer = ColumnTransformer(
        [
            ("n", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), ["a", "b"]),
            (
                "c",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="missing"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                ["c"],
            ),
        ]
    ).fit(frame())
    fast = compile_transformer(transformer, ["a", "b", "c"], {"a", "b"})
    data = {"a": np.array([1.0, np.nan]), "b": np.array([np.nan, 3.0]), "c": np.array(["y", "new"], dtype=object)}
    assert fast is not None
    assert np.abs(fast(data) - transformer.transform(pd.DataFrame(data))).max() <= TOLERANCE


def test_a_fast_path_that_differs_is_refused(monkeypatch):
    transformer = ColumnTransformer([("n", StandardScaler(), ["a"])]).fit(frame()[["a"]])
    monkeypatch.setattr(
        transformer.transformers_[0][1], "mean_", transformer.transformers_[0][1].mean_ + 1e-9, raising=True
    )
    real = transformer.transform
    monkeypatch.setattr(transformer, "transform", lambda x: real(x) + 1e-9)
    assert compile_transformer(transformer, ["a"], {"a"}) is None


def test_infinite_input_still_gets_the_transformers_error(abalone):
    from serving.errors import BadRequest

    with pytest.raises(BadRequest, match="Input X contains infinity"):
        handler.invoke(abalone, b"M,inf,0.4,0.1,0.5,0.2,0.1,0.1\n", "text/csv", None)


def test_a_text_column_all_missing_gives_what_the_transformer_gives(abalone):
    body, _ = handler.invoke(abalone, b",0.5,0.4,0.1,0.5,0.2,0.1,0.1\n", "text/csv", None)
    row = [np.nan, 0.5, 0.4, 0.1, 0.5, 0.2, 0.1, 0.1]
    expected = abalone.transformer.transform(pd.DataFrame([row], columns=abalone.columns))
    assert [float(v) for v in body.decode().split(",")] == expected[0].tolist()
