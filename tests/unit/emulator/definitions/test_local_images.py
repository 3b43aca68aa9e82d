"""[Local.Images]: image URIs mapped to local images, checked like every other field."""

import pytest

from emulator.definitions.pipeline import parse_pipeline
from emulator.errors import SpecError

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/featurizer:1.0"


def document(images) -> dict:
    return {"ModelName": "m", "PrimaryContainer": {"Image": ECR}, "Local": {"Images": images}}


def test_images_are_read(tmp_path):
    spec = parse_pipeline(document({ECR: "byoc/featurizer:latest"}), tmp_path)
    assert spec.images == {ECR: "byoc/featurizer:latest"}
    assert parse_pipeline({"ModelName": "m", "PrimaryContainer": {"Image": ECR}}, tmp_path).images == {}


@pytest.mark.parametrize(
    "images, message",
    [
        (["x"], "Local.Images"),
        ({ECR: 3}, "must be a local image reference"),
        ({ECR: "has space"}, "must be a local image reference"),
    ],
)
def test_bad_images_name_the_field(tmp_path, images, message):
    with pytest.raises(SpecError, match=message):
        parse_pipeline(document(images), tmp_path)
