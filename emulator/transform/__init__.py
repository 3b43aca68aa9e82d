"""Batch transform (CreateTransformJob's data plane), pure: no Docker, no HTTP server, no boto3.

    settings = TransformSettings(input_uri="in/", output_path="out/", content_type="text/csv",
                                 split_type="Line", accept="text/csv", assemble_with="Line")
    limits = resolve(settings, parse_execution_parameters(container_answer))   # or resolve(settings)
    result = TransformRunner(settings, limits, invoke, sink).run([("a.csv", b"...")])

Modules: settings (the job's fields and their checks), limits (/execution-parameters, precedence, environment),
records (Gzip, SplitType), batching (mini-batches), jsonpath (SageMaker's subset), formats and joining
(DataProcessing), output (naming, manifests, AssembleWith), runner (threads, retries, stop), result.
"""

from .errors import (
    ExecutionParametersError,
    FileFailure,
    JsonPathError,
    ModelInvocationError,
    TransformError,
    TransformValidationError,
)
from .limits import ExecutionParameters, Limits, container_environment, parse_execution_parameters, resolve
from .output import output_location, read_manifest, relative_key
from .result import FileOutcome, FileStatus, JobStatus, Progress, TransformResult
from .runner import TransformRunner
from .settings import TransformSettings, from_request

__all__ = [
    "ExecutionParameters",
    "ExecutionParametersError",
    "FileFailure",
    "FileOutcome",
    "FileStatus",
    "JobStatus",
    "JsonPathError",
    "Limits",
    "ModelInvocationError",
    "Progress",
    "TransformError",
    "TransformResult",
    "TransformRunner",
    "TransformSettings",
    "TransformValidationError",
    "container_environment",
    "from_request",
    "output_location",
    "parse_execution_parameters",
    "read_manifest",
    "relative_key",
    "resolve",
]
