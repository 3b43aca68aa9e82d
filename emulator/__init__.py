"""Local emulator for SageMaker serial inference pipelines of bring-your-own containers."""
