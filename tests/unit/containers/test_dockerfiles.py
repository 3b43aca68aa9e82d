"""The images are stages on one shared serving stack and follow the SageMaker and house rules."""

import json
import re

import pytest

from emulator.api.proxy import LOCAL_AWS_SERVICES
from emulator.config import CONTAINERS_DIR, IMAGE_NAMES, LABEL
from tests.unit.test_pins import pins

DOCKERFILE = CONTAINERS_DIR / "Dockerfile"
NUMERIC_IMAGES = ("featurizer", "predictor")  # the images on the shared numpy + scipy layer


def pins_of(folder: str) -> dict[str, str]:
    """Return package -> version of containers/FOLDER/requirements.txt."""
    return pins((CONTAINERS_DIR / folder / "requirements.txt").read_text().splitlines())


def stages() -> dict[str, str]:
    """Return each stage's instructions by stage name."""
    text = DOCKERFILE.read_text()
    found = re.findall(r"^FROM (\S+) AS (\w+)\n(.*?)(?=^FROM |\Z)", text, re.M | re.S)
    return {name: f"FROM {parent}\n{body}" for parent, name, body in found}


def test_every_image_is_a_stage_on_the_one_serving_stack():
    found = stages()
    assert found["serving"].startswith("FROM ${BASE_IMAGE}\n")
    assert sorted(found) == sorted(("serving", "numeric", *IMAGE_NAMES))
    assert found["numeric"].startswith("FROM serving\n")
    for name in IMAGE_NAMES:
        parent = "numeric" if name in NUMERIC_IMAGES else "serving"
        assert found[name].startswith(f"FROM {parent}\n"), f"{name} must build on the shared stack ({parent})"
        assert "nginx" not in found[name] and "serving/requirements.txt" not in found[name]


def test_the_numeric_layer_holds_what_its_images_pin_alike():
    """numpy and scipy are installed once under the images that need them, at the versions each pins."""
    numeric = pins_of("numeric")
    assert set(numeric) == {"numpy", "scipy"}
    for name in NUMERIC_IMAGES:
        own = pins_of(name)
        assert {package: own[package] for package in numeric} == numeric, f"{name} pins numpy/scipy otherwise"
    assert not set(numeric) & set(pins_of("postprocessor"))  # the postprocessor image stays without them


def test_the_stack_carries_the_contract_every_image_inherits():
    serving = stages()["serving"]
    assert "LABEL com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true" in serving
    assert 'ENTRYPOINT ["/opt/venv/bin/python", "-m", "serving"]' in serving
    assert 'CMD ["serve"]' in serving
    assert "serving/requirements.txt" in serving


@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_own_requirements_come_before_the_code(name):
    text = stages()[name]
    assert (
        text.index(f"{name}/requirements.txt")
        < text.index("COPY serving /opt/program/serving")
        < text.index(f"{name}/handler.py")
    )
    assert f"ENV BYOC_HANDLER={name}.handler" in text


@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_each_image_serves_as_a_non_root_user(name):
    assert "useradd --system --uid 10001" in stages()["serving"]
    instructions = [line for line in stages()[name].splitlines() if line.strip() and not line.startswith("#")]
    assert instructions[-1] == "USER model", f"{name} must end unprivileged"


def test_images_carry_no_ownership_label():
    """LABEL marks what byoc created; an image with it would mark every container run from it."""
    for path in ("Dockerfile", "moto/Dockerfile"):
        assert LABEL not in (CONTAINERS_DIR / path).read_text()


@pytest.mark.parametrize("path", ("Dockerfile", "moto/Dockerfile"))
def test_builds_stay_lean(path):
    text = (CONTAINERS_DIR / path).read_text()
    assert text.startswith("#") and "ARG BASE_IMAGE=python:3.11-slim" in text
    for pip in re.findall(r"pip install[^\n]*", text):
        assert "--no-cache-dir" in pip
    assert not re.search(r"\b(gcc|g\+\+|build-essential|python3-dev)\b", text)


def test_predictor_uses_the_cpu_only_xgboost_and_postprocessor_has_no_sklearn():
    predictor = (CONTAINERS_DIR / "predictor/requirements.txt").read_text()
    assert re.search(r"^xgboost-cpu==", predictor, re.M) and not re.search(r"^xgboost==", predictor, re.M)
    assert not re.search(r"^scikit-learn", (CONTAINERS_DIR / "postprocessor/requirements.txt").read_text(), re.M)


def test_moto_image_listens_on_5000_unprivileged_with_the_services_we_use():
    text = (CONTAINERS_DIR / "moto/Dockerfile").read_text()
    assert '"--port", "5000"' in text and '"0.0.0.0"' in text and "\nUSER moto" in text
    command = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    assert command[command.index("--services") + 1 :] == list(LOCAL_AWS_SERVICES)  # the rest is refused, 501
    requirements = (CONTAINERS_DIR / "moto/requirements.txt").read_text()
    extras = set(re.search(r"^moto\[([^\]]+)\]==\d", requirements, re.M).group(1).split(","))
    assert extras == set(LOCAL_AWS_SERVICES)  # [server] would pull cfn-lint, sympy, networkx
    assert re.search(r"^flask-cors==\d", requirements, re.M) and " ".join(LOCAL_AWS_SERVICES) in text
