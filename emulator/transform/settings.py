"""A transform job's settings: CreateTransformJob's fields parsed and checked (the limits resolve in `limits`).

Sources: API reference CreateTransformJob, TransformInput, TransformS3DataSource, TransformOutput,
DataProcessing, ModelClientConfig; developer guide "Use Your Own Inference Code with Batch Transform"
(how SageMaker asks `GET /execution-parameters`, the order of precedence, the SAGEMAKER_* variables)
and "Associate Prediction Results with Input Records" (formats that take filters and joins).
Constraint messages use AWS's validation wording ("1 validation error detected: Value 'X' at
'transformInput.splitType' failed to satisfy constraint: Member must satisfy enum value set: [...]");
the JSONPath character rule quotes the ValidationException of aws/aws-sdk#184; rules spanning two
fields have messages of our own that name both.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from . import jsonpath
from .batching import STRATEGIES
from .errors import JsonPathError, TransformValidationError
from .formats import DATA_FORMATS, media_type
from .records import SPLIT_TYPES

COMPRESSION_TYPES = ("None", "Gzip")
ASSEMBLE_WITH = ("None", "Line")
JOIN_SOURCES = ("None", "Input")
S3_DATA_TYPES = ("S3Prefix", "ManifestFile")
DEFAULT_MAX_PAYLOAD_IN_MB = 6  # CreateTransformJob.MaxPayloadInMB: "The default value is 6 MB"
MAX_PAYLOAD_IN_MB = 100  # "cannot be greater than 100 MB", also times MaxConcurrentTransforms
DEFAULT_TIMEOUT_S, TIMEOUT_RANGE = 600, (1, 3600)  # ModelClientConfig.InvocationsTimeoutInSeconds
DEFAULT_MAX_RETRIES, RETRIES_RANGE = 3, (0, 3)  # ModelClientConfig.InvocationsMaxRetries
MAX_ENVIRONMENT_ENTRIES, MAX_ENV_VALUE_CHARS = 16, 10240
ENV_KEY = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]{0,1023}$")
S3_URI = re.compile(r"(https|s3)://([^/]+)/?(.*)$")
MAX_JSONPATH_CHARS = 63
# aws/aws-sdk#184: 'Unexpected "_" in JsonPath. Supported operators for "application/jsonlines" are
# ['$', '[', ']', '*', '.', ' ', ',', ':', '-', ''']' (besides letters and digits)
JSONPATH_OPERATORS = ("$", "[", "]", "*", ".", " ", ",", ":", "-", "'")


@dataclass(frozen=True)
class TransformSettings:
    """What CreateTransformJob says about the data and the calls; None is "not given"."""

    input_uri: str  # TransformInput.DataSource.S3DataSource.S3Uri (or a local path)
    output_path: str  # TransformOutput.S3OutputPath (or a local folder)
    input_data_type: str = "S3Prefix"  # S3DataType
    content_type: str | None = None
    compression_type: str = "None"
    split_type: str = "None"
    batch_strategy: str | None = None
    max_payload_in_mb: int | None = None
    max_concurrent_transforms: int | None = None
    environment: dict[str, str] = field(default_factory=dict)
    accept: str | None = None
    assemble_with: str = "None"
    input_filter: str = "$"
    output_filter: str = "$"
    join_source: str = "None"
    invocations_timeout_s: int = DEFAULT_TIMEOUT_S
    invocations_max_retries: int = DEFAULT_MAX_RETRIES

    def __post_init__(self):
        check(self)

    @property
    def processes_data(self) -> bool:
        """Return True when a filter or a join applies (the records must be parsed)."""
        return self.input_filter != "$" or self.output_filter != "$" or self.join_source == "Input"


def from_request(request: dict) -> TransformSettings:
    """Return the settings of a CreateTransformJob request (AWS field names); raise TransformValidationError."""
    tin, tout = _section(request, "TransformInput"), _section(request, "TransformOutput")
    source = _section(_section(tin, "DataSource", "TransformInput."), "S3DataSource", "TransformInput.DataSource.")
    processing, client = _section(request, "DataProcessing"), _section(request, "ModelClientConfig")
    errors = _required(request, tin, tout, source)
    for where, value in (
        ("transformInput.dataSource.s3DataSource.s3Uri", source.get("S3Uri")),
        ("transformOutput.s3OutputPath", tout.get("S3OutputPath")),
    ):
        if isinstance(value, str) and not S3_URI.match(value):
            errors.append(
                _constraint(value, where, f"Member must satisfy regular expression pattern: {S3_URI.pattern}")
            )
    _raise(errors)
    return TransformSettings(
        input_uri=source["S3Uri"],
        output_path=tout["S3OutputPath"],
        input_data_type=source.get("S3DataType", "S3Prefix"),
        content_type=tin.get("ContentType"),
        compression_type=tin.get("CompressionType") or "None",
        split_type=tin.get("SplitType") or "None",
        batch_strategy=request.get("BatchStrategy"),
        max_payload_in_mb=request.get("MaxPayloadInMB"),
        max_concurrent_transforms=request.get("MaxConcurrentTransforms"),
        environment=dict(request.get("Environment") or {}),
        accept=tout.get("Accept"),
        assemble_with=tout.get("AssembleWith") or "None",
        input_filter=processing.get("InputFilter") or "$",
        output_filter=processing.get("OutputFilter") or "$",
        join_source=processing.get("JoinSource") or "None",
        invocations_timeout_s=client.get("InvocationsTimeoutInSeconds", DEFAULT_TIMEOUT_S),
        invocations_max_retries=client.get("InvocationsMaxRetries", DEFAULT_MAX_RETRIES),
    )


def _section(doc: dict, key: str, where: str = "") -> dict:
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TransformValidationError(
            f"{where}{key} must be a JSON object, got {type(value).__name__}",
            "send it as CreateTransformJob's request syntax shows",
        )
    return value


def _required(request: dict, tin: dict, tout: dict, source: dict) -> list[str]:
    needed = (
        ("transformInput", request.get("TransformInput")),
        ("transformOutput", request.get("TransformOutput")),
        ("transformInput.dataSource.s3DataSource.s3Uri", source.get("S3Uri")),
        ("transformOutput.s3OutputPath", tout.get("S3OutputPath")),
    )
    return [_constraint(None, where, "Member must not be null") for where, value in needed if value is None]


def check(s: TransformSettings) -> None:
    """Raise TransformValidationError listing every field of `s` that breaks a rule."""
    errors = [
        e
        for e in (
            _enum(s.input_data_type, "transformInput.dataSource.s3DataSource.s3DataType", S3_DATA_TYPES),
            _enum(s.compression_type, "transformInput.compressionType", COMPRESSION_TYPES),
            _enum(s.split_type, "transformInput.splitType", SPLIT_TYPES),
            _enum(s.batch_strategy, "batchStrategy", STRATEGIES),
            _enum(s.assemble_with, "transformOutput.assembleWith", ASSEMBLE_WITH),
            _enum(s.join_source, "dataProcessing.joinSource", JOIN_SOURCES),
            _range(s.max_payload_in_mb, "maxPayloadInMB", 0, MAX_PAYLOAD_IN_MB),
            _range(s.max_concurrent_transforms, "maxConcurrentTransforms", 0, None),
            _range(s.invocations_timeout_s, "modelClientConfig.invocationsTimeoutInSeconds", *TIMEOUT_RANGE),
            _range(s.invocations_max_retries, "modelClientConfig.invocationsMaxRetries", *RETRIES_RANGE),
            _jsonpath(s.input_filter, "dataProcessing.inputFilter", s.content_type),
            _jsonpath(s.output_filter, "dataProcessing.outputFilter", s.accept),
        )
        if e
    ] + _environment(s.environment)
    _raise(errors)
    _raise([e for e in (_rule_batch_strategy(s), _rule_concurrency(s), _rule_data_processing(s)) if e])


def _raise(errors: list[str]) -> None:
    if len(errors) == 1:
        raise TransformValidationError(f"1 validation error detected: {errors[0]}", "fix the field named above")
    if errors:
        raise TransformValidationError(
            f"{len(errors)} validation errors detected: " + "; ".join(errors), "fix the fields named above"
        )


def _constraint(value: Any, where: str, rule: str) -> str:
    shown = "null" if value is None else str(value)
    return f"Value '{shown}' at '{where}' failed to satisfy constraint: {rule}"


def _enum(value: Any, where: str, allowed: tuple[str, ...]) -> str | None:
    if value is None or value in allowed:
        return None
    return _constraint(value, where, f"Member must satisfy enum value set: [{', '.join(allowed)}]")


def _range(value: Any, where: str, low: int, high: int | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        return _constraint(value, where, "Member must be an integer")
    if value < low:
        return _constraint(value, where, f"Member must have value greater than or equal to {low}")
    if high is not None and value > high:
        return _constraint(value, where, f"Member must have value less than or equal to {high}")
    return None


def _environment(env: dict) -> list[str]:
    errors = []
    if len(env) > MAX_ENVIRONMENT_ENTRIES:
        errors.append(
            _constraint(
                f"{len(env)} entries", "environment", f"Member must have at most {MAX_ENVIRONMENT_ENTRIES} entries"
            )
        )
    for key, value in env.items():
        if not isinstance(key, str) or not ENV_KEY.match(key):
            errors.append(
                _constraint(key, "environment", f"Map keys must satisfy regular expression pattern: {ENV_KEY.pattern}")
            )
        elif not isinstance(value, str) or len(value) > MAX_ENV_VALUE_CHARS:
            errors.append(
                _constraint(
                    f"{key}=...",
                    "environment",
                    f"Map value must be a string of at most {MAX_ENV_VALUE_CHARS} characters",
                )
            )
    return errors


def _jsonpath(text: str, where: str, content_type: str | None) -> str | None:
    if len(text) > MAX_JSONPATH_CHARS:
        return _constraint(text, where, f"Member must have length less than or equal to {MAX_JSONPATH_CHARS}")
    bad = next((c for c in text if not (c.isascii() and c.isalnum()) and c not in JSONPATH_OPERATORS), None)
    if bad is not None:
        return (
            f'Invalid {where.split(".")[-1][0].upper()}{where.split(".")[-1][1:]}: "{text}". Unexpected '
            f'"{bad}" in JsonPath. Supported operators for "{media_type(content_type) or "None"}" are '
            f"{list(JSONPATH_OPERATORS)}"
        )
    try:
        jsonpath.parse(text)
    except JsonPathError as err:
        return f"{where}: {err}"
    return None


def _rule_batch_strategy(s: TransformSettings) -> str | None:
    if s.batch_strategy is not None and s.split_type == "None":
        return (
            f"BatchStrategy {s.batch_strategy} needs a TransformInput.SplitType (Line, RecordIO or TFRecord); "
            "with SplitType None every request carries one whole input object: leave BatchStrategy out"
        )
    return None


def _rule_concurrency(s: TransformSettings) -> str | None:
    payload = DEFAULT_MAX_PAYLOAD_IN_MB if s.max_payload_in_mb is None else s.max_payload_in_mb
    if s.max_concurrent_transforms and s.max_concurrent_transforms * payload > MAX_PAYLOAD_IN_MB:
        return (
            f"MaxConcurrentTransforms x MaxPayloadInMB must not exceed {MAX_PAYLOAD_IN_MB} MB: "
            f"{s.max_concurrent_transforms} x {payload} = {s.max_concurrent_transforms * payload}"
        )
    return None


def _rule_data_processing(s: TransformSettings) -> str | None:
    if not s.processes_data:
        return None
    for name, value in (("TransformInput.ContentType", s.content_type), ("TransformOutput.Accept", s.accept)):
        if media_type(value) not in DATA_FORMATS:
            return (
                f"DataProcessing (InputFilter, OutputFilter, JoinSource) works on JSON and CSV only: {name} "
                f"must be one of {', '.join(DATA_FORMATS)}, got {value!r}"
            )
    if (
        media_type(s.content_type) == "text/csv"
        and s.join_source == "Input"
        and (s.split_type != "Line" or s.assemble_with != "Line")
    ):
        return (
            "JoinSource Input with text/csv needs TransformInput.SplitType Line and TransformOutput.AssembleWith "
            f"Line (got SplitType {s.split_type}, AssembleWith {s.assemble_with})"
        )
    return None
