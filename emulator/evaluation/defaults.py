"""The defaults `byoc evaluate` shows in its help, kept free of the `evaluate` extra's imports."""

DEFAULT_URL = "sqlite:///evaluations.db"  # the run history
DEFAULT_TOLERANCE = 1e-6  # parity: the largest absolute difference that still counts as equal
