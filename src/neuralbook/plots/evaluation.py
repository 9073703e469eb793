"""The confusion-matrix figure, for the command line and for the book.

[`plot_confusion_matrix`][neuralbook.plots.evaluation.plot_confusion_matrix] draws any matrix (``neuralbook evaluate`` saves it with
[`save_confusion_matrix`][neuralbook.plots.evaluation.save_confusion_matrix]), and so does the book's figure of its
trained model (``neuralbook.plots.training``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neuralbook.plots._style import new_figure

def plot_confusion_matrix(matrix, title: str | None = None, class_names=None, mistakes_only: bool = False):
    """Draw a confusion matrix: rows true classes, columns predicted classes.

    The colour of a cell is its share of its row (so a rare class's mistakes are as
    visible as a common one's), on a square-root scale so that small shares still
    show; every cell is labelled with its count, and the diagonal is outlined.

    Parameters
    ----------
    matrix : array_like of int, shape (k, k)
    title : str, optional
    class_names : list of str, optional
        Tick labels; ``0, 1, ..., k - 1`` by default.
    mistakes_only : bool
        Leave the diagonal (the correct answers) blank, and colour the mistakes by
        their share of all mistakes, so the confusions stand out.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> figure = plot_confusion_matrix([[5, 1], [0, 7]], title="two classes")
    >>> figure.axes[0].get_xlabel()
    'predicted class'
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"expected a square confusion matrix, got shape {matrix.shape}")
    k = matrix.shape[0]
    names = [str(i) for i in range(k)] if class_names is None else [str(name) for name in class_names]
    if mistakes_only:
        matrix = matrix.copy()
        np.fill_diagonal(matrix, 0)
        total = matrix.sum()
        share = matrix / total if total else np.zeros(matrix.shape)
    else:
        totals = matrix.sum(axis=1, keepdims=True)
        share = np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
    size = 1.6 + 0.55 * k
    figure, ax = new_figure(width=size + 0.8, height=size)
    image = ax.imshow(np.sqrt(share), cmap="Blues", vmin=0, vmax=1)
    for (i, j), count in np.ndenumerate(matrix):
        if mistakes_only and i == j:
            continue
        colour = "white" if share[i, j] > 0.5 else "black"
        ax.text(j, i, str(int(count)), ha="center", va="center", fontsize=7 if k > 5 else 10, color=colour)
    for i in range(k):
        ax.add_patch(_cell_outline(i))
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    colorbar = figure.colorbar(image, ax=ax, shrink=0.8)
    ticks = np.array([0, 0.01, 0.1, 0.5, 1.0])
    colorbar.set_ticks(np.sqrt(ticks), labels=[f"{t:.0%}" for t in ticks])
    colorbar.set_label("share of all mistakes" if mistakes_only else "share of the true class")
    if title:
        ax.set_title(title)
    return figure


def _cell_outline(i):
    from matplotlib.patches import Rectangle

    return Rectangle((i - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=0.8)


def save_confusion_matrix(matrix, path, title: str | None = None) -> Path:
    """Draw [`plot_confusion_matrix`][neuralbook.plots.evaluation.plot_confusion_matrix] and save it (format from the suffix: .png, .svg, .pdf)."""
    import matplotlib.pyplot as plt

    from neuralbook.files import atomic_write

    figure = plot_confusion_matrix(matrix, title=title)
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    with atomic_write(path) as file:  # never a half-drawn figure under the final name
        figure.savefig(file, format=fmt, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
    plt.close(figure)
    return path
