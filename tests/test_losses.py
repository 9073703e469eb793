"""Tests of neuralbook.losses against independent references.

Every loss is compared with a plain-Python implementation written here from the
textbook formula (loops and ``math``), every gradient with centred finite differences
of the package's own loss, and the edge cases with values computed by hand.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuralbook import losses

SETTINGS = settings(max_examples=60, deadline=None)


# ----------------------------------------------------------------- reference losses
# Lists of lists, loops and math only: nothing shared with the package.


def ref_mse(Y, P):
    total, count = 0.0, 0
    for y_row, p_row in zip(Y, P):
        for y, p in zip(y_row, p_row):
            total += (p - y) ** 2
            count += 1
    return total / count


def ref_quadratic_cost(Y, A):
    total = 0.0
    for y_row, a_row in zip(Y, A):
        squared_length = 0.0
        for y, a in zip(y_row, a_row):
            squared_length += (y - a) ** 2
        total += squared_length
    return total / (2 * len(Y))


def ref_binary_cross_entropy(Y, P):
    total, count = 0.0, 0
    for y_row, p_row in zip(Y, P):
        for y, p in zip(y_row, p_row):
            total += -(y * math.log(p) + (1 - y) * math.log(1 - p))
            count += 1
    return total / count


def ref_categorical_cross_entropy(Y, P):
    total = 0.0
    for y_row, p_row in zip(Y, P):
        total += -sum(y * math.log(p) for y, p in zip(y_row, p_row))
    return total / len(Y)


def ref_softmax(row):
    exps = [math.exp(v) for v in row]  # logits are moderate in these tests
    s = sum(exps)
    return [e / s for e in exps]


def ref_softmax_cross_entropy(Y, Z):
    return ref_categorical_cross_entropy(Y, [ref_softmax(row) for row in Z])


def ref_sigmoid_binary_cross_entropy(Y, Z):
    P = [[1 / (1 + math.exp(-z)) for z in row] for row in Z]
    return ref_binary_cross_entropy(Y, P)


# ----------------------------------------------------------------- strategies


@st.composite
def shapes(draw):
    return draw(st.integers(1, 6)), draw(st.integers(1, 5))


@st.composite
def real_pairs(draw, low=-10.0, high=10.0):
    """(Y, P) float64 arrays of one random shape with values in [low, high]."""
    n, k = draw(shapes())
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return rng.uniform(low, high, (n, k)), rng.uniform(low, high, (n, k))


@st.composite
def binary_pairs(draw, soft=False):
    """(labels, probabilities): labels 0/1 (or soft in [0, 1]), probabilities in (0.02, 0.98)."""
    n, k = draw(shapes())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = rng.uniform(0, 1, (n, k)) if soft else rng.integers(0, 2, (n, k)).astype(float)
    return y, rng.uniform(0.02, 0.98, (n, k))


@st.composite
def class_pairs(draw, soft=False, logit_range=5.0):
    """(targets, probabilities, logits): targets one-hot (or soft rows summing to 1).

    At least two classes; logits uniform in [-logit_range, logit_range].
    """
    n, k = draw(shapes())
    k = max(k, 2)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if soft:
        y = rng.uniform(0, 1, (n, k))
        y /= y.sum(axis=1, keepdims=True)
    else:
        y = np.eye(k)[rng.integers(0, k, n)]
    z = rng.uniform(-logit_range, logit_range, (n, k))
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return y, p, z


def close(a, b, rel=1e-10):
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-12)


# ----------------------------------------------------------------- values vs references


@SETTINGS
@given(real_pairs())
def test_mse_matches_reference(pair):
    Y, P = pair
    assert close(losses.mse(Y, P), ref_mse(Y.tolist(), P.tolist()))


@SETTINGS
@given(real_pairs())
def test_quadratic_cost_matches_reference(pair):
    Y, A = pair
    assert close(losses.quadratic_cost(Y, A), ref_quadratic_cost(Y.tolist(), A.tolist()))


@SETTINGS
@given(binary_pairs(soft=True))
def test_binary_cross_entropy_matches_reference(pair):
    Y, P = pair
    assert close(losses.binary_cross_entropy(Y, P), ref_binary_cross_entropy(Y.tolist(), P.tolist()))


@SETTINGS
@given(class_pairs(soft=True))
def test_categorical_cross_entropy_matches_reference(triple):
    Y, P, _ = triple
    assert close(losses.categorical_cross_entropy(Y, P), ref_categorical_cross_entropy(Y.tolist(), P.tolist()))


@SETTINGS
@given(class_pairs(soft=True))
def test_softmax_cross_entropy_matches_reference(triple):
    Y, _, Z = triple
    assert close(losses.softmax_cross_entropy(Y, Z), ref_softmax_cross_entropy(Y.tolist(), Z.tolist()))


@SETTINGS
@given(binary_pairs(soft=True), st.integers(0, 2**32 - 1))
def test_sigmoid_binary_cross_entropy_matches_reference(pair, seed):
    Y, _ = pair
    Z = np.random.default_rng(seed).uniform(-8, 8, Y.shape)
    assert close(
        losses.sigmoid_binary_cross_entropy(Y, Z), ref_sigmoid_binary_cross_entropy(Y.tolist(), Z.tolist())
    )


def test_worked_values_by_hand():
    # House prices: errors 10,000, -20,000, -5,000 -> (1e8 + 4e8 + 2.5e7) / 3.
    assert losses.mse([300e3, 450e3, 200e3], [310e3, 430e3, 195e3]) == pytest.approx(525e6 / 3, rel=1e-15)
    # Spam batch: -(ln 0.9 + ln 0.9 + ln 0.8 + ln 0.7) / 4.
    expected = -(2 * math.log(0.9) + math.log(0.8) + math.log(0.7)) / 4
    assert losses.binary_cross_entropy([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.3]) == pytest.approx(expected, rel=1e-14)
    # One sample, correct class predicted with probability 0.7.
    assert losses.categorical_cross_entropy([0, 1, 0], [0.2, 0.7, 0.1]) == pytest.approx(-math.log(0.7), rel=1e-14)
    # Logits all equal: uniform over k classes, loss ln k.
    assert losses.softmax_cross_entropy(np.eye(4)[[2]], np.zeros((1, 4))) == pytest.approx(math.log(4), rel=1e-14)


# ----------------------------------------------------------------- gradients vs finite differences


def finite_difference(loss, Y, X, h=1e-6):
    """Centred differences of ``loss(Y, X)`` with respect to every entry of X."""
    gradient = np.zeros_like(X)
    for index in np.ndindex(X.shape):
        plus, minus = X.copy(), X.copy()
        plus[index] += h
        minus[index] -= h
        gradient[index] = (loss(Y, plus) - loss(Y, minus)) / (2 * h)
    return gradient


def relative_error(a, b):
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else np.linalg.norm(a - b) / scale


@SETTINGS
@given(real_pairs(low=-3, high=3))
def test_mse_gradient(pair):
    Y, P = pair
    g = losses.mse_gradient(Y, P)
    assert g.shape == P.shape
    assert relative_error(g, finite_difference(losses.mse, Y, P)) < 1e-6


@SETTINGS
@given(real_pairs(low=-3, high=3))
def test_quadratic_cost_gradient(pair):
    Y, A = pair
    g = losses.quadratic_cost_gradient(Y, A)
    assert relative_error(g, finite_difference(losses.quadratic_cost, Y, A)) < 1e-6


@SETTINGS
@given(binary_pairs(soft=True))
def test_binary_cross_entropy_gradient(pair):
    Y, P = pair
    g = losses.binary_cross_entropy_gradient(Y, P)
    assert relative_error(g, finite_difference(losses.binary_cross_entropy, Y, P)) < 1e-6


@SETTINGS
@given(class_pairs(soft=True, logit_range=1.0))  # probabilities at least 0.01: h stays small beside them
def test_categorical_cross_entropy_gradient(triple):
    Y, P, _ = triple
    g = losses.categorical_cross_entropy_gradient(Y, P)
    assert relative_error(g, finite_difference(losses.categorical_cross_entropy, Y, P)) < 1e-6


@SETTINGS
@given(class_pairs(soft=True))
def test_softmax_cross_entropy_gradient(triple):
    Y, _, Z = triple
    g = losses.softmax_cross_entropy_gradient(Y, Z)
    assert relative_error(g, finite_difference(losses.softmax_cross_entropy, Y, Z)) < 1e-6


@SETTINGS
@given(binary_pairs(soft=True), st.integers(0, 2**32 - 1))
def test_sigmoid_binary_cross_entropy_gradient(pair, seed):
    Y, _ = pair
    Z = np.random.default_rng(seed).uniform(-6, 6, Y.shape)
    g = losses.sigmoid_binary_cross_entropy_gradient(Y, Z)
    assert relative_error(g, finite_difference(losses.sigmoid_binary_cross_entropy, Y, Z)) < 1e-6


def test_combined_gradients_agree_with_the_chain_rule():
    # softmax then categorical cross-entropy, chained with the softmax Jacobian
    # diag(p) - p p^T, must give the combined gradient (p - y) / n.
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(5, 4))
    Y = np.eye(4)[rng.integers(0, 4, 5)]
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    upstream = losses.categorical_cross_entropy_gradient(Y, P)
    chained = np.stack([(np.diag(p) - np.outer(p, p)) @ u for p, u in zip(P, upstream)])
    np.testing.assert_allclose(losses.softmax_cross_entropy_gradient(Y, Z), chained, rtol=1e-12, atol=1e-15)
    # sigmoid then binary cross-entropy, chained with sigma' = p (1 - p).
    y = rng.integers(0, 2, (6, 1)).astype(float)
    z = rng.normal(size=(6, 1))
    p = 1 / (1 + np.exp(-z))
    chained = losses.binary_cross_entropy_gradient(y, p) * p * (1 - p)
    np.testing.assert_allclose(losses.sigmoid_binary_cross_entropy_gradient(y, z), chained, rtol=1e-12)


# ----------------------------------------------------------------- safe at 0 and 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_safe_at_zero_and_one(dtype):
    y = np.array([1, 0, 1, 0], dtype=dtype)
    right = np.array([1, 0, 1, 0], dtype=dtype)
    wrong = np.array([0, 1, 0, 1], dtype=dtype)
    eps = np.finfo(dtype).eps
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "divide by zero in log", no "invalid value"
        with np.errstate(divide="raise", over="raise", invalid="raise"):
            perfect = losses.binary_cross_entropy(y, right)
            worst = losses.binary_cross_entropy(y, wrong)
            g_right = losses.binary_cross_entropy_gradient(y, right)
            g_wrong = losses.binary_cross_entropy_gradient(y, wrong)
    assert 0 <= perfect < 10 * eps
    # Clipped to eps: every element costs -ln(eps).
    assert worst == pytest.approx(-math.log(eps), rel=1e-6)
    assert np.all(np.isfinite(g_right)) and np.all(np.isfinite(g_wrong))
    # The gradient points the right way: raise yhat where y = 1, lower it where y = 0.
    assert np.all(np.sign(g_wrong) == np.array([-1, 1, -1, 1]))
    assert worst.dtype == dtype and g_wrong.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_categorical_cross_entropy_safe_at_zero_and_one(dtype):
    y = np.array([[0, 1, 0], [1, 0, 0]], dtype=dtype)
    p = np.array([[0, 1, 0], [0, 0, 1]], dtype=dtype)  # first perfect, second certain and wrong
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="raise", over="raise", invalid="raise"):
            loss = losses.categorical_cross_entropy(y, p)
            g = losses.categorical_cross_entropy_gradient(y, p)
    eps = np.finfo(dtype).eps
    assert loss == pytest.approx((-math.log(1 - eps) - math.log(eps)) / 2, rel=1e-6)
    assert np.all(np.isfinite(g))
    assert loss.dtype == dtype and g.dtype == dtype


def test_combined_forms_are_exact_for_huge_logits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="raise", over="raise", invalid="raise"):
            # softmax of [1000, 0] puts e^-1000 on class 1: the loss is 1000 (up to e^-1000).
            assert losses.softmax_cross_entropy([0, 1], [1000.0, 0.0]) == 1000.0
            assert losses.softmax_cross_entropy([1, 0], [1000.0, 0.0]) == 0.0
            np.testing.assert_array_equal(losses.softmax_cross_entropy_gradient([0, 1], [1000.0, 0.0]), [1.0, -1.0])
            # log(1 + e^-40) = 4.248e-18: kept, not rounded to 0 by cancellation.
            assert losses.sigmoid_binary_cross_entropy([1.0], [40.0]) == pytest.approx(math.log1p(math.exp(-40)))
            assert losses.sigmoid_binary_cross_entropy([0.0, 1.0], [1000.0, -1000.0]) == 1000.0
            np.testing.assert_array_equal(
                losses.sigmoid_binary_cross_entropy_gradient([0.0, 1.0], [1000.0, -1000.0]), [0.5, -0.5]
            )


# ----------------------------------------------------------------- dtypes and shapes

ALL_PAIRS = [
    (losses.mse, losses.mse_gradient),
    (losses.quadratic_cost, losses.quadratic_cost_gradient),
    (losses.binary_cross_entropy, losses.binary_cross_entropy_gradient),
    (losses.categorical_cross_entropy, losses.categorical_cross_entropy_gradient),
    (losses.softmax_cross_entropy, losses.softmax_cross_entropy_gradient),
    (losses.sigmoid_binary_cross_entropy, losses.sigmoid_binary_cross_entropy_gradient),
]


def valid_inputs(loss, dtype=np.float64):
    y = np.array([[0, 1, 0], [1, 0, 0]], dtype=dtype)
    p = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]], dtype=dtype)
    return y, p


@pytest.mark.parametrize("loss, gradient", ALL_PAIRS)
def test_float32_stays_float32(loss, gradient):
    y, p = valid_inputs(loss, np.float32)
    assert loss(y, p).dtype == np.float32
    assert gradient(y, p).dtype == np.float32
    # Integer targets with float32 predictions: still float32.
    assert gradient(y.astype(int), p).dtype == np.float32
    y64, p64 = valid_inputs(loss)
    assert loss(y, p) == pytest.approx(loss(y64, p64), rel=1e-6)


@pytest.mark.parametrize("loss, gradient", ALL_PAIRS)
def test_shape_mismatch_is_a_clear_error(loss, gradient):
    y = np.zeros((4, 10))
    p = np.full((4, 9), 1 / 9)
    name = "logits" if "softmax" in loss.__name__ or "sigmoid" in loss.__name__ else "y_pred"
    message = f"y_true has shape (4, 10) but {name} has shape (4, 9)"
    for f in (loss, gradient):
        with pytest.raises(ValueError) as error:
            f(y, p)
        assert str(error.value) == message


@pytest.mark.parametrize("loss, gradient", ALL_PAIRS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", ["y_true", "y_pred"])
def test_nan_and_inf_are_rejected(loss, gradient, bad, where):
    y, p = valid_inputs(loss)
    (y if where == "y_true" else p)[0, 0] = bad
    for f in (loss, gradient):
        with pytest.raises(ValueError, match="NaN or infinity"):
            f(y, p)


@pytest.mark.parametrize("f", [losses.binary_cross_entropy, losses.categorical_cross_entropy])
def test_probabilities_outside_zero_one_are_rejected(f):
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        f([[0.0, 1.0]], [[-2.0, 3.0]])


def test_rows_must_be_distributions():
    with pytest.raises(ValueError, match="row 1 sums to 1.3"):
        losses.categorical_cross_entropy(np.eye(2), [[0.5, 0.5], [0.9, 0.4]])
    with pytest.raises(ValueError, match="row 0 sums to 0"):
        losses.softmax_cross_entropy([[0.0, 0.0]], [[1.0, 2.0]])


def test_one_dimensional_inputs():
    y = np.array([1.0, 0.0, 1.0])
    p = np.array([0.6, 0.3, 0.8])
    column = (y[:, None], p[:, None])
    # Binary and squared losses: a 1-D array is one column of n samples.
    assert losses.quadratic_cost(y, p) == losses.quadratic_cost(*column)
    assert losses.quadratic_cost(y, p) == pytest.approx((0.16 + 0.09 + 0.04) / 6)
    assert losses.binary_cross_entropy(y, p) == losses.binary_cross_entropy(*column)
    assert losses.quadratic_cost_gradient(y, p).shape == (3,)
    np.testing.assert_allclose(losses.quadratic_cost_gradient(y, p), (p - y) / 3)
    np.testing.assert_allclose(losses.sigmoid_binary_cross_entropy_gradient(y, np.zeros(3)), (0.5 - y) / 3)
    # Categorical losses: a 1-D array is one sample with k classes.
    q = np.array([0.2, 0.3, 0.5])
    t = np.array([0.0, 0.0, 1.0])
    assert losses.categorical_cross_entropy(t, q) == pytest.approx(-math.log(0.5))
    np.testing.assert_allclose(losses.categorical_cross_entropy_gradient(t, q), [0, 0, -2])
    np.testing.assert_allclose(losses.softmax_cross_entropy_gradient(t, np.log(q)), q - t)


def test_empty_and_high_dimensional_inputs_are_rejected():
    with pytest.raises(ValueError, match="at least one sample"):
        losses.mse(np.zeros((0, 3)), np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"\(n,\) or \(n, k\)"):
        losses.mse(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)))
