"""Figures of Part II: *Multi-layer networks and forward propagation* and *Backpropagation*.

Besides the figures, [`gradient_norms_by_layer`][neuralbook.plots.networks.gradient_norms_by_layer] and
[`vanishing_gradient_experiment`][neuralbook.plots.networks.vanishing_gradient_experiment] compute the per-layer gradient norms that the
chapter *Backpropagation* plots and quotes.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Circle

from neuralbook.network import Network
from neuralbook.plots._style import COLORS, new_figure

__all__ = [
    "draw_network",
    "plot_network_diagram",
    "gradient_norms_by_layer",
    "vanishing_gradient_experiment",
    "VANISHING_SETUPS",
    "plot_gradient_norms",
    "FIGURES",
]


def draw_network(ax, sizes, layer_names=None, neuron_labels=None):
    """Draw a fully connected network on ``ax``: one column of circles per layer.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    sizes : sequence of int
        Neurons per layer, input first (keep them small: every neuron is drawn).
    layer_names : sequence of str, optional
        A caption under each column.
    neuron_labels : sequence of sequence of str, optional
        A label inside each neuron, per layer.
    """
    tallest = max(sizes)
    x_gap = 2.4
    positions = []
    for i, size in enumerate(sizes):
        top = (size - 1) / 2
        positions.append([(i * x_gap, top - j) for j in range(size)])
    # Every neuron of a layer connects to every neuron of the next one.
    for left, right in zip(positions[:-1], positions[1:]):
        for x0, y0 in left:
            for x1, y1 in right:
                ax.plot([x0, x1], [y0, y1], color=COLORS["grey"], linewidth=0.7, alpha=0.6, zorder=1)
    colors = [COLORS["accent"]] + [COLORS["function"]] * (len(sizes) - 2) + [COLORS["derivative"]]
    for i, (column, color) in enumerate(zip(positions, colors)):
        for j, (x, y) in enumerate(column):
            ax.add_patch(Circle((x, y), 0.32, facecolor="white", edgecolor=color, linewidth=2, zorder=2))
            if neuron_labels is not None:
                ax.text(x, y, neuron_labels[i][j], ha="center", va="center", fontsize=9, zorder=3)
        if layer_names is not None:
            ax.text(column[0][0], -tallest / 2 - 0.2, layer_names[i], ha="center", va="top", fontsize=10)
    ax.set_xlim(-0.8, (len(sizes) - 1) * x_gap + 0.8)
    ax.set_ylim(-tallest / 2 - 1.3, tallest / 2 + 0.2)
    ax.set_aspect("equal")
    ax.axis("off")


def plot_network_diagram():
    """The 3 → 4 → 2 network of the worked example in *Forward propagation*."""
    figure, ax = new_figure(width=6.0, height=3.8)
    draw_network(
        ax,
        [3, 4, 2],
        layer_names=[
            "input x\n(3 numbers)",
            "hidden layer 1\n4 ReLU neurons\n$W^{[1]}$: (4, 3)",
            "output layer 2\n2 softmax neurons\n$W^{[2]}$: (2, 4)",
        ],
        neuron_labels=[
            [f"$x_{k + 1}$" for k in range(3)],
            [f"$a^{{[1]}}_{j + 1}$" for j in range(4)],
            [f"$a^{{[2]}}_{j + 1}$" for j in range(2)],
        ],
    )
    return figure


# --8<-- [start:gradient_norms]
def gradient_norms_by_layer(net, x, y):
    """The size of each layer's weight gradient, ‖∂C/∂W^[l]‖, first layer first.

    The size is the Frobenius norm, the square root of the sum of the squared entries.
    """
    _, gradients = net.loss_and_gradients(x, y)
    return [float(np.linalg.norm(dW)) for dW in gradients[0::2]]
# --8<-- [end:gradient_norms]


#: The three deep networks of the vanishing-gradient experiment: label -> (hidden activation, init).
VANISHING_SETUPS = {
    "sigmoid, Xavier": ("sigmoid", "xavier"),
    "ReLU, He": ("relu", "he"),
    "ReLU, N(0, 1)": ("relu", "standard_normal"),
}


def vanishing_gradient_experiment(hidden_layers=8, width=100, n=100, seed=0):
    """Per-layer gradient norms of deep networks at initialisation.

    Each network has ``width`` inputs, ``hidden_layers`` hidden layers of ``width``
    neurons and a 10-class softmax output; the batch is ``n`` random inputs from
    N(0, 1) with random labels (drawn with ``seed + 1``); every network is float64
    and initialised with ``seed``.

    Returns
    -------
    dict
        ``{label: [norm of layer 1, ..., norm of the output layer]}`` for every entry
        of [`VANISHING_SETUPS`][neuralbook.plots.networks.VANISHING_SETUPS].
    """
    sizes = [width] + [width] * hidden_layers + [10]
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((n, width))
    y = np.eye(10)[rng.integers(0, 10, n)]
    results = {}
    for label, (activation, init) in VANISHING_SETUPS.items():
        net = Network(sizes, hidden_activation=activation, output="softmax", loss="cross_entropy",
                      init=init, seed=seed, dtype=np.float64)
        results[label] = gradient_norms_by_layer(net, x, y)
    return results


def plot_gradient_norms():
    """Per-layer gradient norms (log scale) of the three deep networks."""
    hidden_layers, width = 8, 100
    results = vanishing_gradient_experiment(hidden_layers=hidden_layers, width=width)
    figure, ax = new_figure(width=6.4, height=3.8)
    styles = {
        "sigmoid, Xavier": (COLORS["bad"], "o"),
        "ReLU, He": (COLORS["good"], "s"),
        "ReLU, N(0, 1)": (COLORS["accent"], "^"),
    }
    for label, norms in results.items():
        color, marker = styles[label]
        layers = np.arange(1, len(norms) + 1)
        ax.semilogy(layers, norms, marker=marker, color=color, label=label)
    ax.set_xlabel("layer l (1 = first hidden layer, last = output layer)")
    ax.set_ylabel("‖∂C/∂W$^{[l]}$‖")
    ax.set_title(f"Gradient size per layer at initialisation ({hidden_layers} hidden layers of {width})")
    ax.set_xticks(np.arange(1, len(norms) + 1))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return figure


FIGURES = {
    "network-3-4-2.svg": plot_network_diagram,
    "gradient-norms-by-layer.svg": plot_gradient_norms,
}
