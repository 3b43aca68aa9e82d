"""byoc/featurizer: serves a fitted scikit-learn transformer (handler.py)."""
