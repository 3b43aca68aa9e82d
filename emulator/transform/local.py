"""Local files as a transform job's input and output: a folder (or one file) in, a folder out."""

import struct
from collections.abc import Iterator
from pathlib import Path

from .errors import TransformError
from .output import read_manifest


class LocalInput:
    """The files under a folder (every file, recursively, in name order) or one file, keyed relative to it."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.exists():
            raise TransformError(f"the input {self.path} does not exist", "pass an existing file or folder to --input")
        root = self.path if self.path.is_dir() else self.path.parent
        files = sorted(p for p in self.path.rglob("*") if p.is_file()) if self.path.is_dir() else [self.path]
        self.files = [(p.relative_to(root).as_posix(), p) for p in files if not _hidden(p.relative_to(root))]
        if not self.files:
            raise TransformError(f"the input folder {self.path} holds no files", "put the input objects in it")

    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        for key, path in self.files:
            yield key, path.read_bytes()

    def total_bytes(self, gzipped: bool) -> int:
        """Return the decompressed size of all files (for Gzip, read from each file's ISIZE trailer)."""
        return sum(_gzip_size(p) if gzipped else p.stat().st_size for _, p in self.files)


class LocalManifestInput(LocalInput):
    """The files a ManifestFile lists, its `{"prefix": ...}` a local folder (relative to the manifest's)."""

    def __init__(self, manifest: str | Path):
        manifest = Path(manifest)
        if manifest.is_dir():
            raise TransformError(
                f"--input {manifest} is a folder; with --s3-data-type ManifestFile it names a manifest file",
                "pass the manifest file, or leave out --s3-data-type ManifestFile to read every file in the folder",
            )
        if not manifest.is_file():
            raise TransformError(f"the manifest {manifest} does not exist", "pass a ManifestFile to --input")
        prefix, keys = read_manifest(manifest.read_bytes())
        if "://" in prefix:
            raise TransformError(
                f"the manifest's prefix {prefix!r} is not a local folder",
                "locally the prefix names a folder; s3:// inputs come with the control plane",
            )
        root = manifest.parent / prefix
        missing = [k for k in keys if not (root / k).is_file()]
        if missing:
            raise TransformError(
                f"the manifest lists {len(missing)} file(s) missing under {root}: {', '.join(missing[:5])}",
                "fix the manifest or its prefix",
            )
        self.path = manifest
        self.files = [(key, root / key) for key in keys]


class LocalOutput:
    """Write each `.out` under a folder; the location the runner gives is `<folder>/<key>.out`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise TransformError(
                f"the output {self.path} is a file", "pass a folder (created when missing) to --output"
            )

    def __call__(self, location: str, body: bytes) -> None:
        target = Path(location)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(body)
        partial.replace(target)


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _gzip_size(path: Path) -> int:
    """Return ISIZE (RFC 1952: the uncompressed size modulo 2**32) of a gzip file, or its own size."""
    with path.open("rb") as handle:
        if handle.read(2) != b"\x1f\x8b":
            return path.stat().st_size
        handle.seek(-4, 2)
        return struct.unpack("<I", handle.read(4))[0]
