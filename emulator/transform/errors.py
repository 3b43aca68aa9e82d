"""Errors of the batch transform engine.

    ByocError (emulator.errors)
    └── TransformError                 base: a transform job cannot start or run
        ├── TransformValidationError   a CreateTransformJob field breaks a rule (AWS code ValidationException, 400)
        └── ExecutionParametersError   a container's GET /execution-parameters answer is unusable
    FileFailure                        one input file cannot be transformed; names the file and the record
    ├── RecordError                    the bytes cannot be decompressed or split into records
    ├── OversizeRecord                 one record is larger than MaxPayloadInMB
    ├── FilterError                    an InputFilter / OutputFilter does not apply to a record
    ├── JoinError                      the model's answer cannot be matched to the input records
    └── InvocationFailed               the model failed every attempt
    ModelInvocationError               raised by an `invoke` callable when the model answers with an error
    JsonPathError                      a JSONPath expression outside SageMaker's subset (a ValueError)

A FileFailure fails its file only: the runner records it, writes no `.out` for that file and goes on
with the others; the job then ends Failed.
"""

from emulator.errors import ByocError


class TransformError(ByocError):
    """A transform job cannot start or run."""


class TransformValidationError(TransformError):
    """A CreateTransformJob field breaks one of SageMaker's rules; the message names the field."""

    code = "ValidationException"  # what the control plane answers with (JSON protocol `__type`)
    status = 400


class ExecutionParametersError(TransformError):
    """A container's GET /execution-parameters answer is not what SageMaker accepts."""


class ModelInvocationError(Exception):
    """The model answered an invocation with an error (or did not answer in time); retried by the runner."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class FileFailure(Exception):
    """One input file cannot be transformed: which file, which record (1-based) and why."""

    kind = "ClientError"  # the prefix SageMaker's job log gives a per-file failure (see runner)

    def __init__(self, detail: str, key: str | None = None, record: int | None = None, last: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.key = key
        self.record = record
        self.last = last  # the last record of the mini-batch that failed, when it held several

    def located(self, key: str, record: int | None = None, last: int | None = None) -> "FileFailure":
        """Return this failure with the file (and the records, when not known yet) filled in."""
        self.key = key
        if self.record is None:
            self.record, self.last = record, last
        return self

    def __str__(self) -> str:
        where = self.key or "?"
        if self.record is not None and self.last is not None and self.last > self.record:
            where += f", records {self.record}-{self.last}"
        elif self.record is not None:
            where += f", record {self.record}"
        return f"{where}: {self.detail}"


class RecordError(FileFailure):
    """The object cannot be decompressed or split into records."""


class OversizeRecord(FileFailure):
    """One record is larger than MaxPayloadInMB."""


class FilterError(FileFailure):
    """An InputFilter or OutputFilter does not apply to a record."""


class JoinError(FileFailure):
    """The model's answer cannot be matched one to one with the input records."""


class InvocationFailed(FileFailure):
    """The model failed on a mini-batch on every attempt; `status` is the model's last HTTP status, if any."""

    kind = "AlgorithmError"

    def __init__(
        self,
        detail: str,
        key: str | None = None,
        record: int | None = None,
        last: int | None = None,
        status: int | None = None,
    ):
        super().__init__(detail, key, record, last)
        self.status = status


class JsonPathError(ValueError):
    """A JSONPath expression is outside the subset SageMaker supports."""
