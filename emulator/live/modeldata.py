"""Model data to S3 as `s3://BUCKET/PREFIX/<sha256>/model.tar.gz`; a folder is packed the same way every time.

archive = archive_of(Path("model/"), workdir)      # deterministic: sorted, mtime 0, owner 0, gzip mtime 0
url = upload(s3, archive, "bucket", "byoc")         # skipped when the key is already there
"""

import gzip
import hashlib
import logging
import os
import tarfile
from pathlib import Path

from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import BotoCoreError, ClientError

from emulator.live.plan import DeployError

LOG = logging.getLogger(__name__)
ARCHIVE_NAME = "model.tar.gz"
CHUNK = 1 << 20
MISSING = ("404", "NoSuchKey", "NotFound")


def pack(folder: Path, target: Path) -> Path:
    """Write `folder`'s files to `target` as a tar.gz whose bytes depend only on names, contents and modes."""
    with open(target, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as zipped:
        with tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix()):
                if path.is_symlink() or not (path.is_file() or path.is_dir()):
                    continue  # links and devices are never packed: SageMaker unpacks what is plain
                info = tar.gettarinfo(str(path), arcname=path.relative_to(folder).as_posix())
                info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
                info.mode = 0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644
                if path.is_dir():
                    tar.addfile(info)
                else:
                    with open(path, "rb") as data:
                        tar.addfile(info, data)
    return target


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        while chunk := data.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def archive_of(model: Path, workdir: Path) -> Path:
    """Return the archive to upload for `model`: the .tar.gz itself, or the folder packed into `workdir`."""
    if model.is_dir():
        return pack(model, workdir / f"{model.name or 'model'}-{os.getpid()}-{id(model)}.tar.gz")
    return model


def key_of(archive: Path, prefix: str) -> str:
    """Return `PREFIX/<sha256>/model.tar.gz` for an archive."""
    head = prefix.strip("/")
    return f"{head}/{sha256_of(archive)}/{ARCHIVE_NAME}" if head else f"{sha256_of(archive)}/{ARCHIVE_NAME}"


def upload(s3, archive: Path, bucket: str, key: str) -> bool:
    """Upload `archive` to s3://bucket/key unless it is there already; return whether it was sent."""
    url = f"s3://{bucket}/{key}"
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return False
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code == "NoSuchBucket":
            raise DeployError(f"bucket {bucket} does not exist", "create it, or pass another --bucket") from None
        if code in ("403", "AccessDenied", "Forbidden"):
            # HeadObject answers 403, not 404, for a missing key without s3:ListBucket (S3 API reference, HeadObject)
            raise DeployError(
                f"S3 HeadObject {url}: access denied",
                f"grant s3:GetObject and s3:ListBucket on {bucket} (see docs/deploy.md), or pass another --bucket",
            ) from None
        if code not in MISSING:
            raise DeployError(f"S3 HeadObject {url} failed: {err}", "check --bucket and the credentials") from None
    except BotoCoreError as err:
        raise DeployError(f"S3 did not answer for {url}: {err}", "check --endpoint-url and the network") from None
    try:
        s3.upload_file(str(archive), bucket, key)
    except (BotoCoreError, ClientError, S3UploadFailedError) as err:
        if "NoSuchBucket" in str(err):
            raise DeployError(f"bucket {bucket} does not exist", "create it, or pass another --bucket") from None
        raise DeployError(f"uploading {archive} to {url} failed: {err}", "check --bucket and the credentials") from None
    LOG.info("uploaded %s to %s", archive, url)
    return True
