"""byoc/postprocessor: decodes predicted labels and looks up an agent in DynamoDB (handler.py)."""
