"""Per-user private folders: created 0700, refused when they are links or not private to us."""

import os

import pytest

from emulator.errors import ByocError
from emulator.userdirs import base_dir, private_dir


def test_base_dir_follows_xdg_cache_home(tmp_path):
    assert base_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "byoc"


def test_created_private(tmp_path):
    folder = private_dir(tmp_path / "a" / "models")
    assert folder.is_dir() and folder.stat().st_mode & 0o777 == 0o700


def test_an_open_folder_of_ours_is_closed(tmp_path):
    folder = tmp_path / "open"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    private_dir(folder)
    assert folder.stat().st_mode & 0o777 == 0o700


def test_a_link_planted_under_the_name_is_refused(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "models").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ByocError, match="not a plain folder"):
        private_dir(tmp_path / "models")


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to make a folder owned by someone else")
def test_a_folder_of_another_user_is_refused(tmp_path):
    folder = tmp_path / "theirs"
    folder.mkdir()
    os.chown(folder, 12345, 12345)
    with pytest.raises(ByocError, match="belongs to user id 12345"):
        private_dir(folder)
