"""Deploy a definition to a SageMaker endpoint (real, or the local one), and tear it down again.

    from emulator.live import Options, Target, deploy, teardown
    description = deploy("fixtures/pipelines/abalone.toml", Target("abalone", ROLE_ARN, "my-bucket"))

Credentials come from boto3's own chain only; see docs/deploy.md.
"""

from emulator.live.deploy import Options, deploy, dry_run_requests
from emulator.live.plan import DeployError, Plan, Target, build_plan, validate
from emulator.live.teardown import teardown

__all__ = [
    "DeployError",
    "Options",
    "Plan",
    "Target",
    "build_plan",
    "deploy",
    "dry_run_requests",
    "teardown",
    "validate",
]
