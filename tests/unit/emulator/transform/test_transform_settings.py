"""CreateTransformJob's fields: defaults, checks naming the field, /execution-parameters, precedence, environment."""

import pytest

from emulator.transform.errors import ExecutionParametersError, TransformValidationError
from emulator.transform.limits import ExecutionParameters, container_environment, parse_execution_parameters, resolve
from emulator.transform.settings import TransformSettings, from_request

REQUEST = {
    "TransformJobName": "job",
    "ModelName": "abalone",
    "TransformInput": {
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/in/"}},
        "ContentType": "text/csv",
        "SplitType": "Line",
        "CompressionType": "Gzip",
    },
    "TransformOutput": {"S3OutputPath": "s3://bucket/out/", "Accept": "text/csv", "AssembleWith": "Line"},
    "DataProcessing": {"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$[0,-1]"},
    "ModelClientConfig": {"InvocationsTimeoutInSeconds": 30, "InvocationsMaxRetries": 1},
    "BatchStrategy": "MultiRecord",
    "MaxPayloadInMB": 2,
    "MaxConcurrentTransforms": 4,
    "Environment": {"LOG_LEVEL": "debug"},
    "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
}


def settings(**fields) -> TransformSettings:
    return TransformSettings(input_uri="in", output_path="out", **fields)


def test_a_full_request_is_read_field_for_field():
    s = from_request(REQUEST)
    assert (s.input_uri, s.output_path, s.split_type, s.compression_type) == (
        "s3://bucket/in/",
        "s3://bucket/out/",
        "Line",
        "Gzip",
    )
    assert (s.batch_strategy, s.max_payload_in_mb, s.max_concurrent_transforms) == ("MultiRecord", 2, 4)
    assert (s.input_filter, s.join_source, s.output_filter) == ("$[1:]", "Input", "$[0,-1]")
    assert (s.invocations_timeout_s, s.invocations_max_retries) == (30, 1)


def test_defaults_are_sagemakers():
    s = from_request(
        {
            "TransformInput": {"DataSource": {"S3DataSource": {"S3Uri": "s3://b/in"}}},
            "TransformOutput": {"S3OutputPath": "s3://b/out"},
        }
    )
    assert (s.split_type, s.compression_type, s.assemble_with, s.join_source) == ("None", "None", "None", "None")
    assert (s.invocations_timeout_s, s.invocations_max_retries) == (600, 3)
    assert resolve(s) == resolve(s, ExecutionParameters())
    limits = resolve(s)
    assert (limits.batch_strategy, limits.max_payload_in_mb, limits.max_concurrent_transforms) == ("MultiRecord", 6, 1)


def test_missing_locations_and_bad_uris_are_named():
    with pytest.raises(TransformValidationError, match="at 'transformOutput.s3OutputPath' .* must not be null"):
        from_request(
            {"TransformInput": {"DataSource": {"S3DataSource": {"S3Uri": "s3://b/in"}}}, "TransformOutput": {}}
        )
    bad = {**REQUEST, "TransformOutput": {"S3OutputPath": "ftp://b/out"}}
    with pytest.raises(TransformValidationError, match="Value 'ftp://b/out' at 'transformOutput.s3OutputPath'"):
        from_request(bad)


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            {"split_type": "Lines"},
            (
                "Value 'Lines' at 'transformInput.splitType' failed to satisfy constraint: Member "
                "must satisfy enum value set: \\[None, Line, RecordIO, TFRecord\\]"
            ),
        ),
        ({"compression_type": "Zip"}, "transformInput.compressionType"),
        ({"assemble_with": "Newline"}, "transformOutput.assembleWith"),
        ({"max_payload_in_mb": 101}, "Value '101' at 'maxPayloadInMB' .* less than or equal to 100"),
        ({"max_payload_in_mb": -1}, "greater than or equal to 0"),
        ({"invocations_timeout_s": 0}, "modelClientConfig.invocationsTimeoutInSeconds"),
        ({"invocations_timeout_s": 3601}, "less than or equal to 3600"),
        ({"invocations_max_retries": 4}, "modelClientConfig.invocationsMaxRetries"),
        ({"environment": {"1BAD": "x"}}, "Map keys must satisfy regular expression"),
        ({"environment": {f"K{i}": "v" for i in range(17)}}, "at most 16 entries"),
        (
            {"split_type": "None", "batch_strategy": "MultiRecord"},
            "BatchStrategy MultiRecord needs a TransformInput.SplitType",
        ),
        (
            {"split_type": "Line", "max_concurrent_transforms": 20},
            "MaxConcurrentTransforms x MaxPayloadInMB .* 20 x 6 = 120",
        ),
        ({"split_type": "Line", "max_concurrent_transforms": 2, "max_payload_in_mb": 60}, "2 x 60 = 120"),
        (
            {
                "input_filter": "$['account_id']",
                "content_type": "application/jsonlines",
                "accept": "application/jsonlines",
            },
            (
                'Invalid InputFilter: "\\$\\[\'account_id\'\\]". Unexpected "_" in JsonPath. Supported operators for '
                '"application/jsonlines"'
            ),
        ),
        ({"output_filter": "$[0:1,3:]", "content_type": "text/csv", "accept": "text/csv"}, "only single range filters"),
        ({"input_filter": "$[" + "1," * 40 + "1]"}, "length less than or equal to 63"),
        (
            {"join_source": "Input", "content_type": "text/csv", "accept": "text/csv", "split_type": "None"},
            "JoinSource Input with text/csv needs TransformInput.SplitType Line and TransformOutput.AssembleWith Line",
        ),
        (
            {"join_source": "Input", "content_type": "text/csv", "accept": "text/csv", "split_type": "Line"},
            "AssembleWith None",
        ),
        (
            {"join_source": "Input", "content_type": "application/x-recordio-protobuf", "accept": "text/csv"},
            "works on JSON and CSV only: TransformInput.ContentType",
        ),
    ],
)
def test_each_broken_rule_names_its_field(fields, message):
    with pytest.raises(TransformValidationError, match=message):
        settings(**fields)


def test_several_broken_rules_are_reported_together():
    with pytest.raises(TransformValidationError) as caught:
        settings(split_type="Lines", compression_type="Zip")
    assert str(caught.value).startswith("2 validation errors detected: ")
    assert caught.value.code == "ValidationException" and caught.value.status == 400


def test_csv_join_with_line_split_and_line_assembly_is_accepted():
    s = settings(
        join_source="Input",
        content_type="text/csv",
        accept="text/csv",
        split_type="Line",
        assemble_with="Line",
        input_filter="$[0:7]",
    )
    assert s.processes_data


@pytest.mark.parametrize(
    "answer, strategy",
    [
        (b'{"MaxConcurrentTransforms": 8, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 6}', "MultiRecord"),
        (b'{"BatchStrategy": "MultiRecord"}', "MultiRecord"),
        (b'{"BatchStrategy": "SINGLE_RECORD"}', "SingleRecord"),
        ({"BatchStrategy": "SingleRecord"}, "SingleRecord"),
    ],
)
def test_execution_parameters_accept_both_spellings(answer, strategy):
    assert parse_execution_parameters(answer).batch_strategy == strategy


@pytest.mark.parametrize(
    "answer, message",
    [
        (b"not json", "no JSON object"),
        (b"[1]", "JSON object"),
        (b'{"BatchStrategy": "Batch"}', "BatchStrategy='Batch'"),
        (b'{"MaxConcurrentTransforms": 0}', "MaxConcurrentTransforms=0"),
        (b'{"MaxPayloadInMB": "6"}', "MaxPayloadInMB='6'"),
    ],
)
def test_unusable_execution_parameters_are_named(answer, message):
    with pytest.raises(ExecutionParametersError, match=message):
        parse_execution_parameters(answer)


def test_precedence_is_api_then_container_then_default():
    container = parse_execution_parameters(
        b'{"MaxConcurrentTransforms": 8, "BatchStrategy": "SINGLE_RECORD", "MaxPayloadInMB": 3}'
    )
    from_container = resolve(settings(split_type="Line"), container)
    assert (
        from_container.batch_strategy,
        from_container.max_payload_in_mb,
        from_container.max_concurrent_transforms,
    ) == ("SingleRecord", 3, 8)
    from_api = resolve(
        settings(split_type="Line", batch_strategy="MultiRecord", max_payload_in_mb=1, max_concurrent_transforms=2),
        container,
    )
    assert (from_api.batch_strategy, from_api.max_payload_in_mb, from_api.max_concurrent_transforms) == (
        "MultiRecord",
        1,
        2,
    )
    zero_means_ask = resolve(settings(split_type="Line", max_concurrent_transforms=0), container)
    assert zero_means_ask.max_concurrent_transforms == 8


def test_container_environment_adds_the_job_and_the_batch_variables():
    s = settings(
        split_type="Line",
        batch_strategy="SingleRecord",
        max_payload_in_mb=2,
        max_concurrent_transforms=3,
        environment={"SHARED": "job", "JOB": "1"},
    )
    env = container_environment({"SHARED": "model", "MODEL": "1"}, s)
    assert env == {
        "SHARED": "job",
        "MODEL": "1",
        "JOB": "1",
        "SAGEMAKER_BATCH": "true",
        "SAGEMAKER_MAX_PAYLOAD_IN_MB": "2",
        "SAGEMAKER_BATCH_STRATEGY": "SINGLE_RECORD",
        "SAGEMAKER_MAX_CONCURRENT_TRANSFORMS": "3",
    }


def test_unset_limits_are_not_passed_to_the_container():
    assert container_environment({}, settings()) == {"SAGEMAKER_BATCH": "true"}


def test_a_section_that_is_not_an_object_is_named():
    with pytest.raises(TransformValidationError, match="TransformInput.DataSource must be a JSON object, got str"):
        from_request({**REQUEST, "TransformInput": {"DataSource": "s3://b/in"}})
