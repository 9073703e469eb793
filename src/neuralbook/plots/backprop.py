"""Figures and measurements of the chapter *Backpropagation*.

Besides the figure of one layer's forward and backward flow, this module measures what
the chapter quotes: the error δ^[l] of every layer
([`layer_errors`][neuralbook.plots.backprop.layer_errors]), its size in deep networks
([`error_norm_experiment`][neuralbook.plots.backprop.error_norm_experiment]) and how
the variance of the weighted inputs changes from layer to layer under each
initialisation ([`variance_by_layer`][neuralbook.plots.backprop.variance_by_layer]).
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from neuralbook.network import Network, _output_error
from neuralbook.plots._style import COLORS, new_figure
from neuralbook.plots.networks import VANISHING_SETUPS

__all__ = [
    "layer_errors",
    "error_norm_experiment",
    "variance_by_layer",
    "plot_layer_graph",
    "plot_variance_by_layer",
    "plot_error_norms",
    "plot_autograd_graph",
    "FIGURES",
]


# --8<-- [start:layer_errors]
def layer_errors(net, x, y):
    """The errors δ^[l] = ∂C/∂z^[l] of every layer for a batch, first layer first.

    The same forward and backward pass as backpropagation, keeping the errors instead
    of turning them into gradients (no dropout).

    Parameters
    ----------
    net : neuralbook.network.Network
    x : numpy.ndarray, shape (B, n_in)
    y : numpy.ndarray
        Targets, as for [`Network.loss`][neuralbook.network.Network.loss].

    Returns
    -------
    list of numpy.ndarray
        One array of shape (B, n^[l]) per layer l = 1, ..., L.

    Examples
    --------
    >>> net = Network([3, 4, 2], seed=0, dtype=np.float64)
    >>> [delta.shape for delta in layer_errors(net, np.ones((5, 3)), np.eye(2)[[0, 1, 0, 1, 1]])]
    [(5, 4), (5, 2)]
    """
    a = net._check_x(x)
    y = net._check_y(y, a.shape[0])
    zs = []
    for layer in net.layers:
        z, a = layer.forward(a)
        zs.append(z)
    deltas = [_output_error(net.output, net.loss_name, y, z, a)]  # BP1
    for l in range(len(net.layers) - 1, 0, -1):
        deltas.append((deltas[-1] @ net.layers[l].W) * net.layers[l - 1].f_prime(zs[l - 1]))  # BP2
    return deltas[::-1]
# --8<-- [end:layer_errors]


def _deep_batch(width, n, seed):
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((n, width))
    y = np.eye(10)[rng.integers(0, 10, n)]
    return x, y


def error_norm_experiment(hidden_layers=8, width=100, n=100, seed=0):
    """Per-layer sizes of the errors, the inputs and the weight gradients of deep networks.

    The networks, batch and seeds of
    [`vanishing_gradient_experiment`][neuralbook.plots.networks.vanishing_gradient_experiment].

    Returns
    -------
    dict
        ``{label: {"delta": [...], "input": [...], "gradient": [...]}}``, one entry per
        layer l = 1, ..., L in each list: the Frobenius norms of δ^[l] (shape (B, n^[l])),
        of the layer's input a^[l-1] and of ∂C/∂W^[l].
    """
    sizes = [width] + [width] * hidden_layers + [10]
    x, y = _deep_batch(width, n, seed)
    results = {}
    for label, (activation, init) in VANISHING_SETUPS.items():
        net = Network(sizes, hidden_activation=activation, output="softmax", loss="cross_entropy",
                      init=init, seed=seed, dtype=np.float64)
        inputs, a = [], x
        for layer in net.layers:
            inputs.append(a)
            _, a = layer.forward(a)
        _, gradients = net.loss_and_gradients(x, y)
        results[label] = {
            "delta": [float(np.linalg.norm(delta)) for delta in layer_errors(net, x, y)],
            "input": [float(np.linalg.norm(a_prev)) for a_prev in inputs],
            "gradient": [float(np.linalg.norm(dW)) for dW in gradients[0::2]],
        }
    return results


# --8<-- [start:variance_by_layer]
def variance_by_layer(activation, weight_variance, layers=10, width=500, batch_size=1000, seed=0):
    """The variance of the weighted inputs z^[l] in each layer of a deep, wide network.

    Weights are drawn from N(0, weight_variance(n_in)), biases are zero, and the
    inputs from N(0, 1).

    Parameters
    ----------
    activation : callable
        The activation function of every layer, applied entry by entry.
    weight_variance : callable
        The variance of the weights as a function of the fan-in, such as
        ``lambda n_in: 2 / n_in``.
    layers, width, batch_size : int
    seed : int

    Returns
    -------
    list of float
        Var z^[l] over the batch and the neurons, for l = 1, ..., layers.

    Examples
    --------
    >>> relu = lambda z: np.maximum(z, 0)
    >>> variances = variance_by_layer(relu, lambda n_in: 2 / n_in, layers=3)
    >>> [round(v, 1) for v in variances]
    [2.0, 2.0, 1.9]
    """
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((batch_size, width))
    variances = []
    for _ in range(layers):
        W = rng.normal(0.0, np.sqrt(weight_variance(width)), size=(width, width))
        z = a @ W.T
        variances.append(float(z.var()))
        a = activation(z)
    return variances
# --8<-- [end:variance_by_layer]


def _box(ax, x, y, text, color, width=1.7, height=0.8):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.05",
                                facecolor="white", edgecolor=color, linewidth=1.8, zorder=2))
    ax.text(x, y, text, ha="center", va="center", fontsize=11.5, zorder=3)


def _arrow(ax, start, end, color, text=None, offset=(0.0, 0.25), style="-|>"):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14, color=color,
                                 linewidth=1.6, zorder=1, shrinkA=0, shrinkB=0))
    if text:
        middle = ((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1])
        ax.text(*middle, text, ha="center", va="center", fontsize=10.5, color=color)


def plot_layer_graph():
    """The computational graph of one layer: the forward flow on top, the backward flow below."""
    figure, ax = new_figure(width=7.6, height=4.4)
    forward, backward = COLORS["function"], COLORS["derivative"]
    # Forward: a^[l-1], W, b -> z = W a + b -> a = f(z) -> the layers above.
    _box(ax, 0.0, 2.0, "$a^{[l-1]}$", COLORS["grey"])
    _box(ax, 0.0, 3.4, "$W^{[l]},\\ b^{[l]}$", COLORS["accent"])
    _box(ax, 3.0, 2.0, "$z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}$", forward, width=3.0)
    _box(ax, 6.2, 2.0, "$a^{[l]} = f(z^{[l]})$", forward, width=2.0)
    _box(ax, 8.9, 2.0, "layers\n$l+1, \\dots, L$\nand the cost $C$", COLORS["grey"], width=1.9, height=1.2)
    _arrow(ax, (0.85, 2.1), (1.5, 2.1), forward)
    _arrow(ax, (0.6, 3.0), (2.0, 2.4), forward)
    _arrow(ax, (4.5, 2.1), (5.2, 2.1), forward)
    _arrow(ax, (7.2, 2.1), (7.95, 2.1), forward)
    ax.text(4.0, 3.4, "forward pass", ha="center", fontsize=11.5, color=forward)
    # Backward: dC/da^[l] -> delta = dC/da ⊙ f'(z) -> dW, db, dC/da^[l-1].
    _arrow(ax, (8.9, 1.4), (7.65, 0.45), backward)
    ax.text(9.0, 0.75, "$\\partial C/\\partial a^{[l]}$", ha="left", fontsize=11.5, color=backward)
    ax.text(8.6, -1.4, "backward pass", ha="center", fontsize=11.5, color=backward)
    _box(ax, 6.2, 0.2, "$\\delta^{[l]} = \\dfrac{\\partial C}{\\partial a^{[l]}} \\odot f'(z^{[l]})$",
         backward, width=2.8, height=0.95)
    _arrow(ax, (6.2, 1.6), (6.2, 0.7), COLORS["grey"], "$f'(z^{[l]})$", offset=(0.55, 0.05))
    _box(ax, 3.0, -1.4, "$\\dfrac{\\partial C}{\\partial W^{[l]}} = \\delta^{[l]} (a^{[l-1]})^{\\mathsf{T}}$,  "
         "$\\dfrac{\\partial C}{\\partial b^{[l]}} = \\delta^{[l]}$", backward, width=4.6, height=0.95)
    _box(ax, 0.0, 0.2, "$\\dfrac{\\partial C}{\\partial a^{[l-1]}} = (W^{[l]})^{\\mathsf{T}} \\delta^{[l]}$",
         backward, width=2.7, height=0.95)
    _arrow(ax, (4.8, 0.2), (1.35, 0.2), backward, "to layer $l-1$", offset=(0.0, 0.25))
    _arrow(ax, (5.6, -0.28), (4.4, -0.9), backward)
    ax.text(3.0, -2.3, "stored in the forward pass and reused: $a^{[l-1]}$ (for $\\partial C/\\partial W$) "
            "and $z^{[l]}$ (for $f'$)", ha="center", fontsize=10, color=COLORS["grey"])
    ax.set_xlim(-1.5, 10.4)
    ax.set_ylim(-2.6, 4.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return figure


def plot_autograd_graph():
    """The graph of f = (x y + z) σ(w): each node's forward value, and ∂f/∂node in red, computed with `Value`."""
    from neuralbook.autograd import Value

    x, y, z, w = Value(2.0), Value(-3.0), Value(3.5), Value(0.5)
    p = x * y
    q = p + z
    s = w.sigmoid()
    f = q * s
    f.backward()
    forward, backward = COLORS["function"], COLORS["derivative"]
    figure, ax = new_figure(width=7.6, height=3.9)
    nodes = {  # name: (value, position, label)
        "x": (x, (0.0, 3.0), "$x$"), "y": (y, (0.0, 1.7), "$y$"), "z": (z, (0.0, 0.4), "$z$"),
        "w": (w, (0.0, -0.9), "$w$"), "p": (p, (2.7, 2.35), "$p = x \\cdot y$"),
        "s": (s, (2.7, -0.9), "$s = \\sigma(w)$"), "q": (q, (5.2, 1.4), "$q = p + z$"),
        "f": (f, (7.7, 0.25), "$f = q \\cdot s$"),
    }
    for value, (cx, cy), label in nodes.values():
        _box(ax, cx, cy, f"{label}\n{round(value.data, 4):g}".replace("-", "\u2212"), forward, width=1.75, height=0.85)
        ax.text(cx, cy - 0.62, f"{round(value.grad, 4):g}".replace("-", "\u2212"), ha="center", va="center",
                fontsize=11, color=backward)
    for start, end in [("x", "p"), ("y", "p"), ("p", "q"), ("z", "q"), ("q", "f"), ("w", "s"), ("s", "f")]:
        (x0, y0), (x1, y1) = nodes[start][1], nodes[end][1]
        _arrow(ax, (x0 + 0.9, y0), (x1 - 0.9, y1 + 0.15 * (y0 > y1) - 0.15 * (y0 < y1)), COLORS["grey"])
    ax.text(3.9, 3.55, "in each box: a node and its forward value; under it, in red: $\\partial f/\\partial$node", ha="center",
            fontsize=10.5, color=COLORS["grey"])
    ax.set_xlim(-1.1, 8.8)
    ax.set_ylim(-1.8, 3.8)
    ax.set_aspect("equal")
    ax.axis("off")
    return figure


def plot_variance_by_layer():
    """Var z^[l] per layer for ReLU and tanh networks under three weight variances."""
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    setups = [
        ("ReLU, He: 2/n_in", relu, lambda n: 2 / n, COLORS["good"], "s"),
        ("ReLU, 1/n_in", relu, lambda n: 1 / n, COLORS["bad"], "o"),
        ("tanh, 1/n_in", np.tanh, lambda n: 1 / n, COLORS["function"], "^"),
    ]
    figure, ax = new_figure(width=6.4, height=3.6)
    for label, activation, variance, color, marker in setups:
        values = variance_by_layer(activation, variance)
        ax.semilogy(np.arange(1, len(values) + 1), values, marker=marker, color=color, label=label)
    ax.set_xlabel("layer l")
    ax.set_ylabel("Var $z^{[l]}$")
    ax.set_title("How the weight variance keeps, or loses, the signal's size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return figure


def plot_error_norms():
    """‖δ^[l]‖ and ‖a^[l-1]‖ per layer (log scale) for the networks of the vanishing-gradient experiment."""
    sizes = error_norm_experiment()
    styles = {  # the colours and markers of the figure of the weight gradients
        "sigmoid, Xavier": (COLORS["bad"], "o"),
        "ReLU, He": (COLORS["good"], "s"),
        "ReLU, N(0, 1)": (COLORS["accent"], "^"),
    }
    figure, (left, right) = new_figure(ncols=2, width=8.0, height=3.8)
    for label, measured in sizes.items():
        color, marker = styles[label]
        layers = np.arange(1, len(measured["delta"]) + 1)
        left.semilogy(layers, measured["delta"], marker=marker, color=color, label=label)
        right.semilogy(layers, measured["input"], marker=marker, color=color, label=label)
    left.set_title("The errors, computed from the output back")
    left.set_ylabel("‖δ$^{[l]}$‖")
    right.set_title("The inputs, computed from the data up")
    right.set_ylabel("‖a$^{[l-1]}$‖")
    for ax in (left, right):
        ax.set_xlabel("layer l (last = output layer)")
        ax.set_xticks(layers)
        ax.grid(True, alpha=0.3)
    left.legend(fontsize="small")
    return figure


FIGURES = {
    "backprop-one-layer.svg": plot_layer_graph,
    "variance-by-layer.svg": plot_variance_by_layer,
    "error-norms-by-layer.svg": plot_error_norms,
    "autograd-graph.svg": plot_autograd_graph,
}
