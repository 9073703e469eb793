"""Figures of the chapter *Activation functions*."""

from __future__ import annotations

import numpy as np

from neuralbook.activations import sigmoid, sigmoid_prime
from neuralbook.plots._style import COLORS, new_figure, style_axes


def plot_sigmoid():
    """The sigmoid and its derivative on [-8, 8]."""
    z = np.linspace(-8, 8, 401)
    figure, ax = new_figure()
    ax.plot(z, sigmoid(z), color=COLORS["function"], label="σ(z)")
    ax.plot(z, sigmoid_prime(z), color=COLORS["derivative"], linestyle="--", label="σ'(z)")
    style_axes(ax, title="Sigmoid and its derivative", xlabel="z")
    ax.legend()
    return figure


FIGURES = {"sigmoid.svg": plot_sigmoid}
