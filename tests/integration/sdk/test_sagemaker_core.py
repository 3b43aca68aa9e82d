"""The SageMaker Python SDK v3's resource classes (`sagemaker.core`), unchanged, against `byoc serve`.

Runs in `tox -e sdk3` (extra `sdk3`): v3's newest releases need boto3 >= 1.43.90, so the extra pins
3.0.1, the last that takes the project's boto3 1.40.70; elsewhere it is skipped.
"""

import json

import pytest

from emulator.config import FIXTURES_DIR
from tests.integration.emulator.helpers import Serve, leftovers, unique

resources = pytest.importorskip(
    "sagemaker.core.resources", reason="SageMaker SDK v3 is in the `sdk3` extra (tox -e sdk3)"
)
pytestmark = pytest.mark.integration
ABALONE = FIXTURES_DIR / "abalone"
ROLE = "arn:aws:iam::000000000000:role/byoc-local"


@pytest.fixture(scope="module")
def serve(tmp_path_factory):
    served = Serve(tmp_path_factory.mktemp("sdk3"))
    yield served
    assert served.stop() == 0, "\n".join(served.lines)


def test_model_endpoint_config_endpoint_invoke_delete(serve, monkeypatch, docker_client):
    from sagemaker.core.shapes import ContainerDefinition, ProductionVariant

    for name, value in {
        "AWS_ENDPOINT_URL": serve.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    name = unique("sdk3-abalone")
    containers = [
        ContainerDefinition(
            container_hostname=part,
            image=f"byoc/{part}:latest",
            model_data_url=str(ABALONE / part / "model.tar.gz"),
            environment={"FEATURIZER_INPUT": "tabular"} if part == "featurizer" else {},
        )
        for part in ("featurizer", "predictor")
    ]
    resources.Model.create(model_name=name, containers=containers, execution_role_arn=ROLE)
    resources.EndpointConfig.create(
        endpoint_config_name=name,
        production_variants=[
            ProductionVariant(
                variant_name="AllTraffic", model_name=name, initial_instance_count=1, instance_type="ml.m5.large"
            )
        ],
    )
    endpoint = resources.Endpoint.create(endpoint_name=name, endpoint_config_name=name)
    try:
        endpoint.wait_for_status("InService", poll=1, timeout=300)
        row = (ABALONE / "featurizer/sample.csv").read_text().splitlines()[0]
        answer = endpoint.invoke(body=row, content_type="text/csv")
        expected = json.loads((ABALONE / "expected.json").read_text())["predictions"][0]
        assert float(answer.body.read().decode()) == pytest.approx(expected, abs=1e-4)
        assert answer.invoked_production_variant == "AllTraffic"
    finally:
        endpoint.delete()
    endpoint.wait_for_delete(poll=1, timeout=120)
    assert leftovers(docker_client, name) == []
