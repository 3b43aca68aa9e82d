"""Where running `byoc up` / `byoc serve` processes answer: one small JSON file each, in the per-user state folder.

A file whose process is gone (killed with SIGKILL, a crash, a reboot) is stale: `byoc ls`,
`byoc invoke` and `byoc down` never use it, and `byoc down` removes it. A process is the recorded
one only while its pid lives *and* (on Linux) its start time is the recorded one, so a pid reused
by an unrelated process does not make a stale file look live.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from emulator.config import ENDPOINT_STATE_DIR


@dataclass(frozen=True)
class Record:
    """One state file: the name, URL and pid it records, and whether that process still runs."""

    path: Path
    name: str
    url: str
    pid: int
    live: bool


def process_started(pid: int) -> str | None:
    """Return a process's start time in clock ticks since boot (/proc/PID/stat), or None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22 of stat; fields 1-2 end with the ")" of the name


def _alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)  # another user's process (PermissionError) is not ours: the pid was reused
    except OSError:
        return False
    return started is None or process_started(pid) in (None, started)


def record(name: str, url: str, directory: Path | None = None) -> Path:
    """Write where this process answers (atomically, private to the user) and return the file."""
    directory = directory or ENDPOINT_STATE_DIR
    directory.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    path, partial = directory / f"{name}.json", directory / f".{name}.json.{pid}"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"name": name, "url": url, "pid": pid, "started": process_started(pid)}, out)
    os.replace(partial, path)
    return path


def read(path: Path) -> Record | None:
    """Return the record in `path`, or None when it is unreadable or not ours."""
    try:
        state = json.loads(path.read_text())
        pid, url = int(state["pid"]), str(state["url"])
        started = state.get("started")
        return Record(path, str(state.get("name") or path.stem), url, pid, _alive(pid, started))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def records(directory: Path | None = None) -> list[Record]:
    """Return every readable record, live or stale, by file name."""
    found = [read(path) for path in sorted((directory or ENDPOINT_STATE_DIR).glob("*.json"))]
    return [r for r in found if r is not None]


def live_urls(directory: Path | None = None) -> list[str]:
    """Return the URL of every recorded process that still runs, once each."""
    urls: list[str] = []
    for found in records(directory):
        if found.live and found.url not in urls:
            urls.append(found.url)
    return urls


def recorded_url(name: str, directory: Path | None = None) -> str | None:
    """Return the URL recorded under `name` while its process runs, else None."""
    found = read((directory or ENDPOINT_STATE_DIR) / f"{name}.json")
    return found.url if found is not None and found.live else None


def remove_stale(directory: Path | None = None) -> list[Path]:
    """Remove every state file whose process is gone (or that cannot be read); return them."""
    removed = []
    for path in sorted((directory or ENDPOINT_STATE_DIR).glob("*.json")):
        found = read(path)
        if found is None or not found.live:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
