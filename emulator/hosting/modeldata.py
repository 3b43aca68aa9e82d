"""Unpack a ModelDataUrl (a local model.tar.gz or folder) once into a folder to mount at /opt/ml/model."""

import hashlib
import shutil
import tarfile
import tempfile
from pathlib import Path

from emulator.config import MODEL_CACHE_DIR as CACHE_DIR
from emulator.errors import SpecError


def unpack_model(source: Path, cache_dir: Path = CACHE_DIR) -> Path:
    """Return a folder holding the model's files: the folder itself, or the archive unpacked once."""
    source = Path(source).resolve()
    if source.is_dir():
        return source
    if not source.is_file():
        raise SpecError(f"ModelDataUrl {source} does not exist", "give a local model.tar.gz or a folder")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    target = cache_dir / f"{source.stem.removesuffix('.tar')}-{digest}"
    if target.is_dir():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=cache_dir))
    try:
        with tarfile.open(source, "r:*") as archive:
            archive.extractall(staging, filter="data")
    except (tarfile.TarError, OSError) as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise SpecError(f"ModelDataUrl {source} is not a readable .tar.gz: {err}", "pack it with `tar -czf model.tar.gz -C DIR .`") from None
    for path in [staging, *staging.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # readable by a container's non-root user
    try:
        staging.rename(target)
    except OSError:  # another process unpacked the same archive first
        shutil.rmtree(staging, ignore_errors=True)
    return target
