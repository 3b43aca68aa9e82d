"""THE launcher on a real engine: default bridge, published port, read-only model, signals and Docker's wait API."""

import socket
import threading
import time
import uuid

import pytest

from emulator.config import LABEL, LABEL_VALUE
from emulator.docker.launcher import ContainerPlan, DockerLayer
from emulator.errors import EndpointError
from emulator.hosting.readiness import ping_url, wait_healthy

pytestmark = pytest.mark.integration


def box_plan(image: str, **options) -> ContainerPlan:
    """A plan for one testbox container serving on 8080, labelled as byoc's own."""
    return ContainerPlan(
        name=f"byoc-launcher-{uuid.uuid4().hex[:6]}",
        image=image,
        alias="box",
        env={"BYOC_FAULT": ""},
        labels={LABEL: LABEL_VALUE},
        ports=(8080,),
        **options,
    )


def test_a_container_serves_on_its_published_port_and_stops_on_sigterm(testbox_image, tmp_path):
    (tmp_path / "model.txt").write_text("weights")
    plan = box_plan(testbox_image, model_dir=tmp_path)
    handle = DockerLayer().run(plan)
    try:
        port = handle.host_port(8080)
        assert wait_healthy(_Published(handle), port, port, 30, threading.Event()).port == port
        mount = handle.mount()
        assert mount["Destination"] == "/opt/ml/model" and mount["RW"] is False
        started = time.monotonic()
        assert handle.wait_exit(0.5) is None and time.monotonic() - started < 5  # still running: the wait times out
        assert handle.state() == "running"
        handle.signal("SIGTERM")
        assert handle.wait_exit(10) == 0
        assert handle.state() == "exited with status 0"
    finally:
        handle.remove()
    assert handle.exit_code() == -1  # gone


class _Published:
    """The readiness wait's view of a container reached through a published host port."""

    def __init__(self, handle):
        self.handle = handle

    def ping(self, port: int) -> int | None:
        return ping_url("127.0.0.1", port)

    def exit_code(self) -> int | None:
        return self.handle.exit_code()


def test_a_container_created_but_not_started_is_removed(testbox_image, docker_client):
    """Docker creates, then starts: a start that fails (here its host port is taken) leaves nothing behind."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        plan = box_plan(testbox_image, host_ports={8080: taken.getsockname()[1]})
        with pytest.raises(EndpointError, match="could not start box"):
            DockerLayer().run(plan)
    assert docker_client.containers.list(all=True, filters={"name": plan.name}) == []
