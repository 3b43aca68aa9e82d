"""Targets from TOML files, command-line options and pipeline definitions."""

from pathlib import Path

import pytest

from contract_tests import config as cfg
from emulator.config import REPO_ROOT
from emulator.definitions.pipeline import ContainerSpec, PipelineSpec

TARGETS = REPO_ROOT / "contract_tests" / "targets"


def test_our_target_files_load_with_paths_relative_to_the_file():
    target = cfg.load_target(TARGETS / "postprocessor-support.toml")
    assert target.image == "byoc/postprocessor:latest"
    assert target.model.resolve() == (REPO_ROOT / "fixtures/support/postprocessor/model.tar.gz").resolve()
    assert target.sample == (REPO_ROOT / "fixtures/support/postprocessor/sample.csv").read_bytes()
    assert (target.content_type, target.returns) == ("text/csv", "application/json")
    assert target.tables[0].name == "PipelineLookupTable"
    assert target.tables[0].hash_key == ("Specialty", "S") and target.tables[0].range_key == ("ID", "S")
    assert target.environment == {"AGENT_TABLE": "PipelineLookupTable"}


@pytest.mark.parametrize("name", ["featurizer-abalone", "predictor-abalone", "postprocessor-support"])
def test_every_target_file_names_an_existing_model_and_sample(name):
    target = cfg.load_target(TARGETS / f"{name}.toml")
    assert target.name == name and target.model.is_file() and target.sample


def test_unknown_keys_are_an_error_naming_them(tmp_path):
    (tmp_path / "s.csv").write_text("1\n")
    (tmp_path / "t.toml").write_text('image = "x"\nsample = "s.csv"\nimgae = "typo"\n')
    with pytest.raises(cfg.TargetError, match=r"unknown keys \['imgae'\]"):
        cfg.load_target(tmp_path / "t.toml")


def test_a_missing_sample_file_is_an_error(tmp_path):
    (tmp_path / "t.toml").write_text('image = "x"\nsample = "nope.csv"\n')
    with pytest.raises(cfg.TargetError, match="cannot read sample request .*nope.csv"):
        cfg.load_target(tmp_path / "t.toml")


def test_options_give_one_target_per_image_with_unique_names(tmp_path):
    sample = tmp_path / "s.json"
    sample.write_text("[]")
    targets = cfg.from_options(["byoc/a:1", "other/a:2", "reg:5000/b"], sample=str(sample))
    assert [t.name for t in targets] == ["a", "a-2", "b"]
    assert {t.content_type for t in targets} == {"application/json"}


def test_a_sample_of_unknown_type_needs_a_content_type(tmp_path):
    (tmp_path / "s.bin").write_bytes(b"x")
    with pytest.raises(cfg.TargetError, match="give it with --content-type"):
        cfg.from_options(["a"], sample=str(tmp_path / "s.bin"))
    assert cfg.from_options(["a"], sample=str(tmp_path / "s.bin"), content_type="application/x-npy")[0].sample == b"x"


def test_no_sample_is_an_error_saying_what_to_give():
    with pytest.raises(cfg.TargetError, match="give --sample FILE"):
        cfg.from_options(["a"])


def test_a_pipeline_becomes_targets_and_its_sample_comes_from_beside_the_first_model():
    first = REPO_ROOT / "fixtures/abalone/featurizer/model.tar.gz"
    spec = PipelineSpec(
        "abalone",
        (
            ContainerSpec("img/f", "featurizer", first, {"K": "V"}),
            ContainerSpec("img/p", "predictor", Path("/nowhere/model.tar.gz")),
        ),
    )
    pipeline = cfg.from_pipeline(spec)
    assert [t.name for t in pipeline.targets] == ["abalone-featurizer", "abalone-predictor"]
    assert pipeline.sample == first.with_name("sample.csv").read_bytes() == pipeline.targets[0].sample
    assert pipeline.targets[1].sample is None  # comes from the first container's answer
    assert pipeline.targets[0].environment == {"K": "V"}


def test_a_bad_seed_file_is_an_error_of_the_emulators_parser(tmp_path):
    (tmp_path / "seed.json").write_text('{"items": []}')
    with pytest.raises(cfg.TargetError, match=r"DynamoDB seed: .*seed.json.*table: must be an object"):
        cfg.tables_from_seeds(["seed.json"], tmp_path)
