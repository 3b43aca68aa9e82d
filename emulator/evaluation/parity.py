"""Compare every served prediction with the offline model's: numeric differences, or label mismatches."""

from dataclasses import dataclass, field

import numpy as np

from .defaults import DEFAULT_TOLERANCE
from .metrics import as_label, as_number

FIRST_ROWS = 10


@dataclass
class Parity:
    """How far the served predictions are from the offline ones, row by row."""

    compared: int
    differences: list[float]  # per compared row: |served - offline|, or 0/1 for labels
    differing_rows: list[int] = field(default_factory=list)
    numeric: bool = True

    def figures(self) -> dict:
        """Return the parity figures for metrics.json."""
        values = [d for d in self.differences if d is not None]
        figures = {
            "parity_rows": self.compared,
            "parity_differing": len(self.differing_rows),
            "parity_first_differing_rows": self.differing_rows[:FIRST_ROWS],
        }
        if self.numeric:
            figures["parity_max_abs"] = float(max(values)) if values else 0.0
            figures["parity_mean_abs"] = float(np.mean(values)) if values else 0.0
        else:
            figures["parity_mismatches"] = len(self.differing_rows)
        return figures


def compare(rows: list[int], served: list, reference: list[str], tolerance: float = DEFAULT_TOLERANCE) -> Parity:
    """Compare served[i] (data row rows[i]) with reference[i]; numbers by absolute difference, else as labels."""
    pairs = list(zip(served, reference, strict=False))
    numeric = all(as_number(s) is not None and as_number(r) is not None for s, r in pairs)
    differences, differing = [], []
    for row, (mine, theirs) in zip(rows, pairs, strict=False):
        served_number, offline_number = as_number(mine), as_number(theirs)
        if numeric and served_number is not None and offline_number is not None:
            gap = abs(served_number - offline_number)
            off = gap > tolerance
        else:
            gap = float(as_label(mine) != as_label(theirs))
            off = bool(gap)
        differences.append(gap)
        if off:
            differing.append(row)
    return Parity(len(pairs), differences, differing, numeric)
