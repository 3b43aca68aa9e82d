"""`byoc evaluate`: score an endpoint on a labelled data set, check parity with the offline model, gate CI.

from emulator.evaluation import evaluate
result = evaluate("fixtures/pipelines/abalone.toml", "fixtures/abalone/data/test.csv", "rings",
                  reference="fixtures/abalone/data/test_reference.csv", thresholds=["rmse<=2.3"])
result.metrics["rmse"], result.passed
"""

from .errors import EvaluationError
from .run import EvaluationResult, evaluate

__all__ = ["EvaluationError", "EvaluationResult", "evaluate"]
