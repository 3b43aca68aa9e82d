"""Model data: a folder packs to the same bytes every time; uploads are keyed by sha256 and skipped when present."""

import os
import tarfile
import time

import pytest

from emulator.live import DeployError
from emulator.live.modeldata import archive_of, key_of, pack, sha256_of, upload
from tests.unit.emulator.inprocess_moto import s3_with_bucket


def model_folder(root):
    (root / "sub").mkdir(parents=True)
    (root / "model.json").write_text('{"a": 1}')
    (root / "sub" / "weights.bin").write_bytes(b"\x00\x01" * 100)
    return root


def test_a_folder_packs_to_the_same_bytes_whatever_the_times_and_order(tmp_path):
    folder = model_folder(tmp_path / "m")
    first = pack(folder, tmp_path / "one.tar.gz")
    time.sleep(0.01)
    os.utime(folder / "model.json", (1, 1))
    (folder / "sub" / "weights.bin").touch()
    second = pack(folder, tmp_path / "two.tar.gz")
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["model.json", "sub", "sub/weights.bin"]
    assert {m.mtime for m in members} == {0} and {m.uid for m in members} == {0}
    (folder / "model.json").write_text('{"a": 2}')
    assert sha256_of(pack(folder, tmp_path / "three.tar.gz")) != sha256_of(first)


def test_the_key_is_the_archives_sha256(tmp_path):
    archive = pack(model_folder(tmp_path / "m"), tmp_path / "m.tar.gz")
    assert key_of(archive, "/deploys/") == f"deploys/{sha256_of(archive)}/model.tar.gz"
    assert key_of(archive, "") == f"{sha256_of(archive)}/model.tar.gz"
    assert archive_of(archive, tmp_path) == archive


@pytest.fixture(scope="module")
def s3():
    with s3_with_bucket("models") as client:
        yield client


def test_an_archive_is_uploaded_once(s3, tmp_path):
    archive = pack(model_folder(tmp_path / "m"), tmp_path / "m.tar.gz")
    key = key_of(archive, "byoc")
    assert upload(s3, archive, "models", key) is True
    assert upload(s3, archive, "models", key) is False
    assert s3.get_object(Bucket="models", Key=key)["Body"].read() == archive.read_bytes()


def test_a_missing_bucket_is_a_clear_error(s3, tmp_path):
    archive = pack(model_folder(tmp_path / "m"), tmp_path / "m.tar.gz")
    with pytest.raises(DeployError, match="bucket nowhere does not exist"):
        upload(s3, archive, "nowhere", key_of(archive, "byoc"))
