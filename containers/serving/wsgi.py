"""The WSGI entry point gunicorn imports: the handler from BYOC_HANDLER with its model loaded once."""

import logging
import sys

from gunicorn.errors import AppImportError

from .app import load_app
from .config import ServeSettings
from .errors import ModelLoadError

logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
try:
    app = load_app(ServeSettings.from_env())
except ModelLoadError as err:  # gunicorn prints the message alone and stops: "App failed to load"
    raise AppImportError(f"serving: {err}") from None
