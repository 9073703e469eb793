"""The gradient checker: its pieces against hand-derived gradients, and that it catches bugs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuralbook.gradcheck import (
    check_gradient,
    gradient_check,
    gradient_errors,
    numerical_gradient,
    relative_error,
)
from neuralbook.network import Network


def test_relative_error_formula():
    a, b = np.array([3.0, 4.0]), np.array([3.0, 4.0 + 1e-3])
    # |a - b| = 1e-3; |a| = 5; |b| = sqrt(9 + 4.001^2)
    expected = 1e-3 / (5 + np.sqrt(9 + 4.001**2))
    assert relative_error(a, b) == pytest.approx(expected, rel=1e-12)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.ones(2), -np.ones(2)) == 1.0
    with pytest.raises(ValueError, match="different sizes"):
        relative_error(np.ones(2), np.ones(3))


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.lists(st.floats(-3, 3), min_size=1, max_size=6))
def test_numerical_gradient_of_a_cubic_matches_the_hand_derivative(values):
    x = np.array(values)
    # f = sum(x^3) + x0 * x_last: df/dx_i = 3 x_i^2 (+ x_last at 0, + x0 at last)
    expected = 3 * x**2
    expected[0] += x[-1]
    expected[-1] += x[0]
    g = numerical_gradient(lambda v: np.sum(v**3) + v[0] * v[-1], x)
    np.testing.assert_allclose(g, expected, rtol=1e-8, atol=1e-8)


def test_numerical_gradient_does_not_change_its_input():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    before = x.copy()
    numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    np.testing.assert_array_equal(x, before)


def test_centred_differences_are_second_order():
    """Halving epsilon divides the centred error by about 4 (it is O(eps^2))."""
    x = np.array([0.7])
    exact = np.cos(0.7)
    errors = [abs(numerical_gradient(lambda v: np.sin(v[0]), x, epsilon=e)[0] - exact) for e in (1e-2, 5e-3)]
    assert errors[0] / errors[1] == pytest.approx(4, rel=0.01)


def test_check_gradient_accepts_right_and_rejects_wrong_derivatives():
    x = np.array([0.3, -1.2, 2.0])
    assert check_gradient(lambda v: np.sum(np.exp(v)), np.exp, x) < 1e-9
    assert check_gradient(lambda v: np.sum(np.exp(v)), lambda v: np.exp(v) * 1.01, x) > 1e-3
    with pytest.raises(ValueError, match="gradient returned shape"):
        check_gradient(lambda v: np.sum(v), lambda v: v[:2], x)


def _batch(net, n, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, net.sizes[0]))
    y = np.eye(net.sizes[-1])[rng.integers(0, net.sizes[-1], n)]
    return x, y


def test_gradient_check_passes_a_correct_network_and_leaves_it_alone():
    net = Network([4, 5, 3], hidden_activation="sigmoid", init="xavier", seed=0, dtype=np.float32)
    before = [p.copy() for p in net.parameters()]
    x, y = _batch(net, 6, 1)
    assert gradient_check(net, x, y) < 1e-8
    assert all(e < 1e-7 for e in gradient_errors(net, x, y))
    assert all(np.array_equal(a, b) for a, b in zip(before, net.parameters()))
    assert all(p.dtype == np.float32 for p in net.parameters())


def test_gradient_check_catches_a_wrong_activation_derivative(monkeypatch):
    net = Network([4, 5, 3], hidden_activation="tanh", init="xavier", seed=0, dtype=np.float64)
    x, y = _batch(net, 6, 1)

    original = Network.from_config

    def broken_from_config(config, parameters=None):
        copy = original(config, parameters)
        copy.layers[0].f_prime = lambda z: 1 - z**2  # uses z where tanh(z) belongs
        return copy

    monkeypatch.setattr(Network, "from_config", staticmethod(broken_from_config))
    error = gradient_check(net, x, y)
    per_parameter = gradient_errors(net, x, y)
    assert error > 1e-3
    assert per_parameter[0] > 1e-3 and per_parameter[2] < 1e-7  # only the first layer is wrong


def test_gradient_check_covers_dropout_with_fixed_masks():
    net = Network([5, 6, 4, 3], hidden_activation="relu", init="he", seed=2, dtype=np.float32, dropout=0.3)
    x, y = _batch(net, 4, 3)
    assert gradient_check(net, x, y, dropout_seed=7) < 1e-6
