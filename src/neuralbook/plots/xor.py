"""Figures of the chapter *Solving XOR*, and the two networks behind them.

:func:`hand_built_xor` sets the weights of a 2-2-1 network by hand (hidden neurons OR
and AND, output "OR and not AND"); :func:`train_xor` trains the same shape of network
from random weights. The chapter quotes their outputs, and the figures draw them.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from neuralbook.network import Network
from neuralbook.optimizers import SGD
from neuralbook.perceptron import step, truth_table
from neuralbook.plots._style import COLORS, new_figure

# --8<-- [start:hand_built]
#: Hidden neuron 1 computes OR, hidden neuron 2 computes AND (one row of W1 each).
HAND_W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
HAND_B1 = np.array([-0.5, -1.5])
#: The output computes "h1 and not h2": fires when OR is on and AND is off.
HAND_W2 = np.array([[1.0, -1.0]])
HAND_B2 = np.array([-0.5])


def hand_built_xor(X, steepness=None):
    """The hand-built XOR network: outputs, shape (n,), and hidden activations, shape (n, 2).

    Parameters
    ----------
    X : array_like, shape (n, 2)
        Input pairs, one per row.
    steepness : float, optional
        ``None`` uses step units. A number k uses sigmoid units σ(k z) instead: the same
        network as a :class:`~neuralbook.network.Network` whose weights are k times the
        step network's, so it can be trained and differentiated.

    Examples
    --------
    >>> X, y = truth_table("XOR")
    >>> output, hidden = hand_built_xor(X)
    >>> print(output, hidden[:, 0], hidden[:, 1])
    [0. 1. 1. 0.] [0. 1. 1. 1.] [0. 0. 0. 1.]
    """
    X = np.asarray(X, dtype=np.float64)
    if steepness is None:
        hidden = step(X @ HAND_W1.T + HAND_B1)  # [OR, AND]
        output = step(hidden @ HAND_W2.T + HAND_B2)  # OR and not AND
        return output[:, 0], hidden
    net = Network([2, 2, 1], hidden_activation="sigmoid", output="sigmoid", loss="binary_cross_entropy",
                  dtype=np.float64)
    k = float(steepness)
    net.set_parameters([k * HAND_W1, k * HAND_B1, k * HAND_W2, k * HAND_B2])
    hidden = net.layers[0].forward(X)[1]
    return net.forward(X)[:, 0], hidden
# --8<-- [end:hand_built]


# --8<-- [start:train]
def train_xor(seed=0, hidden=2, learning_rate=1.0, epochs=1000):
    """Train a 2-``hidden``-1 network (tanh hidden, sigmoid output) on XOR.

    Full-batch gradient descent on the four examples with binary cross-entropy.

    Returns
    -------
    net : Network
        The trained network.
    losses : numpy.ndarray, shape (epochs + 1,)
        The loss before each epoch's update, then the final loss.
    """
    X, y = truth_table("XOR")
    net = Network([2, hidden, 1], hidden_activation="tanh", output="sigmoid",
                  loss="binary_cross_entropy", init="xavier", seed=seed, dtype=np.float64)
    optimizer = SGD(learning_rate)
    losses = []
    for _ in range(epochs):
        loss, gradients = net.loss_and_gradients(X, y)  # loss before this update
        optimizer.step(net.parameters(), gradients)
        losses.append(loss)
    losses.append(net.loss(X, y))
    return net, np.array(losses)
# --8<-- [end:train]


@lru_cache(maxsize=None)
def trained_xor(seed=0, hidden=2):
    """:func:`train_xor` with its defaults, computed once per process."""
    return train_xor(seed=seed, hidden=hidden)


@lru_cache(maxsize=None)
def seed_survey(seeds=20, hidden=2):
    """Final loss and accuracy of :func:`train_xor` for seeds 0 .. seeds-1: array (seeds, 2)."""
    X, y = truth_table("XOR")
    rows = []
    for seed in range(seeds):
        net, losses = trained_xor(seed=seed, hidden=hidden)
        rows.append((losses[-1], np.mean(net.predict(X) == y)))
    return np.array(rows)


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
    ax.plot(u, 0.5 - u, color=COLORS["good"], label="h₁ (OR): x₁ + x₂ = 0.5")
    ax.plot(u, 1.5 - u, color=COLORS["accent"], label="h₂ (AND): x₁ + x₂ = 1.5")
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
