"""Models, endpoint configs and tags of the local account: thread-safe state, no HTTP, no Docker.

Errors are raised here with SageMaker's code and wording, rendered once by `emulator.api.control`:
- "Cannot create already existing model ..." (CONTRACT.md: the SageMaker Python SDK matches exactly
  this text), "Cannot create already existing endpoint configuration \"ARN\"."
  (awslabs/spot-tagging-bot-for-digital-assets#2).
- "Could not find model \"ARN\"." for CreateEndpointConfig (CONTRACT.md); "Could not find model",
  "Could not find endpoint configuration" as Describe/Delete prefixes
  (aws/amazon-sagemaker-operator-for-k8s, controllers/clientwrapper: ValidationException for each).
"""

import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from emulator.api.errors import ValidationException
from emulator.definitions.pipeline import PipelineSpec
from emulator.resources.records import EndpointConfig, Model, Variant
from emulator.sagemaker import MAX_TAGS, arn

T = TypeVar("T")
DEFAULT_MAX_RESULTS = 10  # List* MaxResults default (sagemaker/2017-07-24)


class Store:
    """The control plane's models, endpoint configs and tags, guarded by one re-entrant lock."""

    def __init__(self, region: str = "us-east-1", clock: Callable[[], float] = time.time):
        self.region = region
        self.clock = clock
        self.lock = threading.RLock()
        self.models: dict[str, Model] = {}
        self.configs: dict[str, EndpointConfig] = {}
        self.tags: dict[str, dict[str, str]] = {}

    def arn(self, kind: str, name: str) -> str:
        """Return the ARN of a resource of this account and region."""
        return arn(self.region, kind, name)

    # ---- models ----------------------------------------------------------------------------------
    def create_model(self, spec: PipelineSpec, request: dict, tags: list[dict] | None = None) -> Model:
        """Record a model whose containers `spec` describes; refuse a name already taken."""
        model_arn = self.arn("model", spec.name)
        with self.lock:
            if spec.name in self.models:
                raise ValidationException(f'Cannot create already existing model "{model_arn}".')
            model = Model(spec.name, model_arn, spec, request, self.clock())
            self.models[spec.name] = model
            self.set_tags(model_arn, tags or [])
            return model

    def model(self, name: str) -> Model:
        """Return the model `name`, or raise SageMaker's 'Could not find model'."""
        with self.lock:
            found = self.models.get(name)
        if found is None:
            raise ValidationException(f'Could not find model "{self.arn("model", name)}".')
        return found

    def delete_model(self, name: str) -> None:
        """Forget model `name` (endpoints already serving it keep their containers, as in SageMaker)."""
        with self.lock:
            model = self.model(name)
            del self.models[name]
            self.tags.pop(model.arn, None)

    # ---- endpoint configs ------------------------------------------------------------------------
    def create_config(
        self, name: str, variants: tuple[Variant, ...], request: dict, tags: list[dict] | None = None
    ) -> EndpointConfig:
        """Record an endpoint config; every variant's model must exist."""
        config_arn = self.arn("endpoint-config", name)
        with self.lock:
            if name in self.configs:
                raise ValidationException(f'Cannot create already existing endpoint configuration "{config_arn}".')
            for variant in variants:
                self.model(variant.model_name)
            config = EndpointConfig(name, config_arn, variants, request, self.clock())
            self.configs[name] = config
            self.set_tags(config_arn, tags or [])
            return config

    def config(self, name: str) -> EndpointConfig:
        """Return the endpoint config `name`, or raise SageMaker's 'Could not find endpoint configuration'."""
        with self.lock:
            found = self.configs.get(name)
        if found is None:
            raise ValidationException(f'Could not find endpoint configuration "{self.arn("endpoint-config", name)}".')
        return found

    def delete_config(self, name: str) -> None:
        """Forget endpoint config `name`."""
        with self.lock:
            config = self.config(name)
            del self.configs[name]
            self.tags.pop(config.arn, None)

    # ---- tags ------------------------------------------------------------------------------------
    def add_tags(self, resource_arn: str, tags: list[dict]) -> list[dict]:
        """Add or replace tags on a resource; return all of its tags."""
        with self.lock:
            self.set_tags(resource_arn, tags)
            return self.list_tags(resource_arn)

    def delete_tags(self, resource_arn: str, keys: Iterable[str]) -> None:
        """Remove the tags named `keys` from a resource."""
        with self.lock:
            for key in keys:
                self.tags.get(resource_arn, {}).pop(key, None)

    def list_tags(self, resource_arn: str) -> list[dict]:
        """Return a resource's tags as SageMaker's Tag list."""
        with self.lock:
            return [{"Key": k, "Value": v} for k, v in self.tags.get(resource_arn, {}).items()]

    def set_tags(self, resource_arn: str, tags: list[dict]) -> None:
        """Add or replace tags on a resource (call under the lock)."""
        current = self.tags.setdefault(resource_arn, {})
        merged = current | {tag["Key"]: tag.get("Value", "") for tag in tags}
        if len(merged) > MAX_TAGS:
            raise ValidationException(
                f"A resource can have at most {MAX_TAGS} tags; {resource_arn} would have {len(merged)}."
            )
        self.tags[resource_arn] = merged


def page(items: list[T], token: str | None, max_results: int | None) -> tuple[list[T], str | None]:
    """Return one page of `items` from the offset `token` names, and the next page's token."""
    try:
        start = int(token or 0)
    except ValueError:
        raise ValidationException(f"NextToken {token!r} is not a token this service returned.") from None
    size = max_results or DEFAULT_MAX_RESULTS
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)
