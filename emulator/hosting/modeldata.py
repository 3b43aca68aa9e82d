"""Unpack a ModelDataUrl (a local model.tar.gz or folder) once into a folder to mount at /opt/ml/model.

The cache is per user and private (emulator.userdirs); a cached folder is reused only when the
digest of its files, recorded beside it when it was unpacked, still matches, so nothing planted or
changed there reaches a container.
"""

import hashlib
import shutil
import tarfile
import tempfile
from pathlib import Path

from emulator.config import MODEL_CACHE_DIR as CACHE_DIR
from emulator.errors import SpecError
from emulator.userdirs import private_dir


def unpack_model(source: Path, cache_dir: Path = CACHE_DIR) -> Path:
    """Return a folder holding the model's files: the folder itself, or the archive unpacked once."""
    source = Path(source).resolve()
    if source.is_dir():
        return source
    if not source.is_file():
        raise SpecError(f"ModelDataUrl {source} does not exist", "give a local model.tar.gz or a folder")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    cache_dir = private_dir(cache_dir)
    target = cache_dir / f"{source.stem.removesuffix('.tar')}-{digest}"
    record = target.with_name(target.name + ".sha256")
    if target.is_dir():
        if record.is_file() and record.read_text().strip() == tree_digest(target):
            return target
        shutil.rmtree(target, ignore_errors=True)  # planted, changed or half-written: unpack again
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=cache_dir))
    try:
        with tarfile.open(source, "r:*") as archive:
            archive.extractall(staging, filter="data")
    except (tarfile.TarError, OSError) as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise SpecError(
            f"ModelDataUrl {source} is not a readable .tar.gz: {err}", "pack it with `tar -czf model.tar.gz -C DIR .`"
        ) from None
    for path in [staging, *staging.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # readable by a container's non-root user
    digest_of_tree = tree_digest(staging)
    try:
        staging.rename(target)
    except OSError:  # another process unpacked the same archive first
        shutil.rmtree(staging, ignore_errors=True)
        return target
    record.write_text(digest_of_tree + "\n")
    return target


def tree_digest(folder: Path) -> str:
    """Return a sha256 over every file's relative path and bytes under `folder`, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(b"link:" + str(path.readlink()).encode() if path.is_symlink() else path.read_bytes())
    return digest.hexdigest()
