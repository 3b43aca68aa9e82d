"""Where an input object's results go, and how its pieces are assembled into one `.out` object.

API reference, TransformOutput.S3OutputPath: "For every S3 object used as input for the transform job,
batch transform stores the transformed data with an .out suffix in a corresponding subfolder in the
location in the output prefix", and ".out file only if the transform job succeeds on the entire file".
We name it `<S3OutputPath>/<input key relative to the prefix>.out`, the prefix being the S3Uri up to
its last "/" (an S3Uri `s3://b/in/part` matches `in/part-1.csv`, which becomes `part-1.csv.out`). For
a ManifestFile the keys are relative to the manifest's `{"prefix": ...}` (TransformS3DataSource.S3Uri:
`[{"prefix": "s3://customer_bucket/some/prefix/"}, "relative/path/to/custdata-1", ...]`), so
`relative/path/to/custdata-1.out`.

TransformOutput.AssembleWith: "To concatenate the results in binary format, specify None. To add a
newline character at the end of every transformed record, specify Line." With Line a piece that
already ends in "\n" gets no second one.
"""

import json
from collections.abc import Iterable

from .errors import TransformValidationError

OUT_SUFFIX = ".out"


def relative_key(prefix: str, key: str) -> str:
    """Return `key` relative to the folder part of an S3Prefix (`in/part` -> relative to `in/`)."""
    base = prefix[: prefix.rfind("/") + 1]
    if not key.startswith(base):
        raise ValueError(f"{key!r} does not lie under the prefix {prefix!r}")
    return key[len(base) :]


def output_location(output_path: str, relative: str) -> str:
    """Return `<output_path>/<relative>.out`."""
    return f"{output_path.rstrip('/')}/{relative}{OUT_SUFFIX}"


def read_manifest(document: bytes | str) -> tuple[str, list[str]]:
    """Return (prefix, relative keys) of a ManifestFile; raise TransformValidationError when malformed."""
    try:
        entries = json.loads(document)
    except ValueError as err:
        raise _bad_manifest(f"it is not JSON ({err})") from None
    if (
        not isinstance(entries, list)
        or not entries
        or not isinstance(entries[0], dict)
        or not isinstance(entries[0].get("prefix"), str)
    ):
        raise _bad_manifest('it must be a JSON array whose first element is {"prefix": "s3://bucket/prefix/"}')
    keys = entries[1:]
    if not keys or not all(isinstance(k, str) and k for k in keys):
        raise _bad_manifest("after the prefix it must list one or more relative keys as strings")
    return entries[0]["prefix"], keys


def _bad_manifest(why: str) -> TransformValidationError:
    return TransformValidationError(
        f"the ManifestFile cannot be read: {why}",
        'write it as [{"prefix": "s3://bucket/prefix/"}, "relative/key-1", ...]',
    )


def assemble(pieces: Iterable[bytes], assemble_with: str) -> bytes:
    """Return one object from the pieces in order: concatenated (None), or each ending in a newline (Line)."""
    if assemble_with != "Line":
        return b"".join(pieces)
    return b"".join(p if p.endswith(b"\n") else p + b"\n" for p in pieces)
