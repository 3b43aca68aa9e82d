"""The SageMaker Python SDK v2, unchanged, against `byoc serve`: only AWS_ENDPOINT_URL and dummy credentials set.

Runs in `tox -e sdk` (extra `sdk`): the SDK v2 needs numpy < 2, so it cannot share an environment with
the `models` extra; elsewhere it is skipped.
"""

import json

import pytest

from emulator.config import FIXTURES_DIR
from tests.integration.emulator.helpers import Serve, leftovers, unique

sagemaker = pytest.importorskip("sagemaker", reason="the SageMaker Python SDK is in the `sdk` extra (tox -e sdk)")
pytestmark = pytest.mark.integration
ABALONE = FIXTURES_DIR / "abalone"
ROLE = "arn:aws:iam::000000000000:role/byoc-local"


@pytest.fixture(scope="module")
def serve(tmp_path_factory):
    served = Serve(tmp_path_factory.mktemp("sdk"))
    yield served
    assert served.stop() == 0, "\n".join(served.lines)


@pytest.fixture()
def aws_env(serve, monkeypatch):
    for name, value in {
        "AWS_ENDPOINT_URL": serve.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_pipeline_model_deploy_predict_delete(aws_env, docker_client):
    from sagemaker.deserializers import CSVDeserializer
    from sagemaker.model import Model
    from sagemaker.pipeline import PipelineModel
    from sagemaker.predictor import Predictor
    from sagemaker.serializers import CSVSerializer
    from sagemaker.session import Session

    name = unique("sdk-abalone")
    # The SDK's own S3 upload. Not Session.default_bucket(): it calls STS at an explicit regional
    # endpoint_url (sts.REGION.amazonaws.com), which AWS_ENDPOINT_URL does not redirect (docs/local-sagemaker.md).
    session = Session()
    bucket = unique("sdk-models")
    session.boto_session.client("s3").create_bucket(Bucket=bucket)
    data = {
        part: session.upload_data(str(ABALONE / part / "model.tar.gz"), bucket, f"{name}/{part}")
        for part in ("featurizer", "predictor")
    }
    assert all(url.startswith(f"s3://{bucket}/") for url in data.values())
    models = [
        Model(
            image_uri=f"byoc/{part}:latest",
            model_data=data[part],
            role=ROLE,
            sagemaker_session=session,
            env={"FEATURIZER_INPUT": "tabular"} if part == "featurizer" else {},
        )
        for part in ("featurizer", "predictor")
    ]
    pipeline = PipelineModel(models=models, role=ROLE, name=name, predictor_cls=Predictor, sagemaker_session=session)
    predictor = pipeline.deploy(
        initial_instance_count=1,
        instance_type="ml.m5.large",
        endpoint_name=name,
        serializer=CSVSerializer(),
        deserializer=CSVDeserializer(),
    )
    try:
        row = (ABALONE / "featurizer/sample.csv").read_text().splitlines()[0]
        answer = predictor.predict(row)
        expected = json.loads((ABALONE / "expected.json").read_text())["predictions"][0]
        assert float(answer[0][0]) == pytest.approx(expected, abs=1e-4)
    finally:
        predictor.delete_endpoint()
    client = predictor.sagemaker_session.sagemaker_client
    client.get_waiter("endpoint_deleted").wait(EndpointName=name, WaiterConfig={"Delay": 0.5, "MaxAttempts": 120})
    assert leftovers(docker_client, name) == []
