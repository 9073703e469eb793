"""Checks of a network before a long run: the loss it starts from, and how its layers start.

Three checks from Stanford's CS231n notes, each a number that a healthy start has and a
broken one misses. The loss of an untrained network on K classes should be near
``ln K``, the loss of a uniform guess. The activations and gradients of every layer
should neither vanish nor explode. And the first updates should move each weight
matrix by a small fraction of its size (CS231n suggests about 0.001 for SGD).

Examples
--------
>>> from neuralbook.network import Network
>>> network = Network([4, 8, 3], seed=0)
>>> x = np.random.default_rng(0).random((16, 4)).astype(np.float32)
>>> report = start_statistics(network, x, np.arange(16) % 3)
>>> print(round(report["chance_loss"], 4))  # ln 3
1.0986
>>> [layer["activation"] for layer in report["layers"]]
['relu', 'softmax']
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["chance_loss", "spread_loss", "start_statistics", "update_ratios"]


def chance_loss(classes: int) -> float:
    """The cross-entropy of a uniform guess among ``classes`` classes: ``ln K``.

    Examples
    --------
    >>> print(round(chance_loss(10), 4))
    2.3026
    """
    if classes < 2:
        raise ValueError(f"expected at least two classes, got {classes}")
    return math.log(classes)


def spread_loss(classes: int, spread: float) -> float:
    """The start's cross-entropy, approximately, when the output's weighted inputs spread.

    With weighted inputs ``z`` that are independent, normal, of mean 0 and standard
    deviation ``spread``, ``E[ln sum_k exp(z_k)] <= ln(K E[exp(z)]) = ln K + spread**2 / 2``,
    and for the small spreads of a sensible start the bound is close; ``-z_y`` adds
    nothing on average, so the start's loss is about ``ln K + spread**2 / 2``.

    Examples
    --------
    >>> print(round(spread_loss(10, 0.0), 4), round(spread_loss(10, 1.0), 4))
    2.3026 2.8026
    """
    if spread < 0:
        raise ValueError(f"expected a spread of at least 0, got {spread}")
    return chance_loss(classes) + spread**2 / 2


def start_statistics(network, images, labels) -> dict:
    """How an untrained network starts on a batch: its loss, its output's spread, each layer.

    Returns
    -------
    dict
        ``loss`` (on the batch), ``chance_loss`` (``ln K``), ``output_spread`` (standard
        deviation of the output layer's weighted inputs ``z``), ``spread_loss`` (the loss
        that spread predicts) and ``layers``: for each layer its ``activation``, the
        standard deviation of its outputs ``a`` (``activation_std``), the fraction of
        them that are not zero (``active_fraction``), and the standard deviations of its
        weights and of their gradient (``weight_std``, ``gradient_std``).
    """
    loss, gradients = network.loss_and_gradients(images, labels)
    a = np.asarray(images, dtype=network.dtype)
    layers = []
    for index, layer in enumerate(network.layers):
        z, a = layer.forward(a)
        layers.append({
            "activation": layer.activation,
            "activation_std": float(np.std(a)),
            "active_fraction": float(np.mean(a != 0)),
            "weight_std": float(np.std(layer.W)),
            "gradient_std": float(np.std(gradients[2 * index])),
        })
    classes = network.sizes[-1]
    spread = float(np.std(z))
    return {
        "loss": float(loss), "chance_loss": chance_loss(classes), "output_spread": spread,
        "spread_loss": spread_loss(classes, spread), "layers": layers,
    }


def update_ratios(network, optimizer, images, labels, steps: int = 1) -> list[float]:
    """Each weight matrix's update as a fraction of its size, ``|ΔW| / |W|``, after ``steps`` steps.

    The steps are taken on a copy; ``network`` and ``optimizer`` are left as they were
    only if the optimizer is fresh (its state, such as Adam's moments, is changed).

    Examples
    --------
    >>> from neuralbook.network import Network
    >>> from neuralbook.optimizers import SGD
    >>> network = Network([2, 2], output="softmax", seed=0, dtype=np.float64)
    >>> before = network.layers[0].W.copy()
    >>> ratios = update_ratios(network, SGD(0.1), np.ones((3, 2)), np.array([0, 1, 1]))
    >>> len(ratios), bool(np.array_equal(network.layers[0].W, before))  # the network is untouched
    (1, True)
    """
    from neuralbook.network import Network

    if steps < 1:
        raise ValueError(f"expected at least one step, got {steps}")
    copy = Network.from_config(network.config, parameters=[p.copy() for p in network.parameters()])
    start = [layer.W.copy() for layer in copy.layers]
    for _ in range(steps):
        _, gradients = copy.loss_and_gradients(images, labels)
        optimizer.step(copy.parameters(), gradients)
    return [float(np.linalg.norm(layer.W - W) / np.linalg.norm(W)) for layer, W in zip(copy.layers, start)]
