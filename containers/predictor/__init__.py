"""byoc/predictor: serves an XGBoost model (handler.py)."""
