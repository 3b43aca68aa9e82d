"""Where an endpoint's start time goes: the emulator's own steps, then each container's, from its log.

The emulator stamps each step of `ContainerGroup.start` (`group.stamps`, wall-clock); the images'
own log lines (Docker's timestamps) mark when the supervisor ran, the model had loaded (in gunicorn's
master before it listens where the image sets BYOC_PRELOAD, else in the first worker after it) and
gunicorn listened. Every time is in seconds from the start of the group's work; a container's steps
are shown in the order they happened.
"""

from datetime import datetime

import docker

# our images' log lines that end a step inside the container (containers/serving)
CONTAINER_MARKS = (
    ("supervisor up", "serving: starting"),
    ("model loaded", "loaded the model"),
    ("gunicorn listening", "Listening at"),
)
GROUP_STEPS = ("images checked", "network created", "local AWS joined", "models unpacked")


def log_marks(container, marks=CONTAINER_MARKS) -> dict[str, float]:
    """Return the wall-clock time of the first log line holding each mark."""
    found: dict[str, float] = {}
    for raw in container.logs(timestamps=True).decode(errors="replace").splitlines():
        stamp, _, text = raw.partition(" ")
        for step, needle in marks:
            if step not in found and needle in text:
                found[step] = parse_stamp(stamp)
    return found


def parse_stamp(stamp: str) -> float:
    """Return Docker's RFC 3339 nanosecond timestamp (2026-12-04T05:29:23.375708972Z) as epoch seconds."""
    whole, _, fraction = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(whole + "+00:00").timestamp() + float(f"0.{fraction or 0}")


def breakdown(group, client: docker.DockerClient | None = None) -> list[tuple[str, list[tuple[str, float]]]]:
    """Return the group's steps and each container's, as (row name, [(step, seconds from start), ...])."""
    client = client or docker.from_env()
    origin = group.stamps["start"]
    rows = [("emulator", [(step, group.stamps[step] - origin) for step in GROUP_STEPS if step in group.stamps])]
    for running in group.running:
        marks = log_marks(client.containers.get(running.container_id))
        steps = [("container started", group.stamps.get(f"{running.hostname}: container started"))]
        steps += [(step, marks.get(step)) for step, _ in CONTAINER_MARKS]
        steps.append(("/ping green", group.stamps.get(f"{running.hostname}: /ping green")))
        timed = sorted(((step, at - origin) for step, at in steps if at is not None), key=lambda pair: pair[1])
        rows.append((running.hostname, timed))
    return rows


def render(rows: list[tuple[str, list[tuple[str, float]]]]) -> str:
    """Return the breakdown as indented lines: `featurizer: container started 0.61, ... /ping green 2.40`."""
    return "\n".join(
        f"    {name:14} " + ", ".join(f"{step} {seconds:.2f}" for step, seconds in steps) for name, steps in rows
    )
