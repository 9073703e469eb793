"""Figures of the chapter *Solving XOR*, drawn from the networks in [`neuralbook.xor`][neuralbook.xor]."""

from __future__ import annotations

import numpy as np

from neuralbook.perceptron import truth_table
from neuralbook.plots._style import COLORS, new_figure
from neuralbook.xor import HAND_B1, hand_built_xor, trained_xor


def _grid(n=201):
    u = np.linspace(-0.5, 1.5, n)
    xs, ys = np.meshgrid(u, u)
    return xs, ys, np.c_[xs.ravel(), ys.ravel()]


def _points(ax):
    X, y = truth_table("XOR")
    for label, marker, color in ((0, "o", COLORS["function"]), (1, "s", COLORS["derivative"])):
        pick = y == label
        ax.scatter(X[pick, 0], X[pick, 1], marker=marker, s=60, color=color, edgecolor="black",
                   zorder=3, label=f"XOR = {label}")
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(-0.5, 1.5)
    ax.set_aspect("equal")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")


def plot_hand_built():
    """The two hidden lines of the hand-built network and the region where it outputs 1."""
    figure, ax = new_figure(width=4.2, height=4.0)
    xs, ys, grid = _grid()
    output, _ = hand_built_xor(grid)
    ax.contourf(xs, ys, output.reshape(xs.shape), levels=[-0.5, 0.5, 1.5],
                colors=["#e8eaf6", "#fce4ec"])
    u = np.linspace(-0.5, 1.5, 2)
    # Hidden neuron j fires where W1[j] · x + b1[j] >= 0; both rows of W1 are (1, 1).
    or_line, and_line = -HAND_B1
    ax.plot(u, or_line - u, color=COLORS["good"], label=f"h₁ (OR): x₁ + x₂ = {or_line}")
    ax.plot(u, and_line - u, color=COLORS["accent"], label=f"h₂ (AND): x₁ + x₂ = {and_line}")
    _points(ax)
    ax.set_title("Hand-built network: output 1 between the lines")
    ax.legend(fontsize=7, loc="upper right")
    return figure


def plot_trained_boundary():
    """Output of the trained 2-2-1 network over the plane, with its 0.5 contour."""
    net, _ = trained_xor()
    figure, (ax, hidden_ax) = new_figure(ncols=2, width=8.4, height=3.9)
    xs, ys, grid = _grid()
    output = net.forward(grid)[:, 0].reshape(xs.shape)
    filled = ax.contourf(xs, ys, output, levels=np.linspace(0, 1, 11), cmap="coolwarm", alpha=0.7)
    ax.contour(xs, ys, output, levels=[0.5], colors="black", linewidths=1.5)
    figure.colorbar(filled, ax=ax, shrink=0.8, label="network output")
    _points(ax)
    ax.set_title("Trained 2-2-1 network (seed 0)")

    X, y = truth_table("XOR")
    h = net.layers[0].forward(X)[1]
    for label, marker, color in ((0, "o", COLORS["function"]), (1, "s", COLORS["derivative"])):
        pick = y == label
        hidden_ax.scatter(h[pick, 0], h[pick, 1], marker=marker, s=60, color=color, edgecolor="black", zorder=3)
    labels = {}
    for (x1, x2), point in zip(X.astype(int), h):
        labels.setdefault(tuple(np.round(point, 3)), []).append(f"({x1}, {x2})")
    for point, names in labels.items():
        hidden_ax.annotate(" and ".join(names), point, textcoords="offset points", xytext=(-20, -14), fontsize=8)
    W2, b2 = net.layers[1].W[0], net.layers[1].b[0]
    u = np.linspace(-1.1, 1.1, 2)
    if abs(W2[1]) > 1e-12:
        hidden_ax.plot(u, -(W2[0] * u + b2) / W2[1], color="black", linewidth=1.2, label="output = 0.5")
    hidden_ax.set_xlim(-1.2, 1.2)
    hidden_ax.set_ylim(-1.2, 1.2)
    hidden_ax.set_aspect("equal")
    hidden_ax.set_xlabel("h₁")
    hidden_ax.set_ylabel("h₂")
    hidden_ax.grid(True, alpha=0.3)
    hidden_ax.legend(fontsize=7)
    hidden_ax.set_title("The four inputs in hidden space")
    return figure


def plot_xor_loss():
    """Loss per epoch for seeds 0 to 5: most fall to zero, some stop at ln(2)/2."""
    figure, ax = new_figure(width=6.0, height=3.2)
    for seed in range(6):
        _, losses = trained_xor(seed=seed)
        ax.plot(losses, label=f"seed {seed}")
    ax.axhline(np.log(2) / 2, color=COLORS["grey"], linestyle=":", label="ln(2)/2")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("binary cross-entropy")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    ax.set_title("Training the 2-2-1 network from six seeds")
    return figure


FIGURES = {
    "xor-hand-built.svg": plot_hand_built,
    "xor-trained-boundary.svg": plot_trained_boundary,
    "xor-loss.svg": plot_xor_loss,
}
