"""Errors the project raises, each carrying what went wrong and what to do about it.

    ByocError                      base: message + hint, rendered by the CLI without a traceback
    ├── EngineUnavailable          no Docker engine answers and none could be started
    ├── ImageError                 a base image or one of our images cannot be had or built
    ├── SpecError                  a pipeline definition breaks a rule (names the field and the rule)
    └── EndpointError              an endpoint could not be started, reached or torn down
        ├── ContainerFailed        a container never passed its ping: also carries SageMaker's FailureReason
        └── SweepIncomplete        a removal by label left networks in use: also carries what it did remove

Errors of the SageMaker Runtime API surface (ModelError, ValidationError, ...) live in
`emulator.api.errors`: they carry an AWS error code and HTTP status and are rendered once, at the
API edge.
"""


class ByocError(Exception):
    """Base of every error the CLI reports as a message instead of a traceback."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class EngineUnavailable(ByocError):
    """No Docker engine answers and none could be started."""


class ImageError(ByocError):
    """A base image or one of the project's images cannot be had or built."""


class SpecError(ByocError):
    """A pipeline definition breaks a rule; the message names the field and the rule."""


class EndpointError(ByocError):
    """An endpoint could not be started, reached or torn down."""


class ContainerFailed(EndpointError):
    """A container did not pass its ping health check; `failure_reason` is what SageMaker would report."""

    def __init__(self, message: str, hint: str | None = None, failure_reason: str = ""):
        super().__init__(message, hint)
        self.failure_reason = failure_reason or message


class SweepIncomplete(EndpointError):
    """A removal by label left networks in use; `removed` says what it did remove ("container NAME", ...)."""

    def __init__(self, message: str, hint: str | None = None, removed: list[str] | None = None):
        super().__init__(message, hint)
        self.removed = list(removed or [])
