"""Figures of the chapter *Activation functions*."""

from __future__ import annotations

import numpy as np

from neuralbook.activations import (
    elu,
    elu_prime,
    leaky_relu,
    leaky_relu_prime,
    relu,
    relu_prime,
    sigmoid,
    sigmoid_prime,
    softmax,
    tanh,
    tanh_prime,
)
from neuralbook.plots._style import COLORS, new_figure, style_axes

#: The scores of the chapter's cat/dog/bird example and the temperatures shown.
SOFTMAX_SCORES = np.array([2.0, 1.0, 0.1])
SOFTMAX_CLASSES = ("cat", "dog", "bird")
TEMPERATURES = (0.5, 1.0, 2.0, 5.0)


def _function_and_derivative(function, derivative, name: str, z_range=(-6.0, 6.0), ylim=None):
    """One activation (solid) and its derivative (dashed) on the same axes."""
    z = np.linspace(*z_range, 601)
    figure, ax = new_figure(width=5.5, height=3.4)
    ax.plot(z, function(z), color=COLORS["function"], linewidth=2, label=f"{name}(z)")
    slope = np.asarray(derivative(z), dtype=np.float64)
    # A derivative that jumps (ReLU's at 0) is drawn with a gap, not a vertical segment it never takes.
    jumps = np.flatnonzero(np.abs(np.diff(slope)) > 0.1)
    ax.plot(np.insert(z, jumps + 1, np.nan), np.insert(slope, jumps + 1, np.nan), color=COLORS["derivative"],
            linestyle="--", linewidth=2, label=f"{name}'(z)")
    style_axes(ax, title=f"{name} and its derivative", xlabel="z")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.legend(loc="upper left")
    return figure


def plot_sigmoid():
    """The sigmoid and its derivative, whose largest value is 0.25 at z = 0."""
    figure = _function_and_derivative(sigmoid, sigmoid_prime, "σ", (-8, 8), (-0.1, 1.1))
    ax = figure.axes[0]
    ax.annotate("σ'(0) = 0.25", xy=(0, 0.25), xytext=(2.0, 0.35), arrowprops={"arrowstyle": "->"})
    return figure


def plot_tanh():
    """tanh and its derivative, whose largest value is 1 at z = 0."""
    return _function_and_derivative(tanh, tanh_prime, "tanh", (-5, 5), (-1.15, 1.15))


def plot_relu():
    """ReLU and its derivative (a step from 0 to 1)."""
    return _function_and_derivative(relu, relu_prime, "ReLU", (-4, 4), (-0.5, 4))


def plot_leaky_relu():
    """Leaky ReLU with a visibly large slope (0.1) so that the leak can be seen."""
    alpha = 0.1
    figure = _function_and_derivative(
        lambda z: leaky_relu(z, alpha), lambda z: leaky_relu_prime(z, alpha), "leaky ReLU", (-4, 4), (-0.8, 4)
    )
    figure.axes[0].set_title(f"leaky ReLU (α = {alpha} for visibility) and its derivative")
    return figure


def plot_elu():
    """ELU and its derivative: smooth for negative inputs, approaching −1."""
    figure = _function_and_derivative(elu, elu_prime, "ELU", (-4, 4), (-1.2, 4))
    figure.axes[0].axhline(-1, color=COLORS["grey"], linestyle=":", linewidth=1)
    return figure


def plot_softmax_temperature():
    """Softmax of the cat/dog/bird scores at several temperatures T (softmax(z / T))."""
    figure, ax = new_figure(width=6.0, height=3.4)
    width = 0.8 / len(TEMPERATURES)
    x = np.arange(len(SOFTMAX_CLASSES))
    colors = [COLORS["function"], COLORS["good"], COLORS["accent"], COLORS["derivative"]]
    for i, (temperature, color) in enumerate(zip(TEMPERATURES, colors)):
        probabilities = softmax(SOFTMAX_SCORES / temperature)
        ax.bar(x + (i - (len(TEMPERATURES) - 1) / 2) * width, probabilities, width, color=color, label=f"T = {temperature:g}")
    ax.set_xticks(x, [f"{name}\nz = {score:g}" for name, score in zip(SOFTMAX_CLASSES, SOFTMAX_SCORES)])
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    ax.set_title("softmax(z / T): low T sharpens, high T flattens")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend()
    return figure


def plot_vanishing_gradient():
    """Products of sigmoid slopes through n layers, at z = 0 (0.25^n, the largest) and at z = 2, against ReLU's slope of 1."""
    layers = np.arange(1, 21)
    figure, ax = new_figure(width=6.0, height=3.4)
    at_0, at_2, relu_slope = float(sigmoid_prime(0.0)), float(sigmoid_prime(2.0)), float(relu_prime(1.0))
    ax.semilogy(layers, at_0**layers, "o-", color=COLORS["bad"], label=f"sigmoid: at most {at_0:g} per layer")
    ax.semilogy(layers, at_2**layers, "s--", color=COLORS["accent"], label=f"sigmoid at z = 2: {at_2:.3f} per layer")
    ax.semilogy(layers, np.full(layers.shape, relu_slope), "^-", color=COLORS["good"], label=f"ReLU, active unit: {relu_slope:g} per layer")
    ax.set_xticks([1, 5, 10, 15, 20])
    ax.set_xlabel("number of layers the gradient passes through")
    ax.set_ylabel("product of the slopes")
    ax.set_title("Why deep sigmoid networks learn slowly")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower left")
    return figure


FIGURES = {
    "sigmoid.svg": plot_sigmoid,
    "tanh.svg": plot_tanh,
    "relu.svg": plot_relu,
    "leaky-relu.svg": plot_leaky_relu,
    "elu.svg": plot_elu,
    "softmax-temperature.svg": plot_softmax_temperature,
    "vanishing-gradient.svg": plot_vanishing_gradient,
}
