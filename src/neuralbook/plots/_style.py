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
}


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
