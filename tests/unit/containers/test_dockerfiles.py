"""The Dockerfiles share their serving-stack layers and follow the SageMaker and house rules."""

import re

import pytest

from emulator.config import CONTAINERS_DIR, IMAGE_NAMES

SHARED_START = "ARG BASE_IMAGE=python:3.11-slim"
SHARED_END = "# --- end of the shared serving stack"


def dockerfile(name: str) -> str:
    return (CONTAINERS_DIR / name / "Dockerfile").read_text()


def shared_block(name: str) -> str:
    text = dockerfile(name)
    return text[text.index(SHARED_START): text.index(SHARED_END)]


def test_the_serving_stack_layers_are_identical_in_all_three():
    blocks = {name: shared_block(name) for name in IMAGE_NAMES}
    assert len(set(blocks.values())) == 1, "edit the shared block of all three Dockerfiles alike"
    assert "serving/requirements.txt" in blocks["featurizer"]


@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_each_image_follows_the_contract(name):
    text = dockerfile(name)
    assert "LABEL com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true" in text
    assert 'ENTRYPOINT ["/opt/venv/bin/python", "-m", "serving"]' in text
    assert 'CMD ["serve"]' in text
    assert f"ENV BYOC_HANDLER={name}.handler" in text


@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_own_requirements_come_before_the_code(name):
    text = dockerfile(name)
    assert text.index(f"{name}/requirements.txt") < text.index("COPY serving /opt/program/serving") < text.index(f"{name}/handler.py")


@pytest.mark.parametrize("name", (*IMAGE_NAMES, "moto"))
def test_builds_stay_lean(name):
    text = dockerfile(name)
    assert text.startswith("#") and "ARG BASE_IMAGE=python:3.11-slim" in text
    for pip in re.findall(r"pip install[^\n]*", text):
        assert "--no-cache-dir" in pip
    assert not re.search(r"\b(gcc|g\+\+|build-essential|python3-dev)\b", text)


def test_predictor_uses_the_cpu_only_xgboost_and_postprocessor_has_no_sklearn():
    predictor = (CONTAINERS_DIR / "predictor/requirements.txt").read_text()
    assert re.search(r"^xgboost-cpu==", predictor, re.M) and not re.search(r"^xgboost==", predictor, re.M)
    assert not re.search(r"^scikit-learn", (CONTAINERS_DIR / "postprocessor/requirements.txt").read_text(), re.M)


def test_moto_image_is_labelled_and_listens_on_5000():
    text = dockerfile("moto")
    assert "LABEL com.byoc.project=byoc" in text and '"--port", "5000"' in text and '"0.0.0.0"' in text
    assert re.search(r"^moto\[server,dynamodb\]==\d", (CONTAINERS_DIR / "moto/requirements.txt").read_text(), re.M)
