"""Errors of `byoc evaluate`: bad input or a run that could not happen (the CLI exits 2 on them)."""

from ..errors import ByocError


class EvaluationError(ByocError):
    """The evaluation could not run: bad data, options, answers, or an unreachable endpoint."""
