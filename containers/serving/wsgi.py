"""The WSGI entry point gunicorn imports: the handler from BYOC_HANDLER with its model loaded once.

gunicorn imports it in each worker, or once in its master before forking them (BYOC_PRELOAD,
serving/server.py). A model that cannot load ends that process with its message alone and gunicorn's
exit code for an app that failed to load (4): no traceback in the container's log; a worker's exit 4
makes gunicorn's master stop with code 4 too.
"""

import logging
import sys

from .app import load_app
from .config import ServeSettings
from .errors import ModelLoadError

APP_LOAD_ERROR = 4  # gunicorn.arbiter.Arbiter.APP_LOAD_ERROR: the exit code of a server whose app failed to load

logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
try:
    app = load_app(ServeSettings.from_env())
except ModelLoadError as err:
    print(f"serving: {err}", file=sys.stderr, flush=True)
    raise SystemExit(APP_LOAD_ERROR) from None
