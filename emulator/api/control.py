"""The SageMaker control plane over HTTP: protocol json, `X-Amz-Target: SageMaker.<Operation>`.

A hook of the one WSGI app (`emulator.api.app.LocalApi.hooks`): it answers POSTs whose target is
SageMaker's, reads the JSON body, calls the resources (emulator.resources) and writes the JSON
answer. Errors are raised below as `ControlError`s and rendered once, as `{"__type", "message"}`
with the code in `x-amzn-ErrorType` too, which botocore's JSON parser reads.
"""

import json
import logging
from collections.abc import Callable
from pathlib import Path

from werkzeug.wrappers import Request, Response

from emulator.api import shapes, transform_shapes
from emulator.api.errors import UnknownControlOperation, ValidationException
from emulator.resources.endpoints import Endpoints
from emulator.resources.records import EndpointStatus, TransformJobStatus
from emulator.resources.store import Store, page
from emulator.resources.transform_jobs import TransformJobs
from emulator.sagemaker import JSON_CONTENT_TYPE, TARGET_PREFIX

LOG = logging.getLogger(__name__)
MAX_BODY_BYTES = 1024 * 1024


class ControlPlane:
    """SageMaker's model, endpoint-config, endpoint, transform job and tag operations over a Store."""

    def __init__(
        self,
        store: Store,
        endpoints: Endpoints,
        base_dir: Path | None = None,
        transform_jobs: TransformJobs | None = None,
    ):
        self.store, self.endpoints = store, endpoints
        self._transform_jobs = transform_jobs  # None: no local AWS to read input from, so no transform jobs
        self.base_dir = base_dir  # what relative ModelDataUrl paths are relative to (default: cwd)
        self.operations: dict[str, Callable[[dict], dict]] = {
            name: getattr(self, name) for name in dir(self) if name[:1].isupper()
        }

    # ---- the HTTP edge ---------------------------------------------------------------------------
    def hook(self, request: Request) -> Response | None:
        """Answer a SageMaker control-plane request; None for anything else."""
        target = request.headers.get("X-Amz-Target", "")
        if request.method != "POST" or not target.startswith(TARGET_PREFIX):
            return None
        operation = target[len(TARGET_PREFIX) :]
        payload = request.get_data(cache=False)[: MAX_BODY_BYTES + 1]
        request.environ["byoc.body_read"] = True
        if len(payload) > MAX_BODY_BYTES:
            raise ValidationException(f"The request body is over {MAX_BODY_BYTES} bytes.")
        try:
            body = json.loads(payload or b"{}")
        except ValueError:
            raise ValidationException(f"The body of {operation} is not JSON.") from None
        if not isinstance(body, dict):
            raise ValidationException(f"The body of {operation} must be a JSON object.")
        answer = self.call(operation, body)
        return Response(json.dumps(answer), status=200, content_type=JSON_CONTENT_TYPE)

    def call(self, operation: str, request: dict) -> dict:
        """Run one operation on a request shaped as botocore sends it; return the answer's fields."""
        handler = self.operations.get(operation)
        if handler is None:
            raise UnknownControlOperation(
                f"Operation {operation} is not served by this local SageMaker; it serves: "
                f"{', '.join(sorted(self.operations))}."
            )
        LOG.debug("%s %s", operation, request)
        return handler(request)

    # ---- models ----------------------------------------------------------------------------------
    def CreateModel(self, request: dict) -> dict:
        spec = shapes.model_spec(request, self.base_dir)
        model = self.store.create_model(spec, {k: v for k, v in request.items() if k != "Tags"}, shapes.tags(request))
        return {"ModelArn": model.arn}

    def DescribeModel(self, request: dict) -> dict:
        return shapes.describe_model(self.store.model(shapes.required(request, "ModelName")))

    def ListModels(self, request: dict) -> dict:
        with self.store.lock:
            models = list(self.store.models.values())
        items, token = _listed(models, request, lambda m: m.name, lambda m: m.created)
        return _with_token({"Models": [shapes.summarise_model(m) for m in items]}, token)

    def DeleteModel(self, request: dict) -> dict:
        self.store.delete_model(shapes.required(request, "ModelName"))
        return {}

    # ---- endpoint configs ------------------------------------------------------------------------
    def CreateEndpointConfig(self, request: dict) -> dict:
        name = shapes.checked_name(request, "EndpointConfigName")
        config = self.store.create_config(name, shapes.variants(request), request, shapes.tags(request))
        return {"EndpointConfigArn": config.arn}

    def DescribeEndpointConfig(self, request: dict) -> dict:
        return shapes.describe_config(self.store.config(shapes.required(request, "EndpointConfigName")))

    def ListEndpointConfigs(self, request: dict) -> dict:
        with self.store.lock:
            configs = list(self.store.configs.values())
        items, token = _listed(configs, request, lambda c: c.name, lambda c: c.created)
        return _with_token({"EndpointConfigs": [shapes.summarise_config(c) for c in items]}, token)

    def DeleteEndpointConfig(self, request: dict) -> dict:
        self.store.delete_config(shapes.required(request, "EndpointConfigName"))
        return {}

    # ---- endpoints -------------------------------------------------------------------------------
    def CreateEndpoint(self, request: dict) -> dict:
        name = shapes.checked_name(request, "EndpointName")
        endpoint = self.endpoints.create(name, shapes.required(request, "EndpointConfigName"), shapes.tags(request))
        return {"EndpointArn": endpoint.arn}

    def DescribeEndpoint(self, request: dict) -> dict:
        with self.store.lock:
            return shapes.describe_endpoint(self.endpoints.get(shapes.required(request, "EndpointName")))

    def ListEndpoints(self, request: dict) -> dict:
        status = request.get("StatusEquals")
        if status is not None and status not in {s.value for s in EndpointStatus}:
            raise ValidationException(f"StatusEquals {status!r} is not an endpoint status.")
        with self.store.lock:
            found = [e for e in self.endpoints.endpoints.values() if status is None or e.status.value == status]
            found = [e for e in found if _modified_within(e.modified, request)]
            items, token = _listed(found, request, lambda e: e.name, lambda e: e.created, lambda e: e.status.value)
            return _with_token({"Endpoints": [shapes.summarise_endpoint(e) for e in items]}, token)

    def UpdateEndpoint(self, request: dict) -> dict:
        name = shapes.required(request, "EndpointName")
        endpoint = self.endpoints.update(name, shapes.required(request, "EndpointConfigName"))
        return {"EndpointArn": endpoint.arn}

    def UpdateEndpointWeightsAndCapacities(self, request: dict) -> dict:
        name = shapes.required(request, "EndpointName")
        entries = request.get("DesiredWeightsAndCapacities")
        if not isinstance(entries, list) or not entries:
            raise ValidationException("DesiredWeightsAndCapacities must list at least one variant.")
        desired = {
            shapes.required(e, "VariantName"): (e.get("DesiredWeight"), e.get("DesiredInstanceCount")) for e in entries
        }
        return {"EndpointArn": self.endpoints.update_weights(name, desired).arn}

    def DeleteEndpoint(self, request: dict) -> dict:
        self.endpoints.delete(shapes.required(request, "EndpointName"))
        return {}

    # ---- transform jobs --------------------------------------------------------------------------
    @property
    def transform_jobs(self) -> TransformJobs:
        """Return the transform jobs, or refuse the operation where this control plane has none."""
        if self._transform_jobs is None:
            raise UnknownControlOperation("Transform jobs are served by a LocalSageMaker (byoc serve) only.")
        return self._transform_jobs

    def CreateTransformJob(self, request: dict) -> dict:
        name = shapes.checked_name(request, "TransformJobName")
        model_name = shapes.required(request, "ModelName")
        settings = transform_shapes.settings(request)
        body = {k: v for k, v in request.items() if k != "Tags"}
        job = self.transform_jobs.create(name, model_name, settings, body, shapes.tags(request))
        return {"TransformJobArn": job.arn}

    def DescribeTransformJob(self, request: dict) -> dict:
        jobs = self.transform_jobs
        with self.store.lock:
            return transform_shapes.describe(jobs.get(shapes.required(request, "TransformJobName")))

    def ListTransformJobs(self, request: dict) -> dict:
        status = request.get("StatusEquals")
        if status is not None and status not in {s.value for s in TransformJobStatus}:
            raise ValidationException(
                f"1 validation error detected: Value '{status}' at 'statusEquals' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(s.value for s in TransformJobStatus)}]"
            )
        jobs = self.transform_jobs
        with self.store.lock:
            found = [j for j in jobs.jobs.values() if status is None or j.status.value == status]
            found = [j for j in found if _modified_within(j.modified, request)]
            items, token = _listed(found, request, lambda j: j.name, lambda j: j.created, lambda j: j.status.value)
            return _with_token({"TransformJobSummaries": [transform_shapes.summarise(j) for j in items]}, token)

    def StopTransformJob(self, request: dict) -> dict:
        self.transform_jobs.stop(shapes.required(request, "TransformJobName"))
        return {}

    # ---- tags ------------------------------------------------------------------------------------
    def AddTags(self, request: dict) -> dict:
        return {"Tags": self.store.add_tags(shapes.required(request, "ResourceArn"), shapes.tags(request))}

    def DeleteTags(self, request: dict) -> dict:
        self.store.delete_tags(shapes.required(request, "ResourceArn"), request.get("TagKeys") or [])
        return {}

    def ListTags(self, request: dict) -> dict:
        tags, token = page(
            self.store.list_tags(shapes.required(request, "ResourceArn")),
            request.get("NextToken"),
            request.get("MaxResults") or 50,
        )
        return _with_token({"Tags": tags}, token)


def _listed(items: list, request: dict, name_of, created_of, status_of=None) -> tuple[list, str | None]:
    """Filter by NameContains and CreationTime, sort by SortBy/SortOrder, and page."""
    contains = request.get("NameContains")
    before, after = request.get("CreationTimeBefore"), request.get("CreationTimeAfter")
    items = [
        i
        for i in items
        if (contains is None or contains.lower() in name_of(i).lower())
        and (before is None or created_of(i) < float(before))
        and (after is None or created_of(i) > float(after))
    ]
    keys = {"Name": name_of, "CreationTime": created_of, "Status": status_of}
    sort_by = request.get("SortBy", "CreationTime")
    if keys.get(sort_by) is None:
        raise ValidationException(f"SortBy {sort_by!r} must be one of {', '.join(k for k, v in keys.items() if v)}.")
    order = request.get("SortOrder", "Descending")
    if order not in ("Ascending", "Descending"):
        raise ValidationException(f"SortOrder {order!r} must be Ascending or Descending.")
    items.sort(key=keys[sort_by], reverse=order == "Descending")
    return page(items, request.get("NextToken"), request.get("MaxResults"))


def _modified_within(modified: float, request: dict) -> bool:
    before, after = request.get("LastModifiedTimeBefore"), request.get("LastModifiedTimeAfter")
    return (before is None or modified < float(before)) and (after is None or modified > float(after))


def _with_token(answer: dict, token: str | None) -> dict:
    if token is not None:
        answer["NextToken"] = token
    return answer
