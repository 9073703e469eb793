"""Diagrams of Parts I and II: one neuron, a layered network with its shapes, a sigmoid shifted by its bias.

The diagrams are drawn from the package's own numbers where they show any: the neuron
diagram carries the weights of the student example of *The artificial neuron and the
perceptron*, the network diagram the shapes of a real
[`Network`][neuralbook.network.Network], and the shifted sigmoids are computed by
[`sigmoid`][neuralbook.activations.sigmoid].
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from neuralbook.activations import sigmoid
from neuralbook.network import Network
from neuralbook.plots._style import COLORS, new_figure, style_axes

__all__ = ["NEURON_EXAMPLE", "SHAPES_NETWORK", "SHIFT_BIASES", "plot_neuron", "plot_network_shapes",
           "plot_sigmoid_bias", "FIGURES"]

#: The neuron of the student example: inputs x, weights w, bias b.
NEURON_EXAMPLE = {"x": (5.0, 85.0, 7.0), "w": (0.6, 0.3, 0.1), "b": -2.0}
#: The layer sizes of the network whose shapes are drawn.
SHAPES_NETWORK = (784, 30, 10)
#: The biases of the shifted sigmoids σ(z) with z = x + b.
SHIFT_BIASES = (-2.0, 0.0, 2.0)


def _arrow(ax, start, end, color="black", width=1.2):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=color, linewidth=width,
                                 shrinkA=0, shrinkB=0, zorder=1))


def plot_neuron():
    """One neuron: inputs, their weights, the weighted sum plus bias, the activation, the output."""
    figure, ax = new_figure(width=7.0, height=3.2)
    x, w, b = NEURON_EXAMPLE["x"], NEURON_EXAMPLE["w"], NEURON_EXAMPLE["b"]
    ys = [1.0, 0.0, -1.0]
    sum_at, activation_at = (3.0, 0.0), (5.0, 0.0)
    for i, (y, x_i, w_i) in enumerate(zip(ys, x, w), start=1):
        ax.add_patch(Circle((0, y), 0.28, facecolor="white", edgecolor=COLORS["accent"], linewidth=2, zorder=2))
        ax.text(0, y, f"$x_{i}$", ha="center", va="center", fontsize=11, zorder=3)
        ax.text(-0.4, y, f"{x_i:g}", ha="right", va="center", fontsize=9, color=COLORS["grey"])
        _arrow(ax, (0.3, y), (sum_at[0] - 0.42, sum_at[1] + 0.25 * y))
        ax.text(1.45, 0.62 * y + 0.12, f"$w_{i} = {w_i:g}$", ha="center", va="bottom", fontsize=10,
                color=COLORS["function"])
    # The bias enters the sum from below.
    ax.text(sum_at[0], -1.25, f"bias $b = {b:g}$", ha="center", va="top", fontsize=10, color=COLORS["function"])
    _arrow(ax, (sum_at[0], -1.2), (sum_at[0], -0.42))
    ax.add_patch(Circle(sum_at, 0.4, facecolor="white", edgecolor=COLORS["function"], linewidth=2, zorder=2))
    ax.text(*sum_at, "Σ", ha="center", va="center", fontsize=16, zorder=3)
    ax.text(sum_at[0], 0.5, "$z = w \\cdot x + b$", ha="center", va="bottom", fontsize=10)
    _arrow(ax, (sum_at[0] + 0.42, 0), (activation_at[0] - 0.45, 0))
    ax.text(4.0, 0.1, "$z$", ha="center", va="bottom", fontsize=10)
    ax.add_patch(FancyBboxPatch((activation_at[0] - 0.42, -0.35), 0.84, 0.7, boxstyle="round,pad=0.05",
                                facecolor="white", edgecolor=COLORS["derivative"], linewidth=2, zorder=2))
    ax.text(*activation_at, "$f$", ha="center", va="center", fontsize=14, zorder=3)
    ax.text(activation_at[0], 0.5, "activation", ha="center", va="bottom", fontsize=10)
    _arrow(ax, (activation_at[0] + 0.5, 0), (6.6, 0))
    ax.text(6.7, 0, "$\\hat{y} = f(z)$", ha="left", va="center", fontsize=11)
    ax.text(0, 1.55, "inputs", ha="center", va="bottom", fontsize=10)
    ax.set_xlim(-1.0, 8.0)
    ax.set_ylim(-1.7, 1.9)
    ax.set_aspect("equal")
    ax.axis("off")
    return figure


def plot_network_shapes():
    """The [784, 30, 10] network as three columns, with the shape of every array for a batch of B rows."""
    net = Network(list(SHAPES_NETWORK))
    figure, ax = new_figure(width=8.0, height=3.6)
    columns = [(0.0, "input", "$A^{[0]} = X$", COLORS["accent"]),
               (4.0, "hidden layer 1", "$A^{[1]}$", COLORS["function"]),
               (8.0, "output layer 2", "$A^{[2]} = \\hat{Y}$", COLORS["derivative"])]
    heights = [2.6, 1.6, 1.0]  # box heights grow with the number of neurons, not in proportion
    for (x, name, symbol, color), height, size in zip(columns, heights, net.sizes):
        ax.add_patch(FancyBboxPatch((x - 0.55, -height / 2), 1.1, height, boxstyle="round,pad=0.05",
                                    facecolor="white", edgecolor=color, linewidth=2))
        ax.text(x, 0, f"{size}\nneurons" if x else f"{size}\ninputs", ha="center", va="center", fontsize=10)
        ax.text(x, 1.55, name, ha="center", va="bottom", fontsize=10)
        ax.text(x, -1.55, f"{symbol}\n(B, {size})", ha="center", va="top", fontsize=10)
    for l, (layer, (x_left, *_), (x_right, *_)) in enumerate(zip(net.layers, columns[:-1], columns[1:]), start=1):
        _arrow(ax, (x_left + 0.7, 0), (x_right - 0.7, 0), color=COLORS["grey"], width=1.5)
        middle = (x_left + x_right) / 2
        n_out, n_in = layer.W.shape
        ax.text(middle, 0.25, f"$W^{{[{l}]}}$: ({n_out}, {n_in})\n$b^{{[{l}]}}$: ({layer.b.shape[0]},)",
                ha="center", va="bottom", fontsize=10)
        ax.text(middle, -0.2, f"$Z^{{[{l}]}} = A^{{[{l - 1}]}} W^{{[{l}]\\mathsf{{T}}}} + b^{{[{l}]}}$",
                ha="center", va="top", fontsize=9, color=COLORS["grey"])
    ax.set_xlim(-1.2, 9.2)
    ax.set_ylim(-2.6, 2.1)
    ax.axis("off")
    return figure


def plot_sigmoid_bias():
    """σ(x + b) for three biases: the bias slides the curve, its midpoint sits at x = −b."""
    figure, ax = new_figure(width=6.0, height=3.4)
    x = np.linspace(-7, 7, 701)
    colors = (COLORS["accent"], COLORS["function"], COLORS["derivative"])
    for b, color in zip(SHIFT_BIASES, colors):
        ax.plot(x, sigmoid(x + b), color=color, linewidth=2, label=(f"σ(x {'+' if b > 0 else '−'} {abs(b):g})" if b else "σ(x)"))
        ax.scatter([-b], [0.5], color=color, zorder=3)
    style_axes(ax, title="The bias moves the sigmoid: its midpoint σ = 0.5 sits at x = −b", xlabel="x")
    ax.set_ylim(-0.05, 1.05)
    ax.legend(loc="upper left")
    return figure


FIGURES = {
    "neuron-diagram.svg": plot_neuron,
    "network-shapes.svg": plot_network_shapes,
    "sigmoid-bias.svg": plot_sigmoid_bias,
}
