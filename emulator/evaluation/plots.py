"""The report's figures as PNG bytes (matplotlib's Agg canvas, no pyplot state): scatter, residuals, confusion."""

import io

import numpy as np
from matplotlib.figure import Figure

SIZE = (6.0, 4.5)


def png(figure: Figure) -> bytes:
    """Render a figure to PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def predicted_vs_actual(actual: np.ndarray, predicted: np.ndarray) -> bytes:
    """Scatter the predictions against the labels, with the y = x line."""
    figure = Figure(figsize=SIZE)
    axes = figure.add_subplot()
    axes.scatter(actual, predicted, s=12, alpha=0.6, color="tab:blue", label="rows")
    low, high = float(min(actual.min(), predicted.min())), float(max(actual.max(), predicted.max()))
    axes.plot([low, high], [low, high], color="tab:red", linewidth=1.5, label="y = x")
    axes.set(xlabel="actual (label)", ylabel="predicted", title="Predicted vs actual")
    axes.legend(loc="upper left")
    return png(figure)


def residuals(actual: np.ndarray, predicted: np.ndarray) -> bytes:
    """Scatter the residuals (predicted - actual) against the predictions."""
    figure = Figure(figsize=SIZE)
    axes = figure.add_subplot()
    axes.scatter(predicted, predicted - actual, s=12, alpha=0.6, color="tab:orange")
    axes.axhline(0.0, color="tab:red", linewidth=1.5)
    axes.set(xlabel="predicted", ylabel="residual (predicted - actual)", title="Residuals")
    return png(figure)


def confusion(labels: list[str], matrix: list[list[int]]) -> bytes:
    """Draw the confusion matrix with counts in the cells."""
    counts = np.asarray(matrix)
    side = max(4.5, 0.6 * len(labels) + 2)
    figure = Figure(figsize=(side + 1, side))
    axes = figure.add_subplot()
    image = axes.imshow(counts, cmap="Blues")
    figure.colorbar(image, ax=axes)
    axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    axes.set_yticks(range(len(labels)), labels)
    axes.set(xlabel="predicted", ylabel="actual (label)", title="Confusion matrix")
    middle = counts.max() / 2 if counts.size else 0
    for (i, j), count in np.ndenumerate(counts):
        axes.text(j, i, str(count), ha="center", va="center", color="white" if count > middle else "black")
    return png(figure)
