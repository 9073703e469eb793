"""The perceptron against hand computations and an exhaustive search for separating lines."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuralbook.perceptron import (
    INPUTS,
    TRUTH_TABLES,
    Perceptron,
    margin_and_radius,
    mistake_bound,
    neuron,
    step,
    truth_table,
    weighted_sum,
    with_product_feature,
)

# The truth tables written out by hand, independently of the module's dictionary.
HAND = {
    "AND": {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 1},
    "OR": {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 1},
    "NAND": {(0, 0): 1, (0, 1): 1, (1, 0): 1, (1, 1): 0},
    "XOR": {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 0},
}


@pytest.mark.parametrize("gate", sorted(HAND))
def test_truth_tables(gate):
    X, y = truth_table(gate)
    assert X.shape == (4, 2) and y.shape == (4,)
    assert {tuple(int(v) for v in row): int(t) for row, t in zip(X, y)} == HAND[gate]


def test_unknown_gate_is_named_in_the_error():
    with pytest.raises(KeyError, match="XNOR"):
        truth_table("XNOR")


def test_step():
    z = np.array([-1e9, -0.5, -1e-300, 0.0, 1e-300, 0.5, 1e9])
    assert step(z).tolist() == [0, 0, 0, 1, 1, 1, 1]


def test_weighted_sum_of_the_student_example_by_hand():
    # 0.6·5 + 0.3·85 + 0.1·7 − 2.0 = 3 + 25.5 + 0.7 − 2 = 27.2
    assert weighted_sum([5, 85, 7], [0.6, 0.3, 0.1], -2.0) == pytest.approx(27.2, abs=1e-12)
    rows = np.array([[5, 85, 7], [0, 0, 0], [1, 1, 1]])
    np.testing.assert_allclose(weighted_sum(rows, [0.6, 0.3, 0.1], -2.0), [27.2, -2.0, -1.0])


def test_weighted_sum_says_what_shape_it_expected():
    with pytest.raises(ValueError, match="3 values"):
        weighted_sum([1.0, 2.0], [0.6, 0.3, 0.1], 0.0)


@pytest.mark.parametrize(("gate", "w", "b"), [("AND", (1, 1), -1.5), ("OR", (1, 1), -0.5), ("NAND", (-1, -1), 1.5)])
def test_hand_chosen_weights_compute_the_gates(gate, w, b):
    outputs = neuron(INPUTS, w, b)
    assert {tuple(int(v) for v in row): int(o) for row, o in zip(INPUTS, outputs)} == HAND[gate]


def test_one_update_of_the_perceptron_rule_by_hand():
    model = Perceptron(2, learning_rate=0.5, seed=0)
    model.w, model.b = np.array([0.0, 0.0]), -1.0
    # x = (1, 1), target 1, prediction step(-1) = 0, so error = 1:
    # w = (0, 0) + 0.5·1·(1, 1) = (0.5, 0.5), b = -1 + 0.5 = -0.5; a second epoch
    # predicts step(0.5) = 1, makes no mistake and stops.
    history = model.train(np.array([[1.0, 1.0]]), np.array([1]), max_epochs=10)
    assert history == [1, 0]
    assert model.w.tolist() == [0.5, 0.5] and model.b == -0.5


def classifies_all(w, b, gate) -> bool:
    """Independent check: the line w·x + b = 0 puts every input on its target's side."""
    return all(((w[0] * x1 + w[1] * x2 + b) >= 0) == bool(t) for (x1, x2), t in HAND[gate].items())


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND"])
@pytest.mark.parametrize("seed", range(10))
def test_learns_every_linearly_separable_gate(gate, seed):
    X, y = truth_table(gate)
    model = Perceptron(2, learning_rate=0.1, seed=seed)
    history = model.train(X, y, max_epochs=200)
    assert history[-1] == 0 and all(h > 0 for h in history[:-1])
    assert classifies_all(model.w, model.b, gate)


@pytest.mark.parametrize("seed", range(5))
def test_xor_never_reaches_zero_mistakes(seed):
    X, y = truth_table("XOR")
    model = Perceptron(2, learning_rate=0.1, seed=seed)
    history = model.train(X, y, max_epochs=1000)
    assert len(history) == 1000 and min(history) > 0
    assert not classifies_all(model.w, model.b, "XOR")


def test_same_seed_same_run():
    X, y = truth_table("NAND")
    runs = []
    for _ in range(2):
        model = Perceptron(2, seed=7)
        runs.append((model.train(X, y), model.w.tolist(), model.b))
    assert runs[0] == runs[1]


@settings(max_examples=500, deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_no_line_computes_xor_by_the_four_inequalities(w1, w2, b):
    # If (0,1) -> 1 and (1,0) -> 1 then w2 + b >= 0 and w1 + b >= 0; if (0,0) -> 0 then
    # b < 0. Adding, w1 + w2 + b >= -b > 0, so (1,1) -> 1: XOR's last row is always wrong.
    out = [w1 * x1 + w2 * x2 + b >= 0 for x1, x2 in [(0, 0), (0, 1), (1, 0), (1, 1)]]
    if not out[0] and out[1] and out[2]:
        assert out[3]
    assert not classifies_all((w1, w2), b, "XOR")


def test_brute_force_grid_finds_lines_for_and_or_but_none_for_xor():
    values = np.linspace(-3, 3, 121)  # steps of 0.05
    w1, w2, b = np.meshgrid(values, values, values, indexing="ij")
    best = {}
    for gate, table in HAND.items():
        correct = sum(((w1 * x1 + w2 * x2 + b) >= 0) == bool(t) for (x1, x2), t in table.items())
        best[gate] = (int(correct.max()), int((correct == 4).sum()))
    assert best["AND"][0] == best["OR"][0] == best["NAND"][0] == 4
    assert best["XOR"] == (3, 0)


def test_margin_and_radius_by_hand():
    # AND with the line x1 + x2 - 1.5 = 0: w~ = (1, 1, -1.5), |w~| = sqrt(4.25); the closest
    # samples, (0, 1), (1, 0) and (1, 1), are 0.5 from the line in z; R = |(1, 1, 1)| = sqrt(3).
    gamma, radius = margin_and_radius(INPUTS, TRUTH_TABLES["AND"], [1.0, 1.0], -1.5)
    assert gamma == pytest.approx(0.5 / math.sqrt(4.25), rel=1e-15)
    assert radius == pytest.approx(math.sqrt(3), rel=1e-15)
    assert mistake_bound(INPUTS, TRUTH_TABLES["AND"], [1.0, 1.0], -1.5) == pytest.approx(3 * 4.25 / 0.25)


def test_mistake_bound_rejects_a_line_that_does_not_separate():
    with pytest.raises(ValueError, match="separates"):
        mistake_bound(INPUTS, TRUTH_TABLES["XOR"], [1.0, 1.0], -0.5)


@pytest.mark.parametrize(("gate", "w", "b"), [("AND", [1, 1], -1.5), ("OR", [1, 1], -0.5), ("NAND", [-1, -1], 1.5)])
@pytest.mark.parametrize("learning_rate", [0.1, 1.0])
def test_runs_from_zero_never_exceed_novikoffs_bound(gate, w, b, learning_rate):
    X, y = truth_table(gate)
    bound = mistake_bound(X, y, w, b)
    for seed in range(30):
        model = Perceptron(2, learning_rate=learning_rate, seed=seed, init="zeros")
        mistakes = model.train(X, y, max_epochs=1000)
        assert mistakes[-1] == 0 and sum(mistakes) <= bound


def test_zero_start_is_zero_and_unknown_init_is_named():
    model = Perceptron(3, init="zeros")
    assert model.w.tolist() == [0.0, 0.0, 0.0] and model.b == 0.0
    with pytest.raises(ValueError, match="'ones'"):
        Perceptron(2, init="ones")


def test_product_feature_makes_xor_separable():
    X3 = with_product_feature(INPUTS)
    assert X3[:, 2].tolist() == [float(a and b) for a, b in INPUTS.astype(int)]
    # x1 + x2 - 2 x1 x2 - 0.5 >= 0 exactly for XOR's ones, worked out by hand.
    assert step(X3 @ np.array([1.0, 1.0, -2.0]) - 0.5).tolist() == [0.0, 1.0, 1.0, 0.0]
    model = Perceptron(3, learning_rate=0.1, seed=0)
    assert model.train(X3, TRUTH_TABLES["XOR"], max_epochs=100)[-1] == 0
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        with_product_feature(X3)
