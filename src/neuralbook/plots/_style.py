"""Shared look of the book's figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

#: Colours used across the book, so that a function keeps its colour in every figure.
COLORS = {
    "function": "#3f51b5",
    "derivative": "#e91e63",
    "accent": "#ff9800",
    "good": "#2e7d32",
    "bad": "#c62828",
    "grey": "#757575",
    # A binary output keeps its colour in every figure (and in the perceptron widget):
    # 1 is indigo, drawn filled; 0 is orange, drawn hollow.
    "one": "#3f51b5",
    "zero": "#ef6c00",
}

#: Light tints of the two output colours, for the regions where a model answers 1 or 0.
REGION_TINTS = {"one": "#e8eaf6", "zero": "#fff3e0"}


def output_colormap():
    """A colour map from the colour of output 0 (orange) through white to that of output 1 (indigo)."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("output", [COLORS["zero"], "#ffffff", COLORS["one"]])


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 6.0, height: float = 3.6) -> tuple[Figure, object]:
    """A figure with a grid of axes, sized for a page of the book."""
    figure, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained")
    return figure, axes


def style_axes(ax, title: str | None = None, xlabel: str | None = None, ylabel: str | None = None) -> None:
    """Light grid, axis lines through zero where visible, optional labels."""
    ax.grid(True, alpha=0.3)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.axvline(0, color="black", linewidth=0.6)
    if title:
        ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
