"""The serving stack shared by the three images: nginx in front of gunicorn in front of a Flask app.

A handler module (named by BYOC_HANDLER) supplies `load(model_dir) -> model` and
`invoke(model, body, content_type, accept) -> (body, content_type)`; everything else lives here.
"""

from .app import create_app
from .errors import BadRequest, DependencyError, ModelLoadError, NotAcceptable, ServingError, UnsupportedMediaType

__all__ = [
    "BadRequest",
    "DependencyError",
    "ModelLoadError",
    "NotAcceptable",
    "ServingError",
    "UnsupportedMediaType",
    "create_app",
]
