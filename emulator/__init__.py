"""Local emulator for SageMaker serial inference pipelines of bring-your-own containers.

    from emulator import LocalEndpoint
    with LocalEndpoint("fixtures/pipelines/support.toml") as ep:
        ep.client().invoke_endpoint(EndpointName=ep.name, ContentType="text/csv", Body=b"...")

    with LocalSageMaker() as sm:          # CreateModel, CreateEndpoint ... through boto3 at sm.url
        sm.client("sagemaker").create_model(...)

Names are imported on first use, so `byoc build` does not pay for boto3 and testcontainers.
"""

import importlib

# public name -> module that defines it
_EXPORTS = {
    "LocalEndpoint": "emulator.hosting.endpoint",
    "LocalSageMaker": "emulator.hosting.service",
    "runtime_client": "emulator.hosting.endpoint",
    "ContainerGroup": "emulator.hosting.group",
    "Running": "emulator.hosting.startup",
    "LocalAws": "emulator.hosting.localaws",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    """Import a public name from its module on first use."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'emulator' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
