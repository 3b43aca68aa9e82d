"""Every pin in containers/*/requirements.txt that pyproject.toml also pins must be the same version."""

import re
import tomllib

import pytest

from emulator.config import CONTAINERS_DIR, REPO_ROOT

PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*==\s*([^\s;#]+)")


def normalise(name: str) -> str:
    """Return a distribution name in PEP 503 form: `Scikit_Learn` -> `scikit-learn`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines) -> dict[str, str]:
    """Return {name: version} for the `name==version` lines."""
    found = {}
    for line in lines:
        match = PIN.match(line)
        if match:
            found[normalise(match.group(1))] = match.group(3)
    return found


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return pins(lines)


REQUIREMENTS = sorted(CONTAINERS_DIR.glob("*/requirements.txt"))


def test_every_image_has_pinned_requirements():
    assert {path.parent.name for path in REQUIREMENTS} >= {
        "serving",
        "featurizer",
        "predictor",
        "postprocessor",
        "moto",
    }
    for path in REQUIREMENTS:
        lines = [line for line in path.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")]
        assert lines and all("==" in line for line in lines), f"{path}: pin every requirement with =="


@pytest.mark.parametrize("path", REQUIREMENTS, ids=lambda p: p.parent.name)
def test_pins_agree_with_pyproject(path):
    declared = pyproject_pins()
    image = pins(path.read_text().splitlines())
    disagree = {
        name: (version, declared[name])
        for name, version in image.items()
        if name in declared and declared[name] != version
    }
    assert not disagree, f"{path} disagrees with pyproject.toml (image, pyproject): {disagree}"


def test_the_models_extra_is_pinned_in_some_image():
    served = {}
    for path in REQUIREMENTS:
        served.update(pins(path.read_text().splitlines()))
    models = pins(
        tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["models"]
    )
    assert not set(models) - set(served), (
        f"pin these in an image's requirements.txt: {sorted(set(models) - set(served))}"
    )
