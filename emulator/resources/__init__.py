"""State of the local SageMaker control plane: models, endpoint configs, endpoints; no HTTP, no Docker."""
