"""SageMaker's serial/direct forwarding through a pipeline's containers: pure, no Docker, no server."""
