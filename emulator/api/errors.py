"""Errors of the SageMaker Runtime API surface, each carrying its AWS error code and HTTP status.

    ApiError                        base: code + status + message, rendered once by `emulator.api.server`
    ├── ValidationError             400  bad request: unknown endpoint, oversize body, bad header
    ├── UnknownOperation            404  no such route (what AWS answers for a path it does not serve)
    ├── ModelError                  424  a container failed; adds OriginalStatusCode, OriginalMessage,
    │                                    LogStreamArn
    ├── ModelNotReadyException      429  the endpoint is still starting
    ├── InternalFailure             500  a bug in the emulator
    ├── ServiceUnavailable          503  the emulator is shutting down
    ├── InternalDependencyException 530  a side service failed
    └── ControlError                     the control plane's (protocol json): body {"__type", "message"}
        ├── ValidationException     400  bad request, unknown or duplicate resource, wrong state
        ├── ResourceNotFound        400  the few operations whose model names it (not Describe*)
        ├── ResourceInUse           400  a resource another one still needs
        ├── ResourceLimitExceeded   400  a quota of the local account
        └── UnknownOperationException 400  an X-Amz-Target the emulator does not serve

Runtime codes and statuses are those of botocore's `sagemaker-runtime/2017-05-13` service model,
control-plane ones those of `sagemaker/2017-07-24` (botocore's JSON parser reads `__type` and
`message`). Lower layers (the forwarder, emulator.resources) raise these; only the API edge turns
them into HTTP responses.
"""

# Messages are capped like SageMaker's `Message` shape (max 2048 characters).
MAX_MESSAGE_CHARS = 2048


class ApiError(Exception):
    """Base of every error the runtime API answers with."""

    code = "InternalFailure"
    status = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message[:MAX_MESSAGE_CHARS]

    def fields(self) -> dict:
        """Return the JSON body fields botocore reads for this error."""
        return {"Message": self.message}


class ValidationError(ApiError):
    """The request is wrong: unknown endpoint, oversize body, bad header."""

    code = "ValidationError"
    status = 400


class UnknownOperation(ApiError):
    """No operation is served at this method and path."""

    code = "UnknownOperationException"
    status = 404


class ModelError(ApiError):
    """A container answered with an error, was unreachable, or timed out."""

    code = "ModelError"
    status = 424

    def __init__(
        self,
        message: str,
        original_status_code: int,
        original_message: str,
        log_stream_arn: str,
        hostname: str | None = None,
    ):
        super().__init__(message)
        self.original_status_code = original_status_code
        self.original_message = original_message[:MAX_MESSAGE_CHARS]
        self.log_stream_arn = log_stream_arn
        self.hostname = hostname  # the failing container (not sent to the caller)

    def fields(self) -> dict:
        return {
            "Message": self.message,
            "OriginalStatusCode": self.original_status_code,
            "OriginalMessage": self.original_message,
            "LogStreamArn": self.log_stream_arn,
        }


class ModelNotReadyException(ApiError):
    """The endpoint exists but its containers are still starting."""

    code = "ModelNotReadyException"
    status = 429


class InternalFailure(ApiError):
    """The emulator itself failed (a bug): the message says what happened."""

    code = "InternalFailure"
    status = 500


class ServiceUnavailable(ApiError):
    """The emulator cannot serve the request now (e.g. it is shutting down)."""

    code = "ServiceUnavailable"
    status = 503


class InternalDependencyException(ApiError):
    """A side service the endpoint depends on failed."""

    code = "InternalDependencyException"
    status = 530


class ControlError(ApiError):
    """Base of the control plane's errors: rendered as `{"__type": code, "message": ...}` (protocol json)."""

    code = "ValidationException"
    status = 400

    def fields(self) -> dict:
        return {"__type": self.code, "message": self.message}


class ValidationException(ControlError):
    """A control-plane request SageMaker refuses: bad field, missing or duplicate resource, wrong state."""

    code = "ValidationException"


class ResourceNotFound(ControlError):
    """A resource that does not exist, for the operations whose model declares ResourceNotFound."""

    code = "ResourceNotFound"


class ResourceInUse(ControlError):
    """A resource still in use by another."""

    code = "ResourceInUse"


class ResourceLimitExceeded(ControlError):
    """A limit of the local account was reached."""

    code = "ResourceLimitExceeded"


class UnknownControlOperation(ControlError):
    """An X-Amz-Target operation the emulator does not serve."""

    code = "UnknownOperationException"
