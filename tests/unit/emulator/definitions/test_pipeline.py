"""Pipeline definitions: loading TOML/JSON, every validation rule, CreateModel JSON as boto3 sends it."""

import copy
import json
import tarfile
from pathlib import Path

import pytest

from emulator.config import FIXTURES_DIR
from emulator.definitions.pipeline import CONTAINER_KEYS, CREATE_MODEL_KEYS, check_images, load_pipeline, parse_pipeline
from emulator.errors import SpecError
from emulator.sagemaker import BIND_TO_PORT_LABEL

SEED = {
    "table": {
        "TableName": "Agents",
        "KeySchema": [{"AttributeName": "Specialty", "KeyType": "HASH"}, {"AttributeName": "ID", "KeyType": "RANGE"}],
        "AttributeDefinitions": [
            {"AttributeName": "Specialty", "AttributeType": "S"},
            {"AttributeName": "ID", "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    },
    "items": [{"Specialty": "medical", "ID": "1", "Available": True}],
}


@pytest.fixture
def base(tmp_path):
    """A folder holding a tiny model.tar.gz, a model folder and a seed file."""
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "model.json").write_text("{}")
    with tarfile.open(tmp_path / "model.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "m" / "model.json", arcname="model.json")
    (tmp_path / "seed.json").write_text(json.dumps(SEED))
    return tmp_path


def doc(**overrides):
    d = {
        "ModelName": "abalone",
        "Containers": [
            {
                "ContainerHostname": "featurizer",
                "Image": "byoc/featurizer:latest",
                "ModelDataUrl": "model.tar.gz",
                "Environment": {"FEATURIZER_INPUT": "tabular"},
            },
            {"ContainerHostname": "predictor", "Image": "byoc/predictor:latest", "ModelDataUrl": "m"},
        ],
    }
    d.update(overrides)
    return d


def invalid(data, base, match):
    with pytest.raises(SpecError, match=match) as err:
        parse_pipeline(data, base)
    return err.value


def test_a_valid_definition(base):
    spec = parse_pipeline(doc(), base)
    assert spec.name == "abalone" and spec.mode == "Serial" and spec.region == "us-east-1"
    assert [c.hostname for c in spec.containers] == ["featurizer", "predictor"]
    assert spec.containers[0].model_data == (base / "model.tar.gz").resolve()
    assert spec.containers[1].model_data == (base / "m").resolve()
    assert spec.containers[0].environment == {"FEATURIZER_INPUT": "tabular"}
    assert all(c.hostname_given for c in spec.containers) and not spec.needs_dynamodb


def test_toml_and_json_files_load_the_same(base):
    (base / "p.toml").write_text(
        'ModelName = "abalone"\n'
        '[[Containers]]\nContainerHostname = "featurizer"\nImage = "byoc/featurizer:latest"\n'
        'ModelDataUrl = "model.tar.gz"\nEnvironment = { FEATURIZER_INPUT = "tabular" }\n'
        '[[Containers]]\nContainerHostname = "predictor"\nImage = "byoc/predictor:latest"\nModelDataUrl = "m"\n'
    )
    (base / "p.json").write_text(json.dumps(doc()))
    from_toml, from_json = load_pipeline(base / "p.toml"), load_pipeline(base / "p.json")
    assert from_toml.containers == from_json.containers
    assert from_toml.source == base / "p.toml"


def test_toml_syntax_error_names_the_line(base):
    (base / "bad.toml").write_text('ModelName = "x"\n[[Containers]\nImage = 1\n')
    with pytest.raises(SpecError, match=r"bad.toml: not valid TOML: .*line 2") as err:
        load_pipeline(base / "bad.toml")
    assert err.value.hint == "fix the TOML syntax at that line and column"


def test_json_syntax_error_names_the_line(base):
    (base / "bad.json").write_text('{\n  "ModelName": "x",\n  "Containers": [,]\n}')
    with pytest.raises(SpecError, match=r"bad.json: not valid JSON: .*line 3, column") as err:
        load_pipeline(base / "bad.json")
    assert err.value.hint == "fix the JSON syntax at that line and column"


def test_missing_file_and_unknown_suffix(base):
    with pytest.raises(SpecError, match="no such pipeline definition"):
        load_pipeline(base / "nope.toml")
    (base / "p.yaml").write_text("x: 1")
    with pytest.raises(SpecError, match=r"unknown format \.yaml"):
        load_pipeline(base / "p.yaml")


def test_a_folder_is_not_called_missing(base):
    with pytest.raises(SpecError, match="is a folder, not a pipeline definition"):
        load_pipeline(base)


@pytest.mark.parametrize(("name", "body"), [("p.json", b"[1]"), ("p.toml", b"\xff\xfe"), ("q.json", b"ModelName")])
def test_every_unreadable_definition_says_what_to_do(base, name, body):
    (base / name).write_bytes(body)
    with pytest.raises(SpecError) as err:
        load_pipeline(base / name)
    assert err.value.hint


def test_a_broken_field_without_its_own_hint_still_says_what_to_do(base):
    (base / "p.json").write_text(json.dumps(doc(ModelName="bad_name!")))
    with pytest.raises(SpecError) as err:
        load_pipeline(base / "p.json")
    assert err.value.hint and "fix the field" in err.value.hint


def test_errors_from_a_file_name_the_file(base):
    (base / "p.json").write_text(json.dumps(doc(ModelName="bad_name!")))
    with pytest.raises(SpecError, match=r"p.json: ModelName: 'bad_name!' must be"):
        load_pipeline(base / "p.json")


def test_create_model_json_as_boto3_sends_it_is_accepted(base):
    """Serialise a CreateModel call with botocore itself and feed its body to the loader."""
    import botocore.session
    from botocore.serialize import create_serializer

    model = botocore.session.get_session().get_service_model("sagemaker")
    params = doc(
        ExecutionRoleArn="arn:aws:iam::123456789012:role/sm",
        EnableNetworkIsolation=False,
        Tags=[{"Key": "team", "Value": "ml"}],
        VpcConfig={"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
        InferenceExecutionConfig={"Mode": "Serial"},
    )
    params["Containers"][0]["ImageConfig"] = {"RepositoryAccessMode": "Platform"}
    params["Containers"][0]["Mode"] = "SingleModel"
    request = create_serializer("json").serialize_to_request(params, model.operation_model("CreateModel"))
    spec = parse_pipeline(json.loads(request["body"]), base)
    assert [c.hostname for c in spec.containers] == ["featurizer", "predictor"]


def test_accepted_keys_match_botocores_create_model():
    import botocore.session

    shapes = botocore.session.get_session().get_service_model("sagemaker")
    assert set(CREATE_MODEL_KEYS) == set(shapes.shape_for("CreateModelInput").members)
    assert set(CONTAINER_KEYS) == set(shapes.shape_for("ContainerDefinition").members)


def test_unknown_top_level_key_lists_the_known_ones(base):
    err = invalid(doc(Containerz=[]), base, r"unknown top-level key 'Containerz'; known: ModelName, PrimaryContainer")
    assert "Local" in str(err)


def test_unknown_container_key(base):
    d = doc()
    d["Containers"][1]["Imagee"] = "x"
    invalid(d, base, r"Containers\[1\]: unknown key 'Imagee'")


@pytest.mark.parametrize("key", ["ModelDataSource", "ModelPackageName", "AdditionalModelDataSources"])
def test_unsupported_container_fields_are_refused_not_dropped(base, key):
    d = doc()
    d["Containers"][0][key] = "x"
    invalid(d, base, rf"Containers\[0\].{key}: is not supported by the local emulator")


def test_multi_model_mode_is_refused(base):
    d = doc()
    d["Containers"][0]["Mode"] = "MultiModel"
    invalid(d, base, r"Containers\[0\].Mode: only SingleModel")


def test_model_name_required(base):
    d = doc()
    del d["ModelName"]
    invalid(d, base, "ModelName: is required")


def test_container_count_limits(base):
    invalid(doc(Containers=[]), base, r"Containers: a pipeline has 2 to 15 containers .* got 0")
    many = [{"Image": "byoc/x:latest"} for _ in range(16)]
    invalid(doc(Containers=many), base, "got 16")
    assert len(parse_pipeline(doc(Containers=many[:15]), base).containers) == 15


def test_single_container_forms(base):
    one = parse_pipeline(doc(Containers=[{"Image": "byoc/predictor:latest"}]), base)
    assert one.containers[0].hostname == "container-1"
    primary = parse_pipeline({"ModelName": "p", "PrimaryContainer": {"Image": "byoc/predictor:latest"}}, base)
    assert primary.containers[0].hostname == "primary"


def test_primary_container_and_containers_together_is_an_error(base):
    invalid(doc(PrimaryContainer={"Image": "x"}), base, "either PrimaryContainer or Containers, not both")


def test_no_containers_at_all(base):
    invalid({"ModelName": "p"}, base, "Containers: is required")


def test_missing_image(base):
    d = doc()
    del d["Containers"][1]["Image"]
    invalid(d, base, r"Containers\[1\].Image: must be an image reference")


def test_environment_key_pattern(base):
    d = doc()
    d["Containers"][1]["Environment"] = {"1BAD": "x"}
    err = invalid(d, base, r"Containers\[1\].Environment: key '1BAD' does not match ")
    assert "[a-zA-Z_][a-zA-Z0-9_]*" in str(err)


def test_environment_value_must_be_a_string(base):
    d = doc()
    d["Containers"][0]["Environment"] = {"WORKERS": 4}
    err = invalid(d, base, r"Containers\[0\].Environment: value of 'WORKERS' must be a string, got int")
    assert err.hint == 'quote it: WORKERS = "4"'


def test_environment_limits(base):
    d = doc()
    d["Containers"][0]["Environment"] = {f"K{i}": "v" for i in range(101)}
    invalid(d, base, "has 101 keys; the limit is 100")
    d["Containers"][0]["Environment"] = {"K": "v" * 1025}
    invalid(d, base, "value of 'K' is 1025 characters; the limit is 1024")
    d["Containers"][0]["Environment"] = {"K" * 1025: "v"}
    invalid(d, base, "is 1025 characters; the limit is 1024")


def test_environment_total_over_32_kb_across_containers(base):
    d = doc()
    d["Containers"][0]["Environment"] = {f"A{i:02d}": "v" * 1000 for i in range(17)}
    d["Containers"][1]["Environment"] = {f"B{i:02d}": "v" * 1000 for i in range(17)}
    invalid(d, base, r"Environment: keys and values of all containers add up to 34102 bytes; the limit is 32768")
    d["Containers"][1]["Environment"] = {f"B{i:02d}": "v" * 1000 for i in range(15)}
    assert parse_pipeline(d, base)


def test_hostname_pattern_and_length(base):
    d = doc()
    d["Containers"][0]["ContainerHostname"] = "bad_host"
    invalid(d, base, r"Containers\[0\].ContainerHostname: 'bad_host' must be 1 to 63 characters matching")
    d["Containers"][0]["ContainerHostname"] = "a" * 64
    invalid(d, base, "must be 1 to 63 characters")


def test_hostnames_on_all_or_none(base):
    d = doc()
    del d["Containers"][1]["ContainerHostname"]
    invalid(
        d,
        base,
        r"Containers\[1\].ContainerHostname: missing: ContainerHostname must be set on every container or on none",
    )


def test_hostnames_assigned_by_position_when_none_given(base):
    d = doc()
    for c in d["Containers"]:
        del c["ContainerHostname"]
    spec = parse_pipeline(d, base)
    assert [c.hostname for c in spec.containers] == ["container-1", "container-2"]
    assert not any(c.hostname_given for c in spec.containers)


def test_hostnames_must_be_unique(base):
    d = doc()
    d["Containers"][1]["ContainerHostname"] = "featurizer"
    invalid(d, base, r"Containers\[1\].ContainerHostname: 'featurizer' is already used by Containers\[0\]")


def test_direct_mode_requires_every_hostname(base):
    d = doc(InferenceExecutionConfig={"Mode": "Direct"})
    assert parse_pipeline(d, base).mode == "Direct"
    for c in d["Containers"]:
        del c["ContainerHostname"]
    invalid(d, base, "Direct requires ContainerHostname on every container")


def test_unknown_mode(base):
    invalid(
        doc(InferenceExecutionConfig={"Mode": "Parallel"}),
        base,
        r"InferenceExecutionConfig.Mode: must be one of Serial, Direct, got 'Parallel'",
    )


def test_an_s3_model_url_is_kept_for_the_local_s3(base):
    d = doc()
    d["Containers"][0]["ModelDataUrl"] = "s3://bucket/abalone/model.tar.gz"
    assert parse_pipeline(d, base).containers[0].model_data == "s3://bucket/abalone/model.tar.gz"


@pytest.mark.parametrize("url", ["s3://bucket", "s3://bucket/", "s3:///key.tar.gz", "s3://bucket/folder/"])
def test_an_s3_model_url_must_name_one_object(base, url):
    d = doc()
    d["Containers"][0]["ModelDataUrl"] = url
    err = invalid(d, base, r"Containers\[0\].ModelDataUrl: .* must name one object")
    assert "tar -czf" in err.hint


def test_another_remote_model_url_asks_for_s3_or_a_local_path(base):
    d = doc()
    d["Containers"][0]["ModelDataUrl"] = "https://example.com/model.tar.gz"
    err = invalid(d, base, r"Containers\[0\].ModelDataUrl: https://example.com/model.tar.gz is a remote URL")
    assert "local path" in err.hint and "s3://" in err.hint


def test_file_url_is_accepted(base):
    d = doc()
    d["Containers"][0]["ModelDataUrl"] = (base / "model.tar.gz").as_uri()
    d["Containers"][1]["ModelDataUrl"] = "file://m"
    spec = parse_pipeline(d, base)
    assert spec.containers[0].model_data == (base / "model.tar.gz").resolve()
    assert spec.containers[1].model_data == (base / "m").resolve()


def test_missing_model_file(base):
    d = doc()
    d["Containers"][1]["ModelDataUrl"] = "nope/model.tar.gz"
    invalid(d, base, r"Containers\[1\].ModelDataUrl: .*nope/model.tar.gz does not exist")


def test_model_file_must_be_a_tar_gz(base):
    (base / "model.zip").write_bytes(b"PK")
    d = doc()
    d["Containers"][1]["ModelDataUrl"] = "model.zip"
    invalid(d, base, r"must be a .tar.gz archive or a folder")


def test_local_region_and_seeded_table(base):
    spec = parse_pipeline(doc(Local={"Region": "eu-west-1", "DynamoDBTables": [{"Seed": "seed.json"}]}), base)
    assert spec.region == "eu-west-1" and spec.needs_dynamodb
    (table,) = spec.tables
    assert (table.name, table.hash_key, table.range_key) == ("Agents", ("Specialty", "S"), ("ID", "S"))
    assert table.items == ({"Specialty": "medical", "ID": "1", "Available": True},)
    assert table.definition["BillingMode"] == "PAY_PER_REQUEST"


def test_local_section_errors(base):
    invalid(doc(Local={"Regoin": "x"}), base, r"Local: unknown key 'Regoin'; known: Region, DynamoDBTables")
    invalid(doc(Local={"Region": "moon"}), base, r"Local.Region: 'moon' is not a region name")
    invalid(
        doc(Local={"DynamoDBTables": [{"Seed": "nope.json"}]}), base, r"Local.DynamoDBTables\[0\].Seed .*does not exist"
    )
    twice = {"DynamoDBTables": [{"Seed": "seed.json"}, {"Seed": "seed.json"}]}
    invalid(doc(Local=twice), base, "table 'Agents' is defined twice")


def write_seed(base, seed):
    (base / "s.json").write_text(json.dumps(seed))
    return doc(Local={"DynamoDBTables": [{"Seed": "s.json"}]})


def test_seed_file_rules(base):
    (base / "s.json").write_text("{\n oops")
    invalid(doc(Local={"DynamoDBTables": [{"Seed": "s.json"}]}), base, r"not valid JSON: .*line 2")
    seed = copy.deepcopy(SEED)
    seed["table"]["GlobalSecondaryIndexes"] = []
    invalid(write_seed(base, seed), base, r"unknown CreateTable argument .*'GlobalSecondaryIndexes'")
    seed = copy.deepcopy(SEED)
    seed["table"]["KeySchema"] = [{"AttributeName": "Nope", "KeyType": "HASH"}]
    invalid(write_seed(base, seed), base, r"KeySchema: .*must name an attribute declared in AttributeDefinitions")
    seed = copy.deepcopy(SEED)
    seed["items"] = [{"Specialty": "medical"}]
    invalid(write_seed(base, seed), base, r"items\[0\]: must be an object holding the key attributes; missing \['ID'\]")


def images(labels_by_image):
    return lambda image: labels_by_image.get(image)


def test_check_images_passes_with_the_label(base):
    spec = parse_pipeline(doc(), base)
    ok = {BIND_TO_PORT_LABEL: "true"}
    check_images(spec, images({"byoc/featurizer:latest": ok, "byoc/predictor:latest": ok}))


def test_check_images_names_each_bad_image(base):
    spec = parse_pipeline(doc(), base)
    with pytest.raises(SpecError) as err:
        check_images(spec, images({"byoc/featurizer:latest": {"other": "x"}}))
    text = str(err.value)
    assert f"image byoc/featurizer:latest lacks LABEL {BIND_TO_PORT_LABEL}=true" in text
    assert "image byoc/predictor:latest is not on the Docker engine; run `byoc build`" in text


def test_single_container_needs_no_label(base):
    spec = parse_pipeline({"ModelName": "p", "PrimaryContainer": {"Image": "byoc/predictor:latest"}}, base)
    check_images(spec, images({"byoc/predictor:latest": {}}))


PIPELINES = FIXTURES_DIR / "pipelines"


def _models_present(name: str) -> bool:
    return (FIXTURES_DIR / name / "predictor" / "model.tar.gz").is_file()


@pytest.mark.skipif(
    not _models_present("abalone"), reason="fixtures/abalone models not generated yet (tox -e fixtures)"
)
def test_abalone_fixture_loads():
    spec = load_pipeline(PIPELINES / "abalone.toml")
    assert [(c.hostname, c.image) for c in spec.containers] == [
        ("featurizer", "byoc/featurizer:latest"),
        ("predictor", "byoc/predictor:latest"),
    ]
    assert all(c.model_data.is_file() for c in spec.containers)


@pytest.mark.skipif(
    not _models_present("support"), reason="fixtures/support models not generated yet (tox -e fixtures)"
)
def test_support_fixture_loads():
    spec = load_pipeline(PIPELINES / "support.toml")
    assert [c.hostname for c in spec.containers] == ["preprocessor", "predictor", "postprocessor"]
    assert spec.containers[0].image == "byoc/featurizer:latest"
    assert spec.containers[2].environment["AGENT_TABLE"] == "PipelineLookupTable"
    (table,) = spec.tables
    assert table.name == "PipelineLookupTable" and table.items
    assert Path(spec.source).name == "support.toml"
