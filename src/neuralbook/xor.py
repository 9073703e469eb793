"""Solving XOR: the two networks of the chapter *Solving XOR*, and a picture of universal approximation.

[`hand_built_xor`][neuralbook.xor.hand_built_xor] sets the weights of a 2-2-1 network by hand (hidden neurons OR
and AND, output "OR and not AND"); [`train_xor`][neuralbook.xor.train_xor] trains the same shape of network
from random weights. The chapter quotes their outputs, and ``neuralbook.plots.xor``
draws them.

[`bump`][neuralbook.xor.bump] and [`sum_of_bumps`][neuralbook.xor.sum_of_bumps] build, by hand, the one-hidden-layer
sigmoid networks with which the chapter makes the universal approximation theorem
visible: two steep sigmoids make a bump, and a row of bumps follows any continuous curve.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from neuralbook.activations import sigmoid
from neuralbook.network import Network
from neuralbook.optimizers import SGD
from neuralbook.perceptron import step, truth_table

# --8<-- [start:hand_built]
#: Hidden neuron 1 computes OR, hidden neuron 2 computes AND (one row of W1 each).
HAND_W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
HAND_B1 = np.array([-0.5, -1.5])
#: The output computes "h1 and not h2": fires when OR is on and AND is off.
HAND_W2 = np.array([[1.0, -1.0]])
HAND_B2 = np.array([-0.5])


def hand_built_xor(X: np.typing.ArrayLike, steepness: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The hand-built XOR network: outputs, shape (n,), and hidden activations, shape (n, 2).

    Parameters
    ----------
    X : array_like, shape (n, 2)
        Input pairs, one per row.
    steepness : float, optional
        ``None`` uses step units. A number k uses sigmoid units σ(k z) instead: the same
        network as a [`Network`][neuralbook.network.Network] whose weights are k times the
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
def train_xor(seed: int = 0, hidden: int = 2, learning_rate: float = 1.0, epochs: int = 1000) -> tuple[Network, np.ndarray]:
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
def trained_xor(seed: int = 0, hidden: int = 2) -> tuple[Network, np.ndarray]:
    """[`train_xor`][neuralbook.xor.train_xor] with its defaults, computed once per process."""
    return train_xor(seed=seed, hidden=hidden)


@lru_cache(maxsize=None)
def seed_survey(seeds: int = 20, hidden: int = 2) -> np.ndarray:
    """Final loss and accuracy of [`train_xor`][neuralbook.xor.train_xor] for seeds 0 .. seeds-1: array (seeds, 2)."""
    X, y = truth_table("XOR")
    rows = []
    for seed in range(seeds):
        net, losses = trained_xor(seed=seed, hidden=hidden)
        rows.append((losses[-1], np.mean(net.predict(X) == y)))
    return np.array(rows)


# --8<-- [start:bump]
def bump(x: np.typing.ArrayLike, left: float, right: float, height: float = 1.0, steepness: float = 100.0) -> np.ndarray:
    """A bump of the given height between left and right, made of two steep sigmoids.

    This is a network with one input, two hidden sigmoid neurons and a linear output:
    the hidden neurons σ(steepness (x − left)) and σ(steepness (x − right)) switch on
    at ``left`` and at ``right``, and the output weights ``height`` and −``height``
    subtract the second from the first. The steeper the sigmoids, the sharper the
    bump's edges.

    Parameters
    ----------
    x : array_like, shape (n,)
        Inputs.
    left, right : float
        Where the bump starts and ends.
    height : float, optional
        The bump's height (default 1).
    steepness : float, optional
        The weight of both hidden neurons; their biases are −steepness · left and
        −steepness · right.

    Returns
    -------
    numpy.ndarray, shape (n,)

    Examples
    --------
    >>> print(np.round(bump(np.array([0.1, 0.5, 0.9]), 0.3, 0.7, height=2.0), 4))
    [0. 2. 0.]
    """
    x = np.asarray(x, dtype=np.float64)
    switch_on = sigmoid(steepness * (x - left))  # hidden neuron 1: weight steepness, bias −steepness · left
    switch_off = sigmoid(steepness * (x - right))  # hidden neuron 2
    return height * switch_on - height * switch_off
# --8<-- [end:bump]


# --8<-- [start:sum_of_bumps]
def sum_of_bumps(f: Callable[[np.ndarray], np.ndarray], x: np.typing.ArrayLike, n_bumps: int, steepness: float | None = None,
                 start: float = 0.0, stop: float = 1.0) -> np.ndarray | float:
    """Approximate f on [start, stop] by n_bumps bumps, each as high as f at its middle.

    The bumps split [start, stop] into ``n_bumps`` equal pieces; the first and the last
    reach one piece beyond the ends, so that the interval's ends are not on a bump's
    edge. The result is a network with one hidden layer of 2 · ``n_bumps`` sigmoid
    neurons. Without a ``steepness``, it is 100 · ``n_bumps``, so that the edges stay
    sharp as the bumps get narrower.

    Parameters
    ----------
    f : callable
        The function to approximate, applied to an array.
    x : array_like, shape (n,)
        Where to evaluate the approximation.
    n_bumps : int
    steepness : float, optional

    Returns
    -------
    numpy.ndarray, shape (n,)

    Examples
    --------
    >>> middles = np.array([0.125, 0.375, 0.625, 0.875])
    >>> print(np.round(sum_of_bumps(lambda u: 2 * u, middles, 4), 3))
    [0.25 0.75 1.25 1.75]
    """
    if n_bumps < 1:
        raise ValueError(f"expected at least one bump, got {n_bumps}")
    steepness = 100.0 * n_bumps if steepness is None else steepness
    edges = np.linspace(start, stop, n_bumps + 1)
    middles = (edges[:-1] + edges[1:]) / 2
    heights = f(middles)
    width = (stop - start) / n_bumps
    lefts, rights = edges[:-1].copy(), edges[1:].copy()
    lefts[0] -= width
    rights[-1] += width
    return sum(bump(x, left, right, height, steepness) for left, right, height in zip(lefts, rights, heights))
# --8<-- [end:sum_of_bumps]


def wiggly_curve(x: np.typing.ArrayLike) -> np.ndarray:
    """The curve that the chapter approximates by bumps, 0.2 + 0.4 x² + 0.3 x sin(15 x).

    It is the curve of Nielsen's chapter 4 without its fastest wiggle.

    Examples
    --------
    >>> print(round(float(wiggly_curve(1.0)), 4))
    0.7951
    """
    x = np.asarray(x, dtype=np.float64)
    return 0.2 + 0.4 * x**2 + 0.3 * x * np.sin(15 * x)
