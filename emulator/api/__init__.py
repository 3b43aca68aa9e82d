"""The HTTP surface: one WSGI app answering the SageMaker Runtime API."""
