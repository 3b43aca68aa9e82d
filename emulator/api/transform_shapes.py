"""The transform job operations' shapes: CreateTransformJob in, DescribeTransformJob and TransformJobSummary out.

Shapes follow botocore's `sagemaker/2017-07-24` (CreateTransformJobRequest, DescribeTransformJobResponse,
TransformJobSummary). DescribeTransformJob echoes the request's sections; the three limits are the
values the job runs with once its first container was asked (API value, then the container's, then the
default), and TransformInput gets the defaults SageMaker documents (CompressionType and SplitType None).
Times are epoch seconds.
"""

from emulator.api.errors import ValidationException
from emulator.api.shapes import required
from emulator.resources.records import TransformJob
from emulator.transform import TransformSettings, TransformValidationError, from_request

ECHOED = (
    "ModelClientConfig",
    "Environment",
    "TransformInput",
    "TransformOutput",
    "DataCaptureConfig",
    "TransformResources",
    "DataProcessing",
    "ExperimentConfig",
    "BatchStrategy",
    "MaxPayloadInMB",
    "MaxConcurrentTransforms",
)


def settings(request: dict) -> TransformSettings:
    """Return the job's settings, or raise ValidationException in AWS's validation wording."""
    resources = request.get("TransformResources")
    if not isinstance(resources, dict):
        raise ValidationException(
            "1 validation error detected: Value null at 'transformResources' failed to satisfy constraint: "
            "Member must not be null"
        )
    required(resources, "InstanceType")
    count = resources.get("InstanceCount")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValidationException(
            f"1 validation error detected: Value '{count}' at 'transformResources.instanceCount' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1"
        )
    try:
        found = from_request(request)
    except TransformValidationError as err:
        raise ValidationException(err.message) from None
    for where, value in (
        ("TransformInput.DataSource.S3DataSource.S3Uri", found.input_uri),
        ("TransformOutput.S3OutputPath", found.output_path),
    ):
        if not value.startswith("s3://"):
            raise ValidationException(
                f"{where} {value!r}: this local SageMaker reads and writes s3:// URLs in its local S3 only."
            )
    return found


def describe(job: TransformJob) -> dict:
    """Return DescribeTransformJobResponse."""
    out = {key: job.request[key] for key in ECHOED if key in job.request}
    tin = dict(out.get("TransformInput") or {})
    tin.setdefault("CompressionType", "None")
    tin.setdefault("SplitType", "None")
    out["TransformInput"] = tin
    if job.limits is not None:
        out["BatchStrategy"] = job.limits.batch_strategy
        out["MaxPayloadInMB"] = job.limits.max_payload_in_mb
        out["MaxConcurrentTransforms"] = job.limits.max_concurrent_transforms
    out.update(
        TransformJobName=job.name,
        TransformJobArn=job.arn,
        TransformJobStatus=job.status.value,
        ModelName=job.model_name,
        CreationTime=job.created,
    )
    return _with_times(out, job)


def summarise(job: TransformJob) -> dict:
    """Return a TransformJobSummary."""
    out = {
        "TransformJobName": job.name,
        "TransformJobArn": job.arn,
        "CreationTime": job.created,
        "LastModifiedTime": job.modified,
        "TransformJobStatus": job.status.value,
    }
    return _with_times(out, job, start=False)


def _with_times(out: dict, job: TransformJob, start: bool = True) -> dict:
    if start and job.started is not None:
        out["TransformStartTime"] = job.started
    if job.ended is not None:
        out["TransformEndTime"] = job.ended
    if job.failure_reason:
        out["FailureReason"] = job.failure_reason
    return out
