"""Figures of the chapter *The artificial neuron and the perceptron*."""

from __future__ import annotations

import numpy as np

from neuralbook.perceptron import INPUTS, TRUTH_TABLES, Perceptron, step, truth_table, with_product_feature
from neuralbook.plots._style import COLORS, REGION_TINTS, new_figure, style_axes

#: Settings of the chapter's training runs (the learning curves use the same).
LEARNING_RATE = 0.1
SEED = 0
XOR_EPOCHS = 30

#: Weights chosen by hand in the chapter: (w1, w2, b).
HAND_WEIGHTS = {"AND": (1.0, 1.0, -1.5), "OR": (1.0, 1.0, -0.5)}


def _points(ax, gate: str) -> None:
    """The four inputs, filled where the gate outputs 1 and hollow where it outputs 0."""
    X, y = truth_table(gate)
    ones, zeros = X[y == 1], X[y == 0]
    ax.scatter(ones[:, 0], ones[:, 1], s=120, color=COLORS["one"], zorder=3, label="output 1")
    ax.scatter(zeros[:, 0], zeros[:, 1], s=120, facecolors="white", edgecolors=COLORS["zero"], linewidths=2, zorder=3,
               label="output 0")
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(-0.5, 1.5)
    ax.set_aspect("equal")
    ax.set_xticks([0, 1])
    ax.set_yticks([0, 1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


def plot_step():
    """The step function used by the perceptron."""
    z = np.linspace(-3, 3, 601)
    figure, ax = new_figure(width=5.0, height=3.0)
    ax.plot(z[z < 0], step(z[z < 0]), color=COLORS["function"], linewidth=2)
    ax.plot(z[z >= 0], step(z[z >= 0]), color=COLORS["function"], linewidth=2)
    ax.scatter([0], [1], color=COLORS["function"], zorder=3)
    ax.scatter([0], [0], facecolors="white", edgecolors=COLORS["function"], zorder=3)
    style_axes(ax, title="step(z): 1 if z ≥ 0, else 0", xlabel="z")
    ax.set_ylim(-0.2, 1.2)
    return figure


def plot_gates():
    """AND and OR with the hand-chosen decision lines; XOR, which no line separates."""
    figure, axes = new_figure(ncols=3, width=9.0, height=3.4)
    x1 = np.linspace(-0.5, 1.5, 2)
    for ax, gate in zip(axes[:2], ("AND", "OR")):
        w1, w2, b = HAND_WEIGHTS[gate]
        _points(ax, gate)
        # The line w1 x1 + w2 x2 + b = 0; the side where it is ≥ 0 is shaded.
        line = -(w1 * x1 + b) / w2
        ax.plot(x1, line, color=COLORS["function"], linewidth=2)
        ax.fill_between(x1, line, 1.5, color=REGION_TINTS["one"])
        ax.set_title(f"{gate}: $x_1 + x_2 {b:+g} = 0$")
    _points(axes[2], "XOR")
    axes[2].set_title("XOR: no line separates")
    # The OR line, for example, puts (1, 1) on the side of the 1s.
    w1, w2, b = HAND_WEIGHTS["OR"]
    axes[2].plot(x1, -(w1 * x1 + b) / w2, color=COLORS["grey"], linestyle="--", linewidth=1.5)
    axes[2].annotate("wrong side", xy=(1, 1), xytext=(0.55, 1.3), color=COLORS["grey"],
                     arrowprops={"arrowstyle": "->", "color": COLORS["grey"]})
    axes[0].legend(loc="upper left", fontsize="small")
    return figure


def learning_curves() -> dict[str, list[int]]:
    """Mistakes per epoch when a perceptron (seed 0, learning rate 0.1) learns AND, OR and XOR."""
    curves = {}
    for gate in ("AND", "OR", "XOR"):
        X, y = truth_table(gate)
        model = Perceptron(INPUTS.shape[1], learning_rate=LEARNING_RATE, seed=SEED)
        curves[gate] = model.train(X, y, max_epochs=XOR_EPOCHS)
    return curves


def plot_learning_curves():
    """Mistakes per epoch: AND and OR reach zero, XOR never does."""
    figure, ax = new_figure(width=6.0, height=3.4)
    colors = {"AND": COLORS["good"], "OR": COLORS["accent"], "XOR": COLORS["bad"]}
    for gate, mistakes in learning_curves().items():
        epochs = np.arange(1, len(mistakes) + 1)
        ax.plot(epochs, mistakes, "o-", color=colors[gate], label=gate, markersize=4)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mistakes in the epoch")
    ax.set_yticks(range(5))
    ax.set_ylim(-0.2, 4.2)
    ax.set_title("The perceptron rule: AND and OR are learned, XOR never")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return figure


#: The line of the chapter that separates XOR once x₁x₂ is an input: weights (1, 1, −2), bias −0.5.
PRODUCT_WEIGHTS = (np.array([1.0, 1.0, -2.0]), -0.5)


def plot_product_feature():
    """XOR with the extra input x₁x₂: a plane separates the lifted points, two lines the original ones."""
    import matplotlib.pyplot as plt

    w, b = PRODUCT_WEIGHTS
    lifted = with_product_feature(INPUTS)
    y = TRUTH_TABLES["XOR"]
    figure = plt.figure(figsize=(9.0, 4.0), layout="constrained")
    ax3d = figure.add_subplot(1, 2, 1, projection="3d")
    for label, style in ((1, {"color": COLORS["one"]}), (0, {"facecolors": "white", "edgecolors": COLORS["zero"]})):
        pick = y == label
        ax3d.scatter(*lifted[pick].T, s=80, linewidths=2, depthshade=False, label=f"output {label}", **style)
    # The plane x1 + x2 - 2 x3 - 0.5 = 0, solved for x3.
    u = np.linspace(0, 1, 2)
    p1, p2 = np.meshgrid(u, u)
    ax3d.plot_surface(p1, p2, (w[0] * p1 + w[1] * p2 + b) / -w[2], color=COLORS["grey"], alpha=0.25)
    ax3d.set_xlabel("$x_1$")
    ax3d.set_ylabel("$x_2$")
    ax3d.set_zlabel("$x_1 x_2$")
    ax3d.set_xticks([0, 1])
    ax3d.set_yticks([0, 1])
    ax3d.set_zticks([0, 1])
    ax3d.set_title("With the input $x_1 x_2$, a plane separates XOR")
    ax3d.legend(loc="upper left", fontsize="small")

    ax = figure.add_subplot(1, 2, 2)
    grid = np.linspace(-0.5, 1.5, 401)
    g1, g2 = np.meshgrid(grid, grid)
    z = w[0] * g1 + w[1] * g2 + w[2] * g1 * g2 + b
    ax.contourf(g1, g2, z, levels=[-np.inf, 0, np.inf], colors=[REGION_TINTS["zero"], REGION_TINTS["one"]])
    ax.contour(g1, g2, z, levels=[0], colors=[COLORS["function"]], linewidths=2)
    _points(ax, "XOR")
    ax.set_title("The same neuron in the input plane:\n$x_1 + x_2 - 2x_1x_2 - 0.5 = 0$, two lines")
    return figure


FIGURES = {
    "perceptron-product-feature.svg": plot_product_feature,
    "step.svg": plot_step,
    "perceptron-gates.svg": plot_gates,
    "perceptron-learning-curves.svg": plot_learning_curves,
}
