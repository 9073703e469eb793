"""Tests of neuralbook.quadratic against hand computations and independent references."""

import math

import numpy as np
import pytest

from neuralbook.optimizers import SGD, Momentum
from neuralbook.quadratic import (best_gradient_descent, best_momentum, condition_number, gradient_descent_factors,
                                  measured_factor, momentum_factors, noise_floor)


def _run(make_optimizer, lambdas, start, steps):
    """The path of the package's optimizer on C = ½ Σ λᵢ xᵢ²."""
    x = np.array(start, dtype=np.float64)
    optimizer = make_optimizer()
    path = [x.copy()]
    for _ in range(steps):
        optimizer.step([x], [np.asarray(lambdas) * x])
        path.append(x.copy())
    return np.array(path)


def test_gradient_descent_factors_by_hand():
    # η = 0.03 on curvatures 1 and 25: 1 − 0.03 = 0.97 and |1 − 0.75| = 0.25; η = 0.1 on 25: |1 − 2.5| = 1.5
    assert np.allclose(gradient_descent_factors([1.0, 25.0], 0.03), [0.97, 0.25])
    assert np.allclose(gradient_descent_factors([25.0], 0.1), [1.5])


def test_condition_number_and_best_rate_by_hand():
    assert condition_number([25.0, 1.0, 4.0]) == 25.0
    rate, factor = best_gradient_descent([1.0, 25.0])
    assert rate == pytest.approx(2 / 26) and factor == pytest.approx(24 / 26)
    # at η* the flattest and the steepest direction shrink by the same factor
    assert np.allclose(gradient_descent_factors([1.0, 25.0], rate), [factor, factor])


def test_best_momentum_by_hand():
    # κ = 25: √κ = 5, factor 4/6, β = 4/9, η = 4 / (5 + 1)² = 1/9
    rate, beta, factor = best_momentum([1.0, 25.0])
    assert (rate, beta, factor) == pytest.approx((1 / 9, 4 / 9, 2 / 3))
    assert np.allclose(momentum_factors([1.0, 25.0], rate, beta), [factor, factor])


@pytest.mark.parametrize("learning_rate, beta", [(0.03, 0.9), (0.01, 0.3), (0.07, 0.0), (0.1, 0.5)])
def test_momentum_factors_against_the_iteration_matrix(learning_rate, beta):
    """The roots against the eigenvalues of the 2 × 2 matrix mapping (x_t, x_{t−1}) to (x_{t+1}, x_t)."""
    lambdas = np.array([1.0, 4.0, 25.0])
    expected = [max(abs(np.linalg.eigvals(np.array([[1 + beta - learning_rate * lam, -beta], [1.0, 0.0]]))))
                for lam in lambdas]
    assert np.allclose(momentum_factors(lambdas, learning_rate, beta), expected)


@pytest.mark.parametrize("learning_rate", [0.03, 2 / 26, 0.05])
def test_measured_sgd_factor_matches_the_slowest_direction(learning_rate):
    path = _run(lambda: SGD(learning_rate), [1.0, 25.0], (-4.5, 1.5), 100)
    assert measured_factor(path) == pytest.approx(gradient_descent_factors([1.0, 25.0], learning_rate).max(), abs=2e-3)


def test_measured_momentum_factor_matches_the_roots():
    path = _run(lambda: Momentum(0.03, beta=0.9), [1.0, 25.0], (-4.5, 1.5), 200)
    assert measured_factor(path) == pytest.approx(math.sqrt(0.9), abs=5e-3)


def test_measured_factor_of_a_geometric_path_and_bad_input():
    path = np.array([[3.0 * 0.8**t, -1.0 * 0.8**t] for t in range(30)])
    assert measured_factor(path) == pytest.approx(0.8)
    assert measured_factor(path + 1.0, minimum=[1.0, 1.0]) == pytest.approx(0.8)
    with pytest.raises(ValueError, match="at least two points"):
        measured_factor([[1.0, 2.0]])
    with pytest.raises(ValueError, match="positive, finite curvatures"):
        gradient_descent_factors([1.0, -2.0], 0.1)


def test_noise_floor_against_the_stationary_variance():
    # x ← (1 − η) x − η σ ξ has stationary variance η² σ² / (1 − (1 − η)²) = η σ² / (2 − η); the cost is half of it
    for learning_rate, noise in [(0.1, 1.0), (0.02, 2.0)]:
        expected = learning_rate * noise**2 / (2 * (2 - learning_rate))
        assert noise_floor(learning_rate, noise, steps=1500, runs=4000) == pytest.approx(expected, rel=0.05)
    with pytest.raises(ValueError, match="learning_rate"):
        noise_floor(2.5)


def test_the_figure_runs_are_the_table_runs():
    """The conditioning figure draws the four runs whose factors the chapter predicts."""
    from neuralbook.plots.optimizers import conditioning_runs

    predicted = [0.97, math.sqrt(0.9), 24 / 26, 2 / 3]  # by hand: 1 − 0.03, √β, (κ−1)/(κ+1), (√κ−1)/(√κ+1)
    runs = conditioning_runs()
    assert len(runs) == 4
    for path, factor in zip(runs.values(), predicted):
        assert path.shape == (101, 2) and tuple(path[0]) == (-4.5, 1.5)
        assert measured_factor(path) == pytest.approx(factor, abs=0.02)
