"""EnableNetworkIsolation=true on real containers: an internal network with no route out, still served,
still reaching the local AWS services attached to it."""

import pytest

from emulator.hosting.endpoint import LocalEndpoint
from tests.integration.emulator.helpers import TESTBOX, unique

OUTSIDE = ("1.1.1.1", 80)  # an address beyond this host; only a TCP connect is tried, nothing is sent
PROBE = """
import socket, sys
s = socket.socket(); s.settimeout(3)
try:
    s.connect((sys.argv[1], int(sys.argv[2]))); print("connected")
except OSError as err:
    print("failed", err)
"""


def definition(path, isolated: bool):
    path.write_text(
        f'ModelName = "iso"\nEnableNetworkIsolation = {str(isolated).lower()}\n'
        f'[[Containers]]\nContainerHostname = "good"\nImage = "{TESTBOX}"\n'
    )
    return path


def probe(docker_client, container_id: str, host: str, port: int) -> str:
    result = docker_client.containers.get(container_id).exec_run(["python3", "-c", PROBE, host, str(port)])
    return result.output.decode().strip()


def test_isolation_internal_network_no_route_out_still_served(api, testbox_image, tmp_path, docker_client):
    path = definition(tmp_path / "iso.toml", isolated=True)
    with LocalEndpoint(path, name=unique("iso"), sagemaker=api, stream_logs=False) as endpoint:
        answer = endpoint.client().invoke_endpoint(EndpointName=endpoint.name, ContentType="text/csv", Body=b"1,2,3")
        assert answer["Body"].read().strip() == b"6.0"  # the emulator still reaches it
        network = docker_client.networks.get(endpoint.group.network.name)
        assert network.attrs["Internal"] is True
        container = endpoint.group.container_id("good")
        assert probe(docker_client, container, *OUTSIDE).startswith("failed")
        assert probe(docker_client, container, "byoc-aws", 5000) == "connected"  # the local AWS is attached


def test_isolation_off_the_same_address_is_reachable_so_the_check_means_something(
    api, testbox_image, tmp_path, docker_client
):
    path = definition(tmp_path / "open.toml", isolated=False)
    with LocalEndpoint(path, name=unique("open"), sagemaker=api, stream_logs=False) as endpoint:
        assert docker_client.networks.get(endpoint.group.network.name).attrs["Internal"] is False
        outcome = probe(docker_client, endpoint.group.container_id("good"), *OUTSIDE)
        if not outcome.startswith("connected"):
            pytest.skip(f"{OUTSIDE} is not reachable from an ordinary network here either ({outcome})")
