"""Fixtures for the image tests without Docker: the real fixture models, unpacked and loaded once."""

import json
from pathlib import Path

import pytest

from emulator.config import FIXTURES_DIR
from emulator.hosting.modeldata import unpack_model

ARTIFACTS = {
    "abalone_featurizer": "abalone/featurizer",
    "abalone_predictor": "abalone/predictor",
    "support_preprocessor": "support/preprocessor",
    "support_predictor": "support/predictor",
    "support_postprocessor": "support/postprocessor",
}


@pytest.fixture(scope="session")
def model_dir():
    """Return a function giving the unpacked folder of a fixture model (e.g. "abalone_featurizer")."""

    def unpacked(name: str) -> Path:
        archive = FIXTURES_DIR / ARTIFACTS[name] / "model.tar.gz"
        if not archive.is_file():
            pytest.fail(f"{archive} is missing; run `tox -e fixtures` (python fixtures/generate.py)")
        return unpack_model(archive)

    return unpacked


@pytest.fixture(scope="session")
def sample():
    """Return a function giving the bytes of a fixture model's sample.csv request."""
    return lambda name: (FIXTURES_DIR / ARTIFACTS[name] / "sample.csv").read_bytes()


@pytest.fixture(scope="session")
def expected():
    """Return a function giving fixtures/<dataset>/expected.json."""
    return lambda dataset: json.loads((FIXTURES_DIR / dataset / "expected.json").read_text())


@pytest.fixture(scope="session")
def seed():
    """Return the DynamoDB seed: {"table": CreateTable kwargs, "items": [...]}."""
    return json.loads((FIXTURES_DIR / "support/dynamodb/PipelineLookupTable.json").read_text())
