"""The model cache: unpacked once, reused only while its recorded digest matches."""

import io
import tarfile

import pytest

from emulator.errors import SpecError
from emulator.hosting.modeldata import tree_digest, unpack_model


def archive(path, files: dict[str, bytes]):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_unpacked_once_and_reused(tmp_path):
    source = archive(tmp_path / "model.tar.gz", {"model.json": b"{}"})
    first = unpack_model(source, tmp_path / "cache")
    assert (first / "model.json").read_bytes() == b"{}"
    assert first.with_name(first.name + ".sha256").read_text().strip() == tree_digest(first)
    assert unpack_model(source, tmp_path / "cache") == first


def test_a_changed_or_planted_cache_folder_is_replaced(tmp_path):
    source = archive(tmp_path / "model.tar.gz", {"model.json": b"{}"})
    cached = unpack_model(source, tmp_path / "cache")
    (cached / "evil.pkl").write_bytes(b"cos\nsystem\n")
    again = unpack_model(source, tmp_path / "cache")
    assert sorted(p.name for p in again.iterdir()) == ["model.json"]


def test_a_folder_planted_before_the_first_unpack_is_not_trusted(tmp_path):
    source = archive(tmp_path / "model.tar.gz", {"model.json": b"{}"})
    cache = tmp_path / "cache"
    name = unpack_model(source, cache).name
    for path in cache.iterdir():
        if path.is_dir():
            for f in path.iterdir():
                f.unlink()
            path.rmdir()
        else:
            path.unlink()
    (cache / name).mkdir()
    (cache / name / "planted.pkl").write_bytes(b"x")
    assert sorted(p.name for p in unpack_model(source, cache).iterdir()) == ["model.json"]


def test_a_missing_archive_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        unpack_model(tmp_path / "nope.tar.gz", tmp_path / "cache")
