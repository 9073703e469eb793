"""Tests of the start-of-training checks, against Monte Carlo estimates and hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuralbook.network import Network
from neuralbook.optimizers import SGD
from neuralbook.sanity import chance_loss, spread_loss, start_statistics, update_ratios


def test_spread_loss_agrees_with_a_monte_carlo_estimate():
    rng = np.random.default_rng(0)
    for spread in (0.1, 0.3, 0.5):
        z = rng.normal(0.0, spread, size=(200_000, 10))
        # -ln softmax(z)_0, with the log-sum-exp written out
        top = z.max(axis=1, keepdims=True)
        estimate = np.mean(-z[:, 0] + top[:, 0] + np.log(np.exp(z - top).sum(axis=1)))
        assert spread_loss(10, spread) == pytest.approx(estimate, abs=0.015)
        assert spread_loss(10, spread) >= estimate - 0.002  # Jensen's bound


def test_a_network_with_all_weights_zero_starts_at_the_uniform_guess():
    network = Network([6, 5, 4], seed=0, dtype=np.float64)
    for p in network.parameters():
        p[...] = 0.0
    x = np.random.default_rng(1).random((7, 6))
    report = start_statistics(network, x, np.arange(7) % 4)
    assert report["loss"] == pytest.approx(math.log(4)) == pytest.approx(chance_loss(4))
    assert report["output_spread"] == 0.0 and report["spread_loss"] == pytest.approx(math.log(4))
    assert report["layers"][0]["active_fraction"] == 0.0  # ReLU(0) = 0 everywhere


def test_update_ratio_of_one_sgd_step_by_hand():
    network = Network([3, 2], output="softmax", seed=0, dtype=np.float64)
    x, y = np.random.default_rng(2).random((5, 3)), np.array([0, 1, 1, 0, 1])
    _, gradients = network.loss_and_gradients(x, y)
    W = network.layers[0].W.copy()
    expected = 0.5 * np.sqrt(np.sum(gradients[0] ** 2)) / np.sqrt(np.sum(W**2))
    assert update_ratios(network, SGD(0.5), x, y) == [pytest.approx(expected)]
    assert np.array_equal(network.layers[0].W, W)  # taken on a copy
    with pytest.raises(ValueError, match="at least one step"):
        update_ratios(network, SGD(0.5), x, y, steps=0)
    with pytest.raises(ValueError, match="two classes"):
        chance_loss(1)
