"""Contract tests: SageMaker hosting rules as plain checks, plus a pytest plugin."""
