"""Logistic regression against hand computations, finite differences and Newton's method."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuralbook.logistic import CLOUD_CENTRES, cost, gradient, predict, probability, train, two_clouds


def _hand_cost(X, y, w, b) -> float:
    """Binary cross-entropy written out with math.exp and math.log, one sample at a time."""
    total = 0.0
    for x, target in zip(X, y):
        z = sum(wi * xi for wi, xi in zip(w, x)) + b
        p = 1 / (1 + math.exp(-z))
        total += -(target * math.log(p) + (1 - target) * math.log(1 - p))
    return total / len(X)


def test_cost_against_a_hand_computation():
    X = [[1.0, 2.0], [-1.0, 0.5], [0.0, -3.0]]
    y = [1.0, 0.0, 1.0]
    w, b = [0.3, -0.2], 0.1
    assert cost(X, y, w, b) == pytest.approx(_hand_cost(X, y, w, b), rel=1e-12)
    # From zero weights every probability is one half, so the cost is ln 2 whatever the data.
    assert cost(X, y, [0.0, 0.0], 0.0) == pytest.approx(math.log(2), rel=1e-15)


def test_gradient_of_one_sample_by_hand():
    # x = (1, 2), y = 1, w = 0, b = 0: ŷ = σ(0) = 1/2, so ŷ − y = −1/2 and the gradient is −x/2.
    grad_w, grad_b = gradient([[1.0, 2.0]], [1.0], [0.0, 0.0], 0.0)
    np.testing.assert_array_equal(grad_w, [-0.5, -1.0])
    assert grad_b == -0.5


def test_gradient_against_finite_differences():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((7, 3))
    y = (rng.random(7) < 0.5).astype(float)
    w, b = rng.standard_normal(3), 0.4
    grad_w, grad_b = gradient(X, y, w, b)
    h = 1e-6
    numeric_w = np.array([(cost(X, y, w + h * e, b) - cost(X, y, w - h * e, b)) / (2 * h) for e in np.eye(3)])
    numeric_b = (cost(X, y, w, b + h) - cost(X, y, w, b - h)) / (2 * h)
    np.testing.assert_allclose(grad_w, numeric_w, rtol=1e-6, atol=1e-9)
    assert grad_b == pytest.approx(numeric_b, rel=1e-6, abs=1e-9)


def test_one_training_step_is_the_update_rule_by_hand():
    X = [[1.0, 2.0], [2.0, -1.0]]
    y = [1.0, 0.0]
    w, b, costs = train(X, y, learning_rate=0.5, epochs=1)
    # From zero: ŷ = 1/2 for both, errors −1/2 and +1/2; mean of error·x = (0.25, −0.75), mean error 0.
    np.testing.assert_allclose(w, [-0.5 * 0.25, 0.5 * 0.75])
    assert b == 0.0
    assert costs[0] == pytest.approx(math.log(2))
    assert costs[1] == pytest.approx(_hand_cost(X, y, w, b))


def test_small_steps_lower_the_cost_every_time():
    X, y = two_clouds(seed=1)
    _, _, costs = train(X, y, learning_rate=0.1, epochs=200)
    assert len(costs) == 201
    assert all(after < before for before, after in zip(costs, costs[1:]))


def test_training_reaches_the_minimum_found_by_newtons_method():
    X, y = two_clouds(seed=2)
    # Newton's method on the extended inputs (x, 1): an independent way to the minimum.
    Xe = np.hstack([X, np.ones((len(X), 1))])
    theta = np.zeros(3)
    for _ in range(30):
        p = 1 / (1 + np.exp(-Xe @ theta))
        g = Xe.T @ (p - y) / len(X)
        H = (Xe * (p * (1 - p))[:, None]).T @ Xe / len(X)
        theta -= np.linalg.solve(H, g)
    w, b, _ = train(X, y, learning_rate=2.0, epochs=3000)
    np.testing.assert_allclose(np.append(w, b), theta, atol=1e-6)


def test_a_step_too_large_raises_the_cost():
    # The curvature at the start is at most 0.25 times the largest eigenvalue of mean(x xᵀ)
    # for the extended inputs; a rate far beyond 2 / curvature overshoots.
    X, y = two_clouds(seed=0)
    _, _, costs = train(X, y, learning_rate=20.0, epochs=1)
    assert costs[1] > costs[0]


def test_predict_and_probability():
    X = [[0.0, 0.0], [1.0, 2.0], [-3.0, 0.0]]
    p = probability(X, [1.0, 1.0], 0.0)
    np.testing.assert_allclose(p, [0.5, 1 / (1 + math.exp(-3)), 1 / (1 + math.exp(3))])
    np.testing.assert_array_equal(predict(X, [1.0, 1.0], 0.0), [1.0, 1.0, 0.0])


def test_two_clouds_is_seeded_and_centred():
    X, y = two_clouds(n_per_class=2000, seed=5)
    again, _ = two_clouds(n_per_class=2000, seed=5)
    np.testing.assert_array_equal(X, again)
    assert not np.array_equal(X, two_clouds(n_per_class=2000, seed=6)[0])
    for label, centre in enumerate(CLOUD_CENTRES):
        np.testing.assert_allclose(X[y == label].mean(axis=0), centre, atol=0.1)
        np.testing.assert_allclose(X[y == label].std(axis=0), [1.0, 1.0], atol=0.1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cost([1.0, 2.0], [1.0], [0.0, 0.0], 0.0), "shape \\(N, n_in\\)"),
        (lambda: cost([[1.0, 2.0]], [1.0, 0.0], [0.0, 0.0], 0.0), "targets y of shape \\(1,\\)"),
        (lambda: cost([[1.0, 2.0]], [2.0], [0.0, 0.0], 0.0), "0 or 1"),
        (lambda: gradient([[1.0, 2.0]], [1.0], [0.0], 0.0), "weights w of shape \\(2,\\)"),
        (lambda: train([[1.0, 2.0]], [1.0], learning_rate=0.0), "positive learning rate"),
        (lambda: train([[1.0, 2.0]], [1.0], epochs=-1), "whole number of epochs"),
        (lambda: two_clouds(n_per_class=0), "positive whole number"),
        (lambda: two_clouds(spread=0.0), "positive spread"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
