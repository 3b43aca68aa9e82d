"""The control plane through a real, unmodified boto3 `sagemaker` client: real HTTP, fake containers (no Docker)."""

import json
import threading
import urllib.request

import pytest
from botocore.exceptions import ClientError, WaiterError

from emulator.api.control import ControlPlane
from emulator.api.server import RuntimeApi
from emulator.aws import local_client
from emulator.errors import ContainerFailed
from emulator.invocation.chain import HopResponse, Pipeline
from emulator.invocation.routing import VariantRouter
from emulator.resources.endpoints import Endpoints
from emulator.resources.store import Store

FAST = {"Delay": 0.05, "MaxAttempts": 200}


class TagHop:
    """A container answering with its model's tag."""

    def __init__(self, hostname: str, tag: str):
        self.hostname, self.tag = hostname, tag

    def post(self, body, headers, timeout_s):
        return HopResponse(200, self.tag.encode(), {"content-type": "text/plain"})


class FakeDeployment:
    """Starts when the test says so (or fails with the reason the model's first image names)."""

    def __init__(self, endpoint, variants, unit, log):
        self.endpoint, self.variants, self.unit, self.log = endpoint, variants, unit, log
        self.release = threading.Event()
        self.stopped = False
        self.router = None

    def start(self):
        self.log.append(("start", self.endpoint, self.unit))
        if not self.release.wait(10):
            raise RuntimeError("the test never released this deployment")
        for variant, model in self.variants:
            image = model.spec.containers[0].image
            if "broken" in image:
                raise ContainerFailed(
                    "long text with the log tail",
                    failure_reason=(
                        f"The {model.spec.containers[-1].hostname} for production variant {variant.name} did not pass "
                        "the ping health check. Please check CloudWatch logs for this endpoint."
                    ),
                )
        pipelines = {
            v.name: Pipeline(self.endpoint, [TagHop("c", m.spec.containers[0].image)], variant=v.name)
            for v, m in self.variants
        }
        self.router = VariantRouter(self.endpoint, pipelines, {v.name: v.weight for v, _ in self.variants})

    def stop(self):
        self.release.set()
        self.stopped = True
        self.log.append(("stop", self.endpoint, self.unit))

    def set_weights(self, weights):
        self.router.set_weights(weights)


class FakeDeployer:
    def __init__(self, api):
        self.api, self.log, self.deployments = api, [], []
        self.auto = True

    def prepare(self, endpoint, variants, unit):
        deployment = FakeDeployment(endpoint, variants, unit, self.log)
        if self.auto:
            deployment.release.set()
        self.deployments.append(deployment)
        return deployment

    def serve(self, endpoint, deployment):
        self.api.add(endpoint, deployment.router if deployment else None)

    def unserve(self, endpoint):
        self.api.remove(endpoint)


@pytest.fixture(scope="module")
def local():
    server = RuntimeApi()
    deployer = FakeDeployer(server.app)
    store = Store()
    endpoints = Endpoints(store, deployer)
    server.app.hooks.insert(0, ControlPlane(store, endpoints).hook)
    with server:
        yield server, deployer, endpoints
        endpoints.shutdown()


@pytest.fixture(autouse=True)
def starts_at_once(local):
    """Deployments start as soon as they are made, unless a test says otherwise."""
    local[1].auto = True


@pytest.fixture(scope="module")
def sm(local):
    return local_client("sagemaker", local[0].url)


@pytest.fixture(scope="module")
def runtime(local):
    return local_client("sagemaker-runtime", local[0].url)


def containers(image="img/a:1"):
    return [{"ContainerHostname": "featurizer", "Image": image}, {"ContainerHostname": "predictor", "Image": image}]


def deploy(sm, name, image="img/a:1", variants=None, wait=True):
    sm.create_model(ModelName=f"{name}-m", Containers=containers(image))
    variants = variants or [
        {
            "VariantName": "AllTraffic",
            "ModelName": f"{name}-m",
            "InitialInstanceCount": 1,
            "InstanceType": "ml.m5.large",
            "InitialVariantWeight": 1.0,
        }
    ]
    sm.create_endpoint_config(EndpointConfigName=f"{name}-c", ProductionVariants=variants)
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-c", Tags=[])
    if wait:
        sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)


def code_of(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_models_are_created_described_listed_and_deleted(sm):
    arn = sm.create_model(
        ModelName="abalone",
        Containers=containers(),
        ExecutionRoleArn="arn:aws:iam::0:role/x",
        InferenceExecutionConfig={"Mode": "Serial"},
    )["ModelArn"]
    assert arn == "arn:aws:sagemaker:us-east-1:000000000000:model/abalone"
    described = sm.describe_model(ModelName="abalone")
    assert [c["ContainerHostname"] for c in described["Containers"]] == ["featurizer", "predictor"]
    assert described["InferenceExecutionConfig"] == {"Mode": "Serial"}
    assert described["CreationTime"].year >= 2024
    assert [m["ModelName"] for m in sm.list_models()["Models"]] == ["abalone"]
    code, message = code_of(lambda: sm.create_model(ModelName="abalone", Containers=containers()))
    assert code == "ValidationException" and message.startswith("Cannot create already existing model")
    sm.delete_model(ModelName="abalone")
    code, message = code_of(lambda: sm.describe_model(ModelName="abalone"))
    assert code == "ValidationException" and message.startswith("Could not find model")


def test_create_model_gets_the_definition_checks(sm):
    bad = [{"ContainerHostname": "a", "Image": "img:1"}, {"Image": "img:1"}]
    code, message = code_of(lambda: sm.create_model(ModelName="m", Containers=bad))
    assert code == "ValidationException"
    assert "Containers[1].ContainerHostname" in message and "every container or on none" in message
    code, message = code_of(
        lambda: sm.create_model(ModelName="m", Containers=containers(), InferenceExecutionConfig={"Mode": "Parallel"})
    )
    assert "InferenceExecutionConfig.Mode" in message


def test_endpoint_config_needs_its_model(sm):
    code, message = code_of(
        lambda: sm.create_endpoint_config(
            EndpointConfigName="c", ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": "nope"}]
        )
    )
    assert code == "ValidationException"
    assert message == 'Could not find model "arn:aws:sagemaker:us-east-1:000000000000:model/nope".'


def test_create_endpoint_returns_creating_then_in_service(local, sm, runtime):
    server, deployer, _ = local
    deployer.auto = False
    deploy(sm, "ep", wait=False)
    assert sm.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Creating"
    code, _ = code_of(lambda: runtime.invoke_endpoint(EndpointName="ep", Body=b"x"))
    assert code == "ModelNotReadyException"
    deployer.deployments[-1].release.set()
    sm.get_waiter("endpoint_in_service").wait(EndpointName="ep", WaiterConfig=FAST)
    described = sm.describe_endpoint(EndpointName="ep")
    assert described["EndpointConfigName"] == "ep-c"
    variant = described["ProductionVariants"][0]
    assert (variant["VariantName"], variant["CurrentWeight"], variant["CurrentInstanceCount"]) == ("AllTraffic", 1.0, 1)
    answer = runtime.invoke_endpoint(EndpointName="ep", Body=b"x")
    assert answer["Body"].read() == b"img/a:1"
    assert answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-invoked-production-variant"] == "AllTraffic"


def test_a_start_that_fails_ends_failed_with_sagemakers_reason(sm, runtime):
    with pytest.raises(WaiterError):
        deploy(sm, "bad", image="img/broken:1")
    described = sm.describe_endpoint(EndpointName="bad")
    assert described["EndpointStatus"] == "Failed"
    assert described["FailureReason"] == (
        "The predictor for production variant AllTraffic did not pass the ping "
        "health check. Please check CloudWatch logs for this endpoint."
    )
    assert code_of(lambda: runtime.invoke_endpoint(EndpointName="bad", Body=b"x"))[0] == "ValidationError"
    sm.delete_endpoint(EndpointName="bad")
    sm.get_waiter("endpoint_deleted").wait(EndpointName="bad", WaiterConfig=FAST)


def test_update_is_blue_green(local, sm, runtime):
    _, deployer, _ = local
    deploy(sm, "bg", image="img/v1:1")
    sm.create_model(ModelName="v2", Containers=containers("img/v2:1"))
    sm.create_endpoint_config(
        EndpointConfigName="bg-v2", ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": "v2"}]
    )
    deployer.auto = False
    sm.update_endpoint(EndpointName="bg", EndpointConfigName="bg-v2")
    assert sm.describe_endpoint(EndpointName="bg")["EndpointStatus"] == "Updating"
    assert runtime.invoke_endpoint(EndpointName="bg", Body=b"x")["Body"].read() == b"img/v1:1"  # old serves
    code, message = code_of(lambda: sm.update_endpoint(EndpointName="bg", EndpointConfigName="bg-v2"))
    assert message.startswith("Cannot update in-progress endpoint")
    old, new = deployer.deployments[-2:]
    new.release.set()
    sm.get_waiter("endpoint_in_service").wait(EndpointName="bg", WaiterConfig=FAST)
    assert runtime.invoke_endpoint(EndpointName="bg", Body=b"x")["Body"].read() == b"img/v2:1"
    assert old.stopped and not new.stopped
    assert sm.describe_endpoint(EndpointName="bg")["EndpointConfigName"] == "bg-v2"


def test_a_failed_update_keeps_the_old_config_serving(local, sm, runtime):
    _, deployer, endpoints = local
    deploy(sm, "rb", image="img/v1:1")
    sm.create_model(ModelName="v2b", Containers=containers("img/broken:2"))
    sm.create_endpoint_config(
        EndpointConfigName="rb-v2", ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": "v2b"}]
    )
    sm.update_endpoint(EndpointName="rb", EndpointConfigName="rb-v2")
    endpoints.wait(5)
    described = sm.describe_endpoint(EndpointName="rb")
    assert described["EndpointStatus"] == "InService" and described["EndpointConfigName"] == "rb-c"
    assert "did not pass the ping health check" in described["FailureReason"]
    assert runtime.invoke_endpoint(EndpointName="rb", Body=b"x")["Body"].read() == b"img/v1:1"
    assert deployer.deployments[-1].stopped and not deployer.deployments[-2].stopped


def test_variants_route_by_weight_and_target_variant_pins(sm, runtime):
    sm.create_model(ModelName="blue", Containers=containers("img/blue:1"))
    sm.create_model(ModelName="green", Containers=containers("img/green:1"))
    deploy(
        sm,
        "ab",
        variants=[
            {"VariantName": "Blue", "ModelName": "blue", "InitialVariantWeight": 1.0},
            {"VariantName": "Green", "ModelName": "green", "InitialVariantWeight": 1.0},
        ],
    )
    seen = {runtime.invoke_endpoint(EndpointName="ab", Body=b"x")["Body"].read() for _ in range(40)}
    assert seen == {b"img/blue:1", b"img/green:1"}
    pinned = runtime.invoke_endpoint(EndpointName="ab", Body=b"x", TargetVariant="Green")
    assert pinned["Body"].read() == b"img/green:1"
    assert pinned["ResponseMetadata"]["HTTPHeaders"]["x-amzn-invoked-production-variant"] == "Green"
    sm.update_endpoint_weights_and_capacities(
        EndpointName="ab", DesiredWeightsAndCapacities=[{"VariantName": "Blue", "DesiredWeight": 0.0}]
    )
    assert {runtime.invoke_endpoint(EndpointName="ab", Body=b"x")["Body"].read() for _ in range(20)} == {b"img/green:1"}
    weights = {
        v["VariantName"]: v["CurrentWeight"] for v in sm.describe_endpoint(EndpointName="ab")["ProductionVariants"]
    }
    assert weights == {"Blue": 0.0, "Green": 1.0}


def test_delete_refuses_an_endpoint_in_progress_then_removes_it(local, sm, runtime):
    _, deployer, _ = local
    deployer.auto = False
    deploy(sm, "gone", wait=False)
    code, message = code_of(lambda: sm.delete_endpoint(EndpointName="gone"))
    assert message.startswith("Cannot update in-progress endpoint")
    deployer.deployments[-1].release.set()
    sm.get_waiter("endpoint_in_service").wait(EndpointName="gone", WaiterConfig=FAST)
    sm.delete_endpoint(EndpointName="gone")
    sm.get_waiter("endpoint_deleted").wait(EndpointName="gone", WaiterConfig=FAST)
    assert deployer.deployments[-1].stopped
    code, message = code_of(lambda: sm.describe_endpoint(EndpointName="gone"))
    assert message.startswith("Could not find endpoint")
    assert code_of(lambda: runtime.invoke_endpoint(EndpointName="gone", Body=b"x"))[0] == "ValidationError"


def test_tags_and_list_filters(sm):
    deploy(sm, "alpha-list")
    deploy(sm, "beta-list")
    arn = sm.describe_endpoint(EndpointName="alpha-list")["EndpointArn"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == []
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "ml"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    names = [
        e["EndpointName"]
        for e in sm.list_endpoints(SortBy="Name", SortOrder="Ascending", NameContains="a-list")["Endpoints"]
    ]
    assert names == ["alpha-list", "beta-list"]
    assert [e["EndpointName"] for e in sm.list_endpoints(NameContains="ETA-L")["Endpoints"]] == ["beta-list"]
    assert all(e["EndpointStatus"] == "Failed" for e in sm.list_endpoints(StatusEquals="Failed")["Endpoints"])
    first = sm.list_endpoints(MaxResults=1, SortBy="Name", SortOrder="Ascending", NameContains="a-list")
    assert [e["EndpointName"] for e in first["Endpoints"]] == ["alpha-list"]
    second = sm.list_endpoints(
        MaxResults=1, SortBy="Name", SortOrder="Ascending", NameContains="a-list", NextToken=first["NextToken"]
    )
    assert [e["EndpointName"] for e in second["Endpoints"]] == ["beta-list"] and "NextToken" not in second


def test_a_duplicate_endpoint_and_an_unknown_operation_are_refused(local, sm):
    deploy(sm, "dup")
    code, message = code_of(lambda: sm.create_endpoint(EndpointName="dup", EndpointConfigName="dup-c"))
    assert message.startswith("Cannot create already existing endpoint")
    request = urllib.request.Request(
        local[0].url + "/",
        data=b"{}",
        method="POST",
        headers={"X-Amz-Target": "SageMaker.CreateTrainingJob", "Content-Type": "application/x-amz-json-1.1"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    body = json.loads(caught.value.read())
    assert caught.value.code == 400 and body["__type"] == "UnknownOperationException"
    assert "CreateTrainingJob" in body["message"]


@pytest.mark.parametrize("body, wanted", [(b"{not json", "is not JSON"), (b"[1, 2]", "must be a JSON object")])
def test_a_body_that_is_not_a_json_object_is_a_validation_exception(local, body, wanted):
    request = urllib.request.Request(
        local[0].url + "/",
        data=body,
        method="POST",
        headers={"X-Amz-Target": "SageMaker.ListModels", "Content-Type": "application/x-amz-json-1.1"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    assert caught.value.code == 400
    assert caught.value.headers["x-amzn-ErrorType"] == "ValidationException"
    answer = json.loads(caught.value.read())
    assert answer["__type"] == "ValidationException" and wanted in answer["message"]
