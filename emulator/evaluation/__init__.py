"""`byoc evaluate`: score an endpoint on a labelled data set, check parity with the offline model, gate CI.

from emulator.evaluation import evaluate
result = evaluate("fixtures/pipelines/abalone.toml", "fixtures/abalone/data/test.csv", "rings",
                  reference="fixtures/abalone/data/test_reference.csv", thresholds=["rmse<=2.3"])
result.metrics["rmse"], result.passed
"""

from .errors import EvaluationError

__all__ = ["EvaluationError", "EvaluationResult", "evaluate"]


def __getattr__(name: str):
    """Import the scoring code (the `evaluate` extra: numpy, scikit-learn ...) only when it is used."""
    if name in ("EvaluationResult", "evaluate"):
        from . import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
