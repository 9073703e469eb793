"""Solving XOR: the two networks of the chapter *Solving XOR*.

[`hand_built_xor`][neuralbook.xor.hand_built_xor] sets the weights of a 2-2-1 network by hand (hidden neurons OR
and AND, output "OR and not AND"); [`train_xor`][neuralbook.xor.train_xor] trains the same shape of network
from random weights. The chapter quotes their outputs, and ``neuralbook.plots.xor``
draws them.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

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


def hand_built_xor(X, steepness=None):
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
    """[`train_xor`][neuralbook.xor.train_xor] with its defaults, computed once per process."""
    return train_xor(seed=seed, hidden=hidden)


@lru_cache(maxsize=None)
def seed_survey(seeds=20, hidden=2):
    """Final loss and accuracy of [`train_xor`][neuralbook.xor.train_xor] for seeds 0 .. seeds-1: array (seeds, 2)."""
    X, y = truth_table("XOR")
    rows = []
    for seed in range(seeds):
        net, losses = trained_xor(seed=seed, hidden=hidden)
        rows.append((losses[-1], np.mean(net.predict(X) == y)))
    return np.array(rows)
