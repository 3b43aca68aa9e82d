"""A transform job's input and output in S3 (the local one): S3Prefix or ManifestFile in, `.out` objects out.

Takes a boto3 S3 client (the control plane gives one bound to the session's local AWS); imports no boto3.

- S3Prefix: every object whose key starts with the S3Uri's key, in S3's listing order (by key), keyed
  for the output relative to the prefix's folder (`output.relative_key`); "folder" objects (keys ending
  in "/") are skipped.
- ManifestFile: the manifest object `[{"prefix": "s3://bucket/prefix/"}, "relative/key", ...]`
  (TransformS3DataSource.S3Uri, API reference); each object is `prefix + relative key`, and its output
  is keyed by the relative key.
- Nothing to read: the job fails before its containers start, in the words SageMaker uses for an empty
  input prefix of a training job, as public error reports quote CreateTrainingJob's ValidationException
  ('No S3 objects found under S3 URL "s3://BUCKET/PREFIX" given in input data source. Please ensure that
  the bucket exists in the selected region (us-east-1), that objects exist under that S3 prefix, ...').
  The guide does not say whether a transform job refuses it at create time or fails: here it fails.
Objects are listed once up front and read in order as the runner asks for them, a few ahead in threads.
"""

import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from .errors import TransformError
from .output import read_manifest, relative_key
from .settings import TransformSettings

S3_URL = re.compile(r"s3://([^/]+)/?(.*)$")
READ_AHEAD = 4  # objects read ahead of the one being split and sent (S3 latency hidden behind the model's)
READ_AHEAD_BYTES = 256 * 1024 * 1024  # and at most this many bytes of them (by the listing's sizes) held at once


def split_s3_url(url: str) -> tuple[str, str]:
    """Return (bucket, key) of `s3://bucket/key`; raise TransformError for anything else."""
    match = S3_URL.match(url)
    if not match:
        raise TransformError(
            f"{url!r} is not an s3://bucket/key URL", "give S3Uri and S3OutputPath as s3://bucket/prefix"
        )
    return match.group(1), match.group(2)


@dataclass(frozen=True)
class S3Object:
    """One input object: where it is, and the key its output is named after."""

    relative: str
    bucket: str
    key: str
    size: int | None = None


class S3Input:
    """The input objects of a job, listed at construction; iterating reads them as (relative key, bytes)."""

    def __init__(self, client, settings: TransformSettings, region: str = "us-east-1"):
        self.client = client
        self.region = region
        if settings.input_data_type == "ManifestFile":
            self.objects = self._manifest(settings.input_uri)
        else:
            self.objects = self._prefix(settings.input_uri)
        if not self.objects:
            raise TransformError(
                f'ClientError: No S3 objects found under S3 URL "{settings.input_uri}" given in input data source. '
                f"Please ensure that the bucket exists in the selected region ({region}), that objects exist "
                "under that S3 prefix",
                "upload the input objects first, or fix TransformInput.DataSource.S3DataSource.S3Uri",
            )

    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        """Yield (relative key, bytes) in order, reading ahead in threads: up to READ_AHEAD objects and (where
        the listing gave their sizes) READ_AHEAD_BYTES, so a few large objects are not all held at once.
        """
        with ThreadPoolExecutor(max_workers=READ_AHEAD, thread_name_prefix="s3-read") as pool:
            pending: deque[tuple[S3Object, Future]] = deque()
            objects = iter(self.objects)
            following = next(objects, None)
            try:
                while True:
                    while following is not None and len(pending) < READ_AHEAD:
                        held = sum(obj.size or 0 for obj, _ in pending)
                        if pending and held + (following.size or 0) > READ_AHEAD_BYTES:
                            break
                        pending.append((following, pool.submit(self._read, following)))
                        following = next(objects, None)
                    if not pending:
                        return
                    obj, future = pending.popleft()
                    yield obj.relative, future.result()
            finally:
                for _, future in pending:
                    future.cancel()

    def total_bytes(self, gzipped: bool) -> int | None:
        """Return the input's size for a progress bar, or None when it is not known (Gzip, a manifest)."""
        sizes = [obj.size for obj in self.objects]
        return None if gzipped or None in sizes else sum(s for s in sizes if s is not None)

    def _read(self, obj: S3Object) -> bytes:
        return self.client.get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read()

    def _prefix(self, url: str) -> list[S3Object]:
        bucket, prefix = split_s3_url(url)
        found = []
        for page in self._pages(url, Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                if not item["Key"].endswith("/"):
                    found.append(S3Object(relative_key(prefix, item["Key"]), bucket, item["Key"], item.get("Size")))
        return found

    def _manifest(self, url: str) -> list[S3Object]:
        bucket, key = split_s3_url(url)
        try:
            document = self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as err:  # botocore's ClientError (NoSuchKey, NoSuchBucket): the job cannot start
            raise TransformError(
                f"ClientError: cannot read the ManifestFile {url}: {_why(err)}", _hint(err, "upload the manifest first")
            ) from None
        prefix, keys = read_manifest(document)
        base_bucket, base_key = split_s3_url(prefix)
        return [S3Object(k, base_bucket, base_key + k) for k in keys]

    def _pages(self, url: str, **kwargs) -> Iterator[dict]:
        try:
            yield from self.client.get_paginator("list_objects_v2").paginate(**kwargs)
        except Exception as err:  # botocore's ClientError, e.g. NoSuchBucket
            raise TransformError(
                f"ClientError: cannot list the input {url}: {_why(err)}",
                _hint(err, "create the bucket and upload the input"),
            ) from None


class S3Output:
    """The runner's sink: store one `.out` body at its `s3://bucket/key` location."""

    def __init__(self, client):
        self.client = client

    def __call__(self, location: str, body: bytes) -> None:
        bucket, key = split_s3_url(location)
        self.client.put_object(Bucket=bucket, Key=key, Body=body)


def _why(err: Exception) -> str:
    response = getattr(err, "response", None)
    if isinstance(response, dict) and "Error" in response:
        return f"{response['Error'].get('Code')}: {response['Error'].get('Message')}"
    return f"{type(err).__name__}: {err}"


def _hint(err: Exception, when_answered: str) -> str:
    """Return what to do: `when_answered` when S3 answered with an error, else how to reach it."""
    if isinstance(getattr(err, "response", None), dict):
        return when_answered
    return "nothing answered: start `byoc serve` and pass its URL with --endpoint-url (or set AWS_ENDPOINT_URL)"
