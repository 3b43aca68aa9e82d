"""Errors that carry their HTTP status; the app renders each once as a text/plain response.

ServingError               500, base: message + status
├── BadRequest             400, the body is malformed (says what was wrong)
├── NotAcceptable          406, Accept names nothing this model can return (names what it can)
├── UnsupportedMediaType   415, the Content-Type is not decoded here (names what is accepted)
└── DependencyError        502/503, a service the handler calls failed (says which and why)
ModelLoadError             the model in /opt/ml/model cannot be loaded (ends start-up)
ConfigError                an environment variable has a bad value (ends start-up)
"""


class ServingError(Exception):
    """Base of the errors a request can end with; carries its HTTP status."""

    status = 500

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class BadRequest(ServingError):
    """The request body is malformed."""

    status = 400


class NotAcceptable(ServingError):
    """The Accept header names no media type this model returns."""

    status = 406


class UnsupportedMediaType(ServingError):
    """The Content-Type is not one this model decodes."""

    status = 415


class DependencyError(ServingError):
    """A service the handler depends on failed (502) or cannot be reached (503)."""

    status = 502


class ModelLoadError(Exception):
    """The model files cannot be read or make no sense."""


class ConfigError(Exception):
    """An environment variable has a value the server cannot use."""
