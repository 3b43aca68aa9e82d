"""EnableNetworkIsolation with a faked Docker layer: parsed, echoed, an internal network, refused where unreachable."""

import pytest

from emulator.api.shapes import request_of
from emulator.definitions.pipeline import parse_pipeline
from emulator.errors import EndpointError, SpecError
from emulator.hosting.group import ContainerGroup
from emulator.hosting.plan import Access
from tests.unit.emulator.hosting.fakes import FakeDocker, Pings, images_for

DOCUMENT = {"ModelName": "iso", "Containers": [{"Image": "byoc/img1:latest"}]}


def spec_of(**extra):
    return parse_pipeline({**DOCUMENT, **extra}, ".")


def test_isolation_is_off_unless_asked_and_must_be_a_boolean():
    assert spec_of().network_isolation is False
    assert spec_of(EnableNetworkIsolation=True).network_isolation is True
    with pytest.raises(SpecError, match="EnableNetworkIsolation"):
        spec_of(EnableNetworkIsolation="yes")


def test_isolation_is_echoed_in_the_create_model_request():
    assert request_of(spec_of(EnableNetworkIsolation=True))["EnableNetworkIsolation"] is True
    assert "EnableNetworkIsolation" not in request_of(spec_of())


def group(spec, access):
    docker, pings = FakeDocker(images_for(spec)), Pings()
    pings.answers[("10.9.0.2", 9000)] = 200
    return ContainerGroup(
        spec,
        "iso",
        docker=docker,
        access=access,
        ping=pings,
        stream_logs=False,
        say=lambda text: None,
        session="s1",
        deadline_s=5,
    ), docker


def test_isolation_gives_the_containers_an_internal_network():
    isolated, docker = group(spec_of(EnableNetworkIsolation=True), Access(False, "127.0.0.1", "test"))
    with isolated:
        assert docker.network_internal is True
    plain, docker = group(spec_of(), Access(False, "127.0.0.1", "test"))
    with plain:
        assert docker.network_internal is False


def test_isolation_where_only_published_ports_reach_containers_is_a_clear_error():
    isolated, docker = group(spec_of(EnableNetworkIsolation=True), Access(True, "127.0.0.1", "Docker Desktop"))
    with pytest.raises(EndpointError, match="internal Docker network.*Docker Desktop"):
        isolated.start()
    assert docker.plans == [] and docker.networks[0].removed
