"""The endpoint lifecycle without HTTP or Docker: a fake deployer whose starts the test releases."""

import threading

import pytest

from emulator.api.errors import ValidationException
from emulator.definitions.pipeline import ContainerSpec, PipelineSpec
from emulator.errors import EndpointError
from emulator.resources.endpoints import Endpoints
from emulator.resources.records import EndpointStatus, Variant
from emulator.resources.store import Store


class Deployment:
    def __init__(self, fail: bool):
        self.fail, self.release, self.stopped, self.weights = fail, threading.Event(), 0, {}

    def start(self):
        self.release.wait(10)
        if self.fail or self.stopped:
            raise EndpointError("the container-2 never answered")

    def stop(self):
        self.stopped += 1
        self.release.set()

    def set_weights(self, weights):
        self.weights = weights


class Deployer:
    def __init__(self):
        self.made, self.served, self.fail = [], {}, False

    def prepare(self, endpoint, variants, unit):
        self.made.append(Deployment(self.fail))
        return self.made[-1]

    def serve(self, endpoint, deployment):
        self.served[endpoint] = deployment

    def unserve(self, endpoint):
        self.served.pop(endpoint, None)


@pytest.fixture()
def world():
    store, deployer = Store(clock=iter(range(1000, 2000)).__next__), Deployer()
    spec = PipelineSpec("m", (ContainerSpec("img:1", "container-1"),))
    store.create_model(spec, {"ModelName": "m"})
    store.create_config("c", (Variant("A", "m"), Variant("B", "m", weight=2.0)), {})
    return store, deployer, Endpoints(store, deployer)


def test_status_properties():
    assert EndpointStatus.UPDATING.serving and EndpointStatus.UPDATING.in_progress
    assert not EndpointStatus.FAILED.serving and not EndpointStatus.FAILED.in_progress
    assert EndpointStatus.IN_SERVICE.serving and not EndpointStatus.IN_SERVICE.in_progress


def test_create_serves_nothing_until_started_then_the_deployment(world):
    store, deployer, endpoints = world
    endpoint = endpoints.create("ep", "c")
    assert endpoint.status is EndpointStatus.CREATING and deployer.served == {"ep": None}
    assert [(v.name, v.weight) for v in endpoint.variants] == [("A", 1.0), ("B", 2.0)]
    deployer.made[0].release.set()
    endpoints.wait(5)
    assert endpoint.status is EndpointStatus.IN_SERVICE and deployer.served["ep"] is deployer.made[0]


def test_a_failed_start_records_the_reason_and_stops_what_started(world):
    _, deployer, endpoints = world
    deployer.fail = True
    endpoint = endpoints.create("ep", "c")
    deployer.made[0].release.set()
    endpoints.wait(5)
    assert endpoint.status is EndpointStatus.FAILED
    assert endpoint.failure_reason == "the container-2 never answered"
    assert deployer.made[0].stopped and "ep" not in deployer.served


def test_weights_need_known_variants_and_an_in_service_endpoint(world):
    _, deployer, endpoints = world
    endpoints.create("ep", "c")
    with pytest.raises(ValidationException, match="Cannot update in-progress endpoint"):
        endpoints.update_weights("ep", {"A": (0.0, None)})
    deployer.made[0].release.set()
    endpoints.wait(5)
    with pytest.raises(ValidationException, match=r"\[Z\] are not present"):
        endpoints.update_weights("ep", {"Z": (1.0, None)})
    endpoints.update_weights("ep", {"A": (0.0, 3)})
    assert deployer.made[0].weights == {"A": 0.0, "B": 2.0}
    assert endpoints.get("ep").variants[0].instance_count == 3


def test_shutdown_stops_an_endpoint_still_creating(world):
    _, deployer, endpoints = world
    endpoint = endpoints.create("ep", "c")
    endpoints.shutdown()
    assert deployer.made[0].stopped >= 1 and endpoints.endpoints == {}
    assert endpoint.status is EndpointStatus.DELETING and "ep" not in deployer.served


def test_remove_takes_an_endpoint_in_any_state(world):
    _, deployer, endpoints = world
    endpoints.create("ep", "c")
    endpoints.remove("ep")
    assert endpoints.endpoints == {} and deployer.made[0].stopped
    with pytest.raises(
        ValidationException, match='Could not find endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/ep"'
    ):
        endpoints.get("ep")


def test_crash_a_deployment_that_gives_up_replacing_makes_the_endpoint_failed(world):
    _, deployer, endpoints = world
    endpoint = endpoints.create("ep", "c")
    deployment = deployer.made[0]
    deployment.release.set()
    endpoints.wait(5)
    assert endpoint.status is EndpointStatus.IN_SERVICE
    deployment.on_failed("The container-1 for production variant A exited (last exit code 137) ...")
    assert endpoint.status is EndpointStatus.FAILED
    assert endpoint.failure_reason.startswith("The container-1 for production variant A exited")
    assert "ep" not in deployer.served  # the Runtime API no longer routes to it
    endpoints.wait(5)
    assert deployment.stopped == 1  # its containers are removed
    deployment.on_failed("again")  # a late second report changes nothing
    assert endpoint.failure_reason.startswith("The container-1")
    endpoints.delete("ep")  # a Failed endpoint can be deleted
    endpoints.wait(5)
    with pytest.raises(ValidationException):
        endpoints.get("ep")


def test_a_failed_start_is_a_warning_unless_the_caller_raises_it_itself(world, caplog):
    _, deployer, endpoints = world
    deployer.fail = True
    caplog.set_level("INFO", logger="emulator.resources.endpoints")
    for warn, level in ((True, "WARNING"), (False, "INFO")):
        caplog.clear()
        endpoints.warn_on_failure = warn
        endpoints.create(f"ep-{level.lower()}", "c")
        deployer.made[-1].release.set()
        endpoints.wait(5)
        assert [r.levelname for r in caplog.records if "failed to start" in r.getMessage()] == [level]
