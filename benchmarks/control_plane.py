"""Control-plane figures through boto3: CreateEndpoint to InService, and a blue/green UpdateEndpoint's switch.

- CreateEndpoint -> InService for abalone (2 containers, images present): DescribeEndpoint polled every
  20 ms from the CreateEndpoint call; target at most 3 s.
- UpdateEndpoint from one abalone model to another under a steady request loop (4 threads): seconds
  to the first answer from the new variant, seconds until InService again (the old containers
  stopped), requests answered and failed.
"""

import statistics
import threading
import time

from benchmarks.figures import Figure
from emulator.config import FIXTURES_DIR

ABALONE = FIXTURES_DIR / "abalone"
ROW = (ABALONE / "featurizer/sample.csv").read_bytes().splitlines()[0]
TARGET_IN_SERVICE_S = 3.0
POLL_S = 0.02
SECTION = "control plane"


def create_model(sm, name: str) -> None:
    """CreateModel: the abalone pipeline, its models given as local paths."""
    containers = [
        {
            "ContainerHostname": part,
            "Image": f"byoc/{part}:latest",
            "ModelDataUrl": str(ABALONE / part / "model.tar.gz"),
        }
        for part in ("featurizer", "predictor")
    ]
    containers[0]["Environment"] = {"FEATURIZER_INPUT": "tabular"}
    sm.create_model(ModelName=name, Containers=containers)


def create_config(sm, name: str, model: str, variant: str = "AllTraffic") -> None:
    """CreateEndpointConfig with one variant."""
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {"VariantName": variant, "ModelName": model, "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
        ],
    )


def wait_status(sm, name: str, wanted: str = "InService", timeout_s: float = 300) -> float:
    """Poll DescribeEndpoint until `wanted`; return the monotonic time it was seen."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = sm.describe_endpoint(EndpointName=name)["EndpointStatus"]
        if status == wanted:
            return time.monotonic()
        if status == "Failed":
            raise RuntimeError(f"{name} failed: {sm.describe_endpoint(EndpointName=name).get('FailureReason')}")
        time.sleep(POLL_S)
    raise RuntimeError(f"{name} never became {wanted}")


def delete(sm, name: str) -> None:
    """DeleteEndpoint and wait until it is gone."""
    sm.delete_endpoint(EndpointName=name)
    sm.get_waiter("endpoint_deleted").wait(EndpointName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 600})


def create_to_in_service(sm, runs: int = 3) -> list[float]:
    """Return the seconds from CreateEndpoint to InService of `runs` abalone endpoints, one after another."""
    create_model(sm, "bench-cp")
    spent = []
    for run in range(runs):
        name = f"bench-create-{run}"
        create_config(sm, name, "bench-cp")
        started = time.monotonic()
        sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
        spent.append(wait_status(sm, name) - started)
        delete(sm, name)
    return spent


def update_switch(sm, runtime) -> dict:
    """Update an abalone endpoint to a second model under load; return the switch figures."""
    name = "bench-update"
    for version in ("v1", "v2"):
        create_model(sm, f"{name}-{version}")
        create_config(sm, f"{name}-{version}", f"{name}-{version}", version)
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-v1")
    wait_status(sm, name)
    seen, failed, stop = [], [], threading.Event()

    def loop():
        while not stop.is_set():
            try:
                answer = runtime.invoke_endpoint(EndpointName=name, Body=ROW, ContentType="text/csv")
                answer["Body"].read()
                seen.append(
                    (time.monotonic(), answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-invoked-production-variant"])
                )
            except Exception as err:  # counted and reported
                failed.append(repr(err))

    workers = [threading.Thread(target=loop, daemon=True) for _ in range(4)]
    for worker in workers:
        worker.start()
    time.sleep(0.5)
    asked = time.monotonic()
    sm.update_endpoint(EndpointName=name, EndpointConfigName=f"{name}-v2")
    in_service = wait_status(sm, name)
    time.sleep(0.3)
    stop.set()
    for worker in workers:
        worker.join()
    first_new = min(t for t, variant in seen if variant == "v2")
    delete(sm, name)
    return {
        "first_new_s": first_new - asked,
        "in_service_s": in_service - asked,
        "requests": len(seen),
        "failed": len(failed),
    }


def report(sagemaker, runs: int = 3) -> list[Figure]:
    """Measure the control plane's figures for a running LocalSageMaker; return them (not printed)."""
    sm, runtime = sagemaker.client("sagemaker"), sagemaker.client("sagemaker-runtime")
    print("\ncontrol plane (boto3 against the local SageMaker)", flush=True)
    spent = create_to_in_service(sm, runs)
    switch = update_switch(sm, runtime)
    return [
        Figure(
            SECTION,
            f"abalone: CreateEndpoint -> InService, median of {runs}",
            statistics.median(spent),
            "s",
            TARGET_IN_SERVICE_S,
            note=", ".join(f"{s:.2f}" for s in spent),
        ),
        Figure(SECTION, "UpdateEndpoint under load: first answer from the new config", switch["first_new_s"], "s"),
        Figure(
            SECTION, "UpdateEndpoint under load: InService again, old containers stopped", switch["in_service_s"], "s"
        ),
        Figure(
            SECTION,
            "UpdateEndpoint under load: failed requests",
            switch["failed"],
            "",
            0,
            note=f"of {switch['requests']}",
        ),
    ]
