"""Per-user folders for the model cache and endpoint state: created 0700, refused when someone else can write them.

A shared folder such as /tmp is no place for what ends up mounted at /opt/ml/model (a pickle in
it runs in the container) or for the state `byoc invoke` trusts, so both live under
`$XDG_CACHE_HOME/byoc` (default ~/.cache/byoc) unless BYOC_CACHE_DIR / BYOC_STATE_DIR say otherwise,
and every use checks the folder is ours and private.
"""

import os
import stat
from pathlib import Path

from emulator.errors import ByocError


def base_dir(environ=os.environ) -> Path:
    """Return `$XDG_CACHE_HOME/byoc`, or ~/.cache/byoc."""
    root = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "byoc"


def private_dir(path: Path) -> Path:
    """Create `path` (mode 0700) if missing and return it; raise ByocError when it is not ours alone."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise ByocError(
            f"{path} is not a plain folder (a link or a file stands there)",
            "remove it, or point BYOC_CACHE_DIR / BYOC_STATE_DIR at a folder of your own",
        )
    if info.st_uid != os.getuid():
        raise ByocError(
            f"{path} belongs to user id {info.st_uid}, not to you ({os.getuid()}): byoc will not "
            "mount or trust what someone else put there",
            "remove it, or point BYOC_CACHE_DIR / BYOC_STATE_DIR at a folder of your own",
        )
    if info.st_mode & 0o077:
        path.chmod(0o700)
    return path
