"""Figures of the chapter *Solving XOR*, drawn from the networks in [`neuralbook.xor`][neuralbook.xor]."""

from __future__ import annotations

import numpy as np

from neuralbook.perceptron import truth_table
from neuralbook.activations import sigmoid
from neuralbook.plots._style import COLORS, REGION_TINTS, new_figure, output_colormap, style_axes
from neuralbook.xor import HAND_B1, bump, hand_built_xor, sum_of_bumps, trained_xor, wiggly_curve

#: The bump of the chapter's figure: from 0.4 to 0.6, height 0.8, and the steepnesses drawn.
BUMP = {"left": 0.4, "right": 0.6, "height": 0.8}
BUMP_STEEPNESS = (10.0, 50.0, 200.0)
#: The numbers of bumps with which the chapter approximates its curve.
BUMP_COUNTS = (5, 20)


def _scatter_outputs(ax, points, y, size=70):
    """Points drawn in the book's output colours: filled indigo for 1, hollow orange for 0."""
    for label in (0, 1):
        pick = y == label
        style = ({"color": COLORS["one"]} if label == 1
                 else {"facecolors": "white", "edgecolors": COLORS["zero"], "linewidths": 2})
        ax.scatter(points[pick, 0], points[pick, 1], s=size, zorder=3, label=f"XOR = {label}", **style)


def _grid(n=201):
    u = np.linspace(-0.5, 1.5, n)
    xs, ys = np.meshgrid(u, u)
    return xs, ys, np.c_[xs.ravel(), ys.ravel()]


def _points(ax):
    X, y = truth_table("XOR")
    _scatter_outputs(ax, X, y)
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
                colors=[REGION_TINTS["zero"], REGION_TINTS["one"]])
    u = np.linspace(-0.5, 1.5, 2)
    # Hidden neuron j fires where W1[j] · x + b1[j] >= 0; both rows of W1 are (1, 1).
    or_line, and_line = -HAND_B1
    ax.plot(u, or_line - u, color=COLORS["good"], label=f"h₁ (OR): x₁ + x₂ = {or_line}")
    ax.plot(u, and_line - u, color=COLORS["derivative"], label=f"h₂ (AND): x₁ + x₂ = {and_line}")
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
    filled = ax.contourf(xs, ys, output, levels=np.linspace(0, 1, 11), cmap=output_colormap(), alpha=0.8)
    ax.contour(xs, ys, output, levels=[0.5], colors="black", linewidths=1.5)
    figure.colorbar(filled, ax=ax, shrink=0.8, label="network output")
    _points(ax)
    ax.set_title("Trained 2-2-1 network (seed 0)")

    X, y = truth_table("XOR")
    h = net.layers[0].forward(X)[1]
    _scatter_outputs(hidden_ax, h, y)
    labels = {}  # inputs whose hidden points (almost) coincide share one label
    for (x1, x2), point in zip(X.astype(int), h):
        near = [key for key in labels if np.linalg.norm(np.subtract(key, point)) < 0.05]
        labels.setdefault(near[0] if near else tuple(point), []).append(f"({x1}, {x2})")
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


def plot_bump():
    """Two steep sigmoids, switched on at 0.4 and at 0.6, and their difference: a bump."""
    figure, (parts_ax, bump_ax) = new_figure(ncols=2, width=9.0, height=3.4)
    x = np.linspace(0, 1, 1001)
    k = BUMP_STEEPNESS[1]
    parts_ax.plot(x, sigmoid(k * (x - BUMP["left"])), color=COLORS["function"], linewidth=2,
                  label=f"σ({k:g}(x − {BUMP['left']:g}))")
    parts_ax.plot(x, sigmoid(k * (x - BUMP["right"])), color=COLORS["derivative"], linewidth=2, linestyle="--",
                  label=f"σ({k:g}(x − {BUMP['right']:g}))")
    style_axes(parts_ax, title="Two hidden sigmoid neurons", xlabel="x")
    parts_ax.legend(loc="upper left", fontsize="small")
    for steepness, style in zip(BUMP_STEEPNESS, (":", "--", "-")):
        bump_ax.plot(x, bump(x, BUMP["left"], BUMP["right"], BUMP["height"], steepness), linestyle=style,
                     color=COLORS["good"], linewidth=2, label=f"steepness {steepness:g}")
    style_axes(bump_ax, title=f"Output: {BUMP['height']:g} × first − {BUMP['height']:g} × second", xlabel="x")
    bump_ax.legend(loc="upper left", fontsize="small")
    bump_ax.set_ylim(-0.1, 1.0)
    return figure


def plot_sum_of_bumps():
    """A curve and its approximations by 5 and by 20 bumps."""
    figure, axes = new_figure(ncols=len(BUMP_COUNTS), width=9.0, height=3.4)
    x = np.linspace(0, 1, 1001)
    for ax, n_bumps in zip(axes, BUMP_COUNTS):
        ax.plot(x, wiggly_curve(x), color=COLORS["grey"], linewidth=3, alpha=0.6, label="the curve f")
        ax.plot(x, sum_of_bumps(wiggly_curve, x, n_bumps), color=COLORS["function"], linewidth=1.5,
                label=f"{n_bumps} bumps ({2 * n_bumps} hidden neurons)")
        style_axes(ax, title=f"{n_bumps} bumps", xlabel="x")
        ax.set_ylim(-0.05, 1.0)
        ax.legend(loc="upper left", fontsize="small")
    return figure


FIGURES = {
    "uat-bump.svg": plot_bump,
    "uat-sum-of-bumps.svg": plot_sum_of_bumps,
    "xor-hand-built.svg": plot_hand_built,
    "xor-trained-boundary.svg": plot_trained_boundary,
    "xor-loss.svg": plot_xor_loss,
}
