"""The book's rules hold where they claim to: each against an independent computation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuralbook import rules
from neuralbook.activations import sigmoid, sigmoid_prime, softmax
from neuralbook.gradcheck import check_gradient, gradient_check
from neuralbook.initializers import INITIALIZERS
from neuralbook.losses import softmax_cross_entropy
from neuralbook.network import Network
from neuralbook.optimizers import SGD, Adam
from neuralbook.search import log_grid


def test_gradient_threshold_accepts_backpropagation_and_rejects_a_wrong_derivative():
    net = Network([4, 5, 3], hidden_activation="tanh", seed=0)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((6, 4)), np.eye(3)[rng.integers(0, 3, 6)]
    assert rules.gradient_is_right(gradient_check(net, x, y))
    # the sigmoid itself claimed as its own derivative
    wrong = check_gradient(lambda v: np.sum(sigmoid(v)), sigmoid, np.array([-2.0, 0.5, 3.0]))
    assert wrong >= rules.GRADIENT_CHECK_FAILURE and not rules.gradient_is_right(wrong)
    right = check_gradient(lambda v: np.sum(sigmoid(v)), sigmoid_prime, np.array([-2.0, 0.5, 3.0]))
    assert rules.gradient_is_right(right)


def test_gradient_is_right_rejects_a_negative_error():
    with pytest.raises(ValueError, match="relative error"):
        rules.gradient_is_right(-1e-9)


def test_learning_rate_grid_is_about_three_apart():
    grid = log_grid(0.01, 1.0)
    assert grid == [0.01, 0.03, 0.1, 0.3, 1.0]
    ratios = np.array(grid[1:]) / np.array(grid[:-1])
    assert np.all((ratios > 2.99) & (ratios < 3.34))  # 3 and 10/3, "about three"
    assert math.isclose(rules.LEARNING_RATE_GRID_FACTOR ** 2, 10)


def test_output_error_is_the_gradient_of_softmax_cross_entropy():
    z = np.array([2.0, 1.0, 0.1])
    y = np.array([1.0, 0.0, 0.0])
    h = 1e-6
    numeric = np.array([(softmax_cross_entropy(y, z + h * e) - softmax_cross_entropy(y, z - h * e)) / (2 * h)
                        for e in np.eye(3)])
    assert np.allclose(rules.output_error(softmax(z), y), numeric, atol=1e-8)
    with pytest.raises(ValueError, match="same shape"):
        rules.output_error(np.zeros(3), np.zeros(2))


def test_l2_is_weight_decay_with_sgd_only():
    eta, lam = 0.1, 0.5
    w = np.array([2.0, -1.0])
    SGD(eta).step([w], [lam * w])
    assert np.allclose(w, [2.0 * (1 - eta * lam), -1.0 * (1 - eta * lam)])  # by hand: 1.9, -0.95
    v = np.array([2.0, -1.0])
    Adam(learning_rate=eta).step([v], [lam * v])
    assert np.allclose(v, [2.0 - eta, -1.0 + eta], atol=1e-6)  # Adam's first step: eta * sign(w)
    assert rules.l2_is_weight_decay("sgd") and not rules.l2_is_weight_decay("adam")
    with pytest.raises(ValueError, match="optimizer"):
        rules.l2_is_weight_decay("rmsprop")


def _variance_ratio(activation, init, layers=8, width=200, seed=0, scale=1.0):
    """Var z of the last layer over Var z of the first, through a deep square network."""
    rng = np.random.default_rng(seed)
    a = scale * rng.standard_normal((500, width))
    variances = []
    for _ in range(layers):
        W, b = INITIALIZERS[init](width, width, rng)
        z = a @ W.T + b
        variances.append(z.var())
        a = activation(z)
    return variances[-1] / variances[0]


def test_init_for_activation_keeps_the_signal_where_the_alternative_does_not():
    assert set(rules.INIT_FOR_ACTIVATION.values()) <= set(INITIALIZERS)
    relu = lambda z: np.maximum(z, 0)
    assert rules.INIT_FOR_ACTIVATION["relu"] == "he"
    assert 0.5 < _variance_ratio(relu, "he") < 2 and _variance_ratio(relu, "xavier") < 0.05
    assert rules.INIT_FOR_ACTIVATION["tanh"] == "xavier"
    # Xavier's premise: near zero tanh is linear with slope one, and there Xavier keeps the
    # variance from layer to layer while He's doubles it at every layer
    assert math.isclose(np.tanh(1e-3) / 1e-3, 1, rel_tol=1e-6)
    assert 0.8 < _variance_ratio(np.tanh, "xavier", scale=1e-3) < 1.25
    assert _variance_ratio(np.tanh, "he", scale=1e-3) > 2 ** 6
    assert rules.INIT_FOR_ACTIVATION["sigmoid"] == "nielsen"
    W, _ = INITIALIZERS["nielsen"](784, 30, np.random.default_rng(0))
    assert abs(W.var() * 784 - 1) < 0.02
