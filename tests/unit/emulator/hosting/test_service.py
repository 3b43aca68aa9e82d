"""LocalSageMaker without Docker: a port already taken is an error saying why, before any container starts."""

import socket

import pytest

from emulator.errors import EndpointError
from emulator.hosting.service import LocalSageMaker


class NoAws:
    """Stands in for the local AWS services: the port is refused before they would start."""

    url = "http://127.0.0.1:9"

    def start(self):
        raise AssertionError("the local AWS services must not start when the port is taken")


def test_a_port_in_use_says_why_not_none():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EndpointError, match=f"cannot serve the local SageMaker on 127.0.0.1:{port}") as err:
            LocalSageMaker(port=port, aws=NoAws()).start()  # type: ignore[arg-type]
    assert not err.value.message.endswith("None") and "in use" in err.value.message
