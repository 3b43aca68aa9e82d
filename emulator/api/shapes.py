"""The control plane's request and response shapes: AWS field names in, records out, and back.

Shapes follow botocore's `sagemaker/2017-07-24` service model (CreateModelInput, ProductionVariant,
DescribeEndpointOutput, ProductionVariantSummary, EndpointSummary, ...). Times are epoch seconds as
JSON numbers, which botocore's JSON parser reads as `Timestamp`.
"""

from pathlib import Path

from emulator.api.errors import ValidationException
from emulator.definitions.pipeline import PipelineSpec, parse_pipeline
from emulator.errors import SpecError
from emulator.resources.records import Endpoint, EndpointConfig, Model, Variant
from emulator.sagemaker import MAX_VARIANTS, NAME_RE  # EndpointName, VariantName, EndpointConfigName

STARTUP_TIMEOUT_RANGE = (60, 3600)  # ContainerStartupHealthCheckTimeoutInSeconds


def required(request: dict, field: str) -> str:
    """Return a required string member, or raise ValidationException naming it."""
    value = request.get(field)
    if not isinstance(value, str) or not value:
        # botocore's own wording for a missing member is client-side; this answers other callers
        raise ValidationException(
            f"1 validation error detected: Value null at '{field[0].lower()}{field[1:]}' "
            "failed to satisfy constraint: Member must not be null"
        )
    return value


def checked_name(request: dict, field: str) -> str:
    """Return a required name member matching SageMaker's name pattern."""
    name = required(request, field)
    if not NAME_RE.match(name):
        raise ValidationException(
            f"1 validation error detected: Value '{name}' at '{field[0].lower()}{field[1:]}' "
            f"failed to satisfy constraint: Member must satisfy regular expression pattern: "
            f"{NAME_RE.pattern}"
        )
    return name


# ---- requests --------------------------------------------------------------------------------------
def model_spec(request: dict, base_dir: Path | None = None) -> PipelineSpec:
    """Return the PipelineSpec of a CreateModel request, with the checks a definition file gets."""
    document = {key: value for key, value in request.items() if key != "Tags"}
    try:
        return parse_pipeline(document, base_dir or Path.cwd())
    except SpecError as err:
        raise ValidationException(str(err)) from None


def variants(request: dict) -> tuple[Variant, ...]:
    """Return the ProductionVariants of a CreateEndpointConfig request."""
    entries = request.get("ProductionVariants")
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_VARIANTS:
        raise ValidationException(f"ProductionVariants must list 1 to {MAX_VARIANTS} variants.")
    found = tuple(_variant(entry, i) for i, entry in enumerate(entries))
    names = [v.name for v in found]
    for name in names:
        if names.count(name) > 1:
            raise ValidationException(
                f"The VariantName {name} appears more than once in ProductionVariants; "
                "variant names must be unique within an endpoint config."
            )
    return found


def _variant(entry, index: int) -> Variant:
    if not isinstance(entry, dict):
        raise ValidationException(f"ProductionVariants[{index}] must be an object.")
    name = checked_name(entry, "VariantName")
    model = required(entry, "ModelName")
    weight = float(entry.get("InitialVariantWeight", 1.0))
    count = int(entry.get("InitialInstanceCount", 1))
    if weight < 0 or count < 1:
        raise ValidationException(f"Variant {name}: InitialVariantWeight must be >= 0 and InitialInstanceCount >= 1.")
    timeout = entry.get("ContainerStartupHealthCheckTimeoutInSeconds")
    if timeout is not None and not STARTUP_TIMEOUT_RANGE[0] <= int(timeout) <= STARTUP_TIMEOUT_RANGE[1]:
        raise ValidationException(
            f"Variant {name}: ContainerStartupHealthCheckTimeoutInSeconds must be between "
            f"{STARTUP_TIMEOUT_RANGE[0]} and {STARTUP_TIMEOUT_RANGE[1]}."
        )
    return Variant(name, model, weight, count, entry.get("InstanceType"), float(timeout) if timeout else None)


def tags(request: dict, field: str = "Tags") -> list[dict]:
    """Return a Tags member (an empty list is fine), each with a Key."""
    found = request.get(field) or []
    if not isinstance(found, list) or not all(isinstance(t, dict) and isinstance(t.get("Key"), str) for t in found):
        raise ValidationException(f"{field} must be a list of {{Key, Value}} objects.")
    return found


def request_of(spec: PipelineSpec) -> dict:
    """Return the CreateModel fields that describe `spec` (for a model made from a definition file)."""
    containers = []
    for c in spec.containers:
        entry = {"Image": c.image, "Environment": dict(c.environment)}
        if c.hostname_given:
            entry["ContainerHostname"] = c.hostname
        if c.model_data is not None:
            entry["ModelDataUrl"] = str(c.model_data)
        containers.append(entry)
    request = {"ModelName": spec.name, "Containers": containers, "InferenceExecutionConfig": {"Mode": spec.mode}}
    return request | ({"EnableNetworkIsolation": True} if spec.network_isolation else {})


# ---- responses -------------------------------------------------------------------------------------
def describe_model(model: Model) -> dict:
    """Return DescribeModelOutput."""
    return {**model.request, "ModelName": model.name, "ModelArn": model.arn, "CreationTime": model.created}


def describe_config(config: EndpointConfig) -> dict:
    """Return DescribeEndpointConfigOutput."""
    body = {k: v for k, v in config.request.items() if k != "Tags"}
    return {**body, "EndpointConfigName": config.name, "EndpointConfigArn": config.arn, "CreationTime": config.created}


def describe_endpoint(endpoint: Endpoint) -> dict:
    """Return DescribeEndpointOutput."""
    out = summarise_endpoint(endpoint)
    out["EndpointConfigName"] = endpoint.config_name
    out["ProductionVariants"] = [_variant_summary(state, endpoint) for state in endpoint.variants]
    if endpoint.failure_reason:
        out["FailureReason"] = endpoint.failure_reason
    return out


def _variant_summary(state, endpoint: Endpoint) -> dict:
    return {
        "VariantName": state.name,
        "DeployedImages": [
            {"SpecifiedImage": image, "ResolvedImage": image, "ResolutionTime": endpoint.created}
            for image in state.images
        ],
        "CurrentWeight": state.weight,
        "DesiredWeight": state.desired_weight if state.desired_weight is not None else state.weight,
        "CurrentInstanceCount": state.instance_count,
        "DesiredInstanceCount": (
            state.desired_instance_count if state.desired_instance_count is not None else state.instance_count
        ),
    }


def summarise_endpoint(endpoint: Endpoint) -> dict:
    """Return an EndpointSummary."""
    return {
        "EndpointName": endpoint.name,
        "EndpointArn": endpoint.arn,
        "CreationTime": endpoint.created,
        "LastModifiedTime": endpoint.modified,
        "EndpointStatus": endpoint.status.value,
    }


def summarise_model(model: Model) -> dict:
    """Return a ModelSummary."""
    return {"ModelName": model.name, "ModelArn": model.arn, "CreationTime": model.created}


def summarise_config(config: EndpointConfig) -> dict:
    """Return an EndpointConfigSummary."""
    return {"EndpointConfigName": config.name, "EndpointConfigArn": config.arn, "CreationTime": config.created}
