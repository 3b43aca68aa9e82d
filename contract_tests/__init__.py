"""Contract tests: SageMaker hosting rules as plain checks, plus a pytest plugin that runs them on any image.

The names below load lazily: pytest imports this package in every run (for the plugin), and that must stay
cheap (the plugin imports only pytest, the option table and emulator.sagemaker's constants).
"""

import importlib

_EXPORTS = {
    "Subject": "checks",
    "Limits": "config",
    "PipelineConfig": "config",
    "TargetConfig": "config",
    "TargetError": "config",
    "from_options": "config",
    "from_pipeline": "config",
    "load_target": "config",
    "RULES": "rules",
    "Rule": "rules",
    "ContractSession": "session",
    "NotJudged": "verdict",
    "Outcome": "verdict",
    "RuleFailure": "verdict",
    "Status": "verdict",
}
__all__ = [
    "RULES",
    "ContractSession",
    "Limits",
    "NotJudged",
    "Outcome",
    "PipelineConfig",
    "Rule",
    "RuleFailure",
    "Status",
    "Subject",
    "TargetConfig",
    "TargetError",
    "from_options",
    "from_pipeline",
    "load_target",
]
assert sorted(__all__) == sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'contract_tests' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
