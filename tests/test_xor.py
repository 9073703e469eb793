"""Tests of the XOR networks of the chapter *Solving XOR* (neuralbook.plots.xor).

References are written independently: Python's logic operators for the gates, math.exp
for the sigmoid network, finite differences for the first training step.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuralbook.perceptron import truth_table
from neuralbook.plots.xor import FIGURES
from neuralbook.xor import hand_built_xor, train_xor

PAIRS = [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_hand_built_step_network_computes_xor_or_and():
    X = np.array(PAIRS, dtype=float)
    output, hidden = hand_built_xor(X)
    assert output.tolist() == [float(a != b) for a, b in PAIRS]
    assert hidden[:, 0].tolist() == [float(a or b) for a, b in PAIRS]
    assert hidden[:, 1].tolist() == [float(a and b) for a, b in PAIRS]


def _sig(z):
    return 1.0 / (1.0 + math.exp(-z))


@pytest.mark.parametrize("k", [1.0, 5.0, 20.0])
def test_sigmoid_version_matches_hand_arithmetic(k):
    X = np.array(PAIRS, dtype=float)
    output, hidden = hand_built_xor(X, steepness=k)
    for (a, b), out, (h1, h2) in zip(PAIRS, output, hidden):
        e1 = _sig(k * (a + b - 0.5))
        e2 = _sig(k * (a + b - 1.5))
        assert h1 == pytest.approx(e1, rel=1e-12) and h2 == pytest.approx(e2, rel=1e-12)
        assert out == pytest.approx(_sig(k * (e1 - e2 - 0.5)), rel=1e-12)


def test_steeper_sigmoids_approach_the_step_network():
    X = np.array(PAIRS, dtype=float)
    exact, _ = hand_built_xor(X)
    errors = [np.abs(hand_built_xor(X, steepness=k)[0] - exact).max() for k in (5, 10, 20, 40)]
    assert all(a > b for a, b in zip(errors, errors[1:]))
    assert errors[-1] < 1e-6


def test_trained_network_solves_xor_from_seed_0():
    X, y = truth_table("XOR")
    net, losses = train_xor(seed=0)
    assert net.predict(X).tolist() == [a ^ b for a, b in PAIRS]
    a = net.forward(X)[:, 0]
    bce = -np.mean([t * math.log(p) + (1 - t) * math.log(1 - p) for t, p in zip(y, a)])
    assert losses[-1] == pytest.approx(bce, rel=1e-9)
    assert losses[-1] < 0.01 < losses[0]


def test_first_training_step_is_gradient_descent_by_finite_differences():
    X, y = truth_table("XOR")
    start, _ = train_xor(seed=3, epochs=0)
    after, _ = train_xor(seed=3, epochs=1, learning_rate=0.7)
    h = 1e-6
    for p0, p1 in zip(start.parameters(), after.parameters()):
        expected = np.empty_like(p0)
        for index in np.ndindex(p0.shape):
            saved = p0[index]
            p0[index] = saved + h
            up = start.loss(X, y)
            p0[index] = saved - h
            down = start.loss(X, y)
            p0[index] = saved
            expected[index] = saved - 0.7 * (up - down) / (2 * h)
        np.testing.assert_allclose(p1, expected, atol=1e-8)


def test_a_linear_separator_cannot_be_the_trained_answer():
    # The trained network is not a single line: its output on the XOR points is not
    # monotone along the diagonal (0,0) -> (1,1) through the midpoint.
    net, _ = train_xor(seed=0)
    values = net.forward(np.array([[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]))[:, 0]
    assert values[1] > values[0] and values[1] > values[2]


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figures_draw(name):
    import matplotlib.pyplot as plt

    figure = FIGURES[name]()
    assert figure.axes
    plt.close(figure)


def _bump_by_hand(x, left, right, height, steepness):
    return height * (_sig(steepness * (x - left)) - _sig(steepness * (x - right)))


def test_bump_is_two_sigmoids_by_hand():
    from neuralbook.xor import bump

    xs = [-0.5, 0.2, 0.3, 0.45, 0.7, 1.2]
    got = bump(np.array(xs), 0.3, 0.7, height=1.5, steepness=40.0)
    np.testing.assert_allclose(got, [_bump_by_hand(x, 0.3, 0.7, 1.5, 40.0) for x in xs], rtol=1e-12, atol=1e-15)
    # Half height on an edge, full height in the middle.
    assert got[2] == pytest.approx(1.5 * (0.5 - _sig(-16.0)))


def test_sum_of_bumps_error_falls_like_one_over_the_number_of_bumps():
    from neuralbook.xor import sum_of_bumps, wiggly_curve

    x = np.linspace(0, 1, 4001)
    target = 0.2 + 0.4 * x**2 + 0.3 * x * np.sin(15 * x)  # written out again, independently
    np.testing.assert_allclose(wiggly_curve(x), target, rtol=1e-15)
    errors = [np.abs(sum_of_bumps(wiggly_curve, x, n) - target).max() for n in (5, 10, 20, 40)]
    assert all(later < earlier for earlier, later in zip(errors, errors[1:]))
    # The largest error sits at an edge, half a step: at most half of max|f'| times the width 1/n.
    slope_bound = 0.8 + 0.3 + 0.3 * 15  # |f'(x)| <= 0.8 x + 0.3 |sin| + 4.5 x |cos| on [0, 1]
    for n, error in zip((5, 10, 20, 40), errors):
        assert error <= slope_bound / n
    with pytest.raises(ValueError, match="at least one bump"):
        sum_of_bumps(wiggly_curve, x, 0)
