"""Small helpers shared by the test folders."""

import socket

from emulator.config import LABEL, LABEL_VALUE


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def labelled(client, labels: dict[str, str]) -> list[str]:
    """Return the names of the containers and networks byoc made that carry every label of `labels`."""
    filters = {"label": [f"{LABEL}={LABEL_VALUE}"] + [f"{key}={value}" for key, value in labels.items()]}
    # sparse: no inspect per container, which would raise NotFound for one removed meanwhile
    return [c.attrs["Names"][0].lstrip("/") for c in client.containers.list(all=True, filters=filters, sparse=True)] + [
        n.name for n in client.networks.list(filters=filters)
    ]
