"""The smoke test's sample and the parity comparison: numbers within a tolerance, every other field exactly."""

from dataclasses import replace
from pathlib import Path

import pytest

from emulator.definitions.pipeline import load_pipeline
from emulator.live import DeployError
from emulator.live.smoke import differences, sample_of

ROOT = Path(__file__).resolve().parents[4]


def test_numbers_agree_within_the_tolerance_and_labels_exactly():
    assert differences(b"9.81234,10.5\n", b"9.81239,10.5\n", tolerance=1e-4) == []
    assert differences(b"9.8\n", b"9.9\n", tolerance=1e-4) == [
        "field 0: 9.8 live, 9.9 locally (|difference| 0.1 > 0.0001)"
    ]
    live = b'{"response":[{"category":"medical","agent":null}]}'
    assert differences(live, live.replace(b"medical", b"medical")) == []
    assert differences(live, live.replace(b"medical", b"taxes")) == ["field 2: 'medical' live, 'taxes' locally"]
    assert differences(b"1,2", b"1,2,3") == ["2 fields live, 3 locally"]


def test_the_sample_is_the_one_beside_the_first_model():
    spec = load_pipeline(ROOT / "fixtures" / "pipelines" / "abalone.toml")
    sample = sample_of(spec)
    assert sample.source == ROOT / "fixtures" / "abalone" / "featurizer" / "sample.csv"
    assert sample.content_type == "text/csv" and sample.body
    no_model = replace(spec, containers=(replace(spec.containers[0], model_data=None), spec.containers[1]))
    with pytest.raises(DeployError, match="no sample request beside the first container's model"):
        sample_of(no_model)
    with pytest.raises(DeployError, match="cannot tell the Content-Type"):
        sample_of(spec, ROOT / "fixtures" / "pipelines" / "abalone.toml")
