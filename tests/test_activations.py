"""The activation functions against references written independently, here.

The references use Python's ``decimal`` module with 50 significant digits and the
textbook formulas (no max subtraction, no rewriting), so they share no code and no
numerical trick with :mod:`neuralbook.activations`. Agreement is required to a relative
error of 1e-12 (values below 1e-300, where float64 itself runs out of digits, to an
absolute 1e-300).
"""

from __future__ import annotations

import math
import warnings
from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neuralbook import activations as act

EXTREMES = [0.0, -0.0, 1e-300, -1e-300, 1e-10, -1e-10, 1.0, -1.0, 36.0, -36.0, 709.0, -709.0, 710.0, -710.0,
            745.0, -745.0, 1000.0, -1000.0]


def random_inputs(seed: int = 0) -> np.ndarray:
    """Inputs of every magnitude from 1e-300 to 1000, both signs, plus the extremes."""
    rng = np.random.default_rng(seed)
    scales = np.array([1e-300, 1e-8, 0.1, 1, 5, 20, 100, 1000])
    z = rng.standard_normal(400) * rng.choice(scales, 400)
    return np.concatenate([np.clip(z, -1000, 1000), EXTREMES])


def close(actual, reference) -> bool:
    return abs(float(actual) - reference) <= 1e-12 * abs(reference) + 1e-300


def assert_matches(function, reference, inputs):
    got = function(np.asarray(inputs, dtype=np.float64))
    bad = [(z, float(g), r) for z, g in zip(inputs, got) if not close(g, r := reference(float(z)))]
    assert not bad, f"{function.__name__} disagrees with the reference at (z, got, expected): {bad[:5]}"


def dec(function):
    """Run ``function`` with 50 significant digits and return a float."""

    def wrapped(z: float) -> float:
        with localcontext() as context:
            context.prec = 50
            return float(function(Decimal(z)))

    return wrapped


@dec
def ref_sigmoid(z):
    return 1 / (1 + (-z).exp())


@dec
def ref_sigmoid_prime(z):
    e = (-z).exp()
    return e / (1 + e) ** 2


@dec
def ref_tanh(z):
    if abs(z) < Decimal("1e-3"):  # e^z − e^(−z) would cancel: use the Taylor series
        return z - z**3 / 3 + 2 * z**5 / 15 - 17 * z**7 / 315 + 62 * z**9 / 2835
    return ((z).exp() - (-z).exp()) / ((z).exp() + (-z).exp())


@dec
def ref_tanh_prime(z):
    return 4 / ((z).exp() + (-z).exp()) ** 2  # 1 / cosh(z)^2


def ref_relu(z):
    return z if z > 0 else 0.0


def ref_relu_prime(z):
    return 1.0 if z > 0 else 0.0


def ref_leaky_relu(z, alpha=0.01):
    return z if z > 0 else alpha * z


def ref_leaky_relu_prime(z, alpha=0.01):
    return 1.0 if z > 0 else alpha


@dec
def ref_elu(z):
    if z > 0:
        return z
    if abs(z) < Decimal("1e-10"):  # e^z − 1 would cancel even with 50 digits: use the Taylor series
        return z + z**2 / 2 + z**3 / 6
    return z.exp() - 1  # alpha = 1


@dec
def ref_elu_prime(z):
    return Decimal(1) if z > 0 else z.exp()


CASES = [
    (act.sigmoid, ref_sigmoid),
    (act.sigmoid_prime, ref_sigmoid_prime),
    (act.tanh, ref_tanh),
    (act.tanh_prime, ref_tanh_prime),
    (act.relu, ref_relu),
    (act.relu_prime, ref_relu_prime),
    (act.leaky_relu, ref_leaky_relu),
    (act.leaky_relu_prime, ref_leaky_relu_prime),
    (act.elu, ref_elu),
    (act.elu_prime, ref_elu_prime),
]


@pytest.mark.parametrize(("function", "reference"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_matches_decimal_reference_on_random_and_extreme_inputs(function, reference):
    assert_matches(function, reference, random_inputs())


def test_elu_honours_alpha_and_approaches_minus_alpha():
    z = np.array([-50.0, -1.0, 0.5])
    np.testing.assert_allclose(act.elu(z, alpha=2.0), [2 * (math.exp(-50) - 1), 2 * (math.exp(-1) - 1), 0.5], rtol=1e-15)
    np.testing.assert_allclose(act.elu_prime(z, alpha=2.0), [2 * math.exp(-50), 2 * math.exp(-1), 1.0], rtol=1e-15)


def test_leaky_relu_honours_alpha():
    z = random_inputs(1)
    assert_matches(lambda v: act.leaky_relu(v, alpha=0.2), lambda v: ref_leaky_relu(v, 0.2), z)
    assert_matches(lambda v: act.leaky_relu_prime(v, alpha=0.2), lambda v: ref_leaky_relu_prime(v, 0.2), z)


@pytest.mark.parametrize(
    ("function", "derivative"),
    [(act.sigmoid, act.sigmoid_prime), (act.tanh, act.tanh_prime), (act.relu, act.relu_prime),
     (act.leaky_relu, act.leaky_relu_prime), (act.elu, act.elu_prime),
     (lambda z: act.elu(z, alpha=0.5), lambda z: act.elu_prime(z, alpha=0.5))],
    ids=["sigmoid", "tanh", "relu", "leaky_relu", "elu", "elu_alpha_half"],
)
def test_derivative_matches_central_finite_difference(function, derivative):
    rng = np.random.default_rng(2)
    z = rng.uniform(-12, 12, 500)
    z = z[np.abs(z) > 1e-3]  # ReLU has a kink at 0
    h = 1e-6
    numeric = (function(z + h) - function(z - h)) / (2 * h)
    np.testing.assert_allclose(derivative(z), numeric, rtol=1e-6, atol=1e-9)


def ref_softmax(row) -> list[float]:
    with localcontext() as context:
        context.prec = 50
        exps = [Decimal(float(v)).exp() for v in row]
        total = sum(exps)
        return [float(e / total) for e in exps]


def test_softmax_matches_decimal_reference_rowwise():
    rng = np.random.default_rng(3)
    batch = rng.standard_normal((50, 7)) * rng.choice([0.01, 1, 10, 300, 1000], (50, 1))
    batch = np.vstack([batch, [[1000, 1001, 0, -1000, 1e-300, -1e-300, 999.5]]])
    got = act.softmax(batch)
    for row, probabilities in zip(batch, got):
        expected = ref_softmax(row)
        assert all(close(p, e) for p, e in zip(probabilities, expected)), (row, probabilities, expected)


def test_book_examples_without_overflow_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert act.sigmoid(-1000.0) == 0.0
        assert act.sigmoid(1000.0) == 1.0
        p = act.softmax([1000.0, 1001.0])
    expected = [1 / (1 + math.e), math.e / (1 + math.e)]
    assert all(close(a, b) for a, b in zip(p, expected))


def test_tiny_derivatives_keep_their_digits():
    # sigmoid'(40) = e^-40 / (1 + e^-40)^2; 1 - sigmoid(40) would round to 0.
    assert close(act.sigmoid_prime(40.0), math.exp(-40) / (1 + math.exp(-40)) ** 2)
    assert close(act.tanh_prime(20.0), 1 / math.cosh(20.0) ** 2)


@pytest.mark.parametrize("function", [f for f, _ in CASES] + [act.softmax], ids=lambda f: f.__name__)
def test_float32_stays_float32_and_integers_become_float64(function):
    z32 = np.array([[-3.0, 0.5, 2.0]], dtype=np.float32)
    assert function(z32).dtype == np.float32
    assert function(np.array([[-3, 0, 2]])).dtype == np.float64


def test_scalars_in_numbers_out():
    for function, _ in CASES:
        value = function(2.0)
        assert np.ndim(value) == 0 and isinstance(float(value), float)


def test_softmax_rejects_a_single_number():
    with pytest.raises(ValueError, match="at least one axis"):
        act.softmax(3.0)


finite = st.floats(-1000, 1000, allow_nan=False, allow_subnormal=False)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=finite))
def test_softmax_is_a_distribution_and_shift_invariant(z):
    p = act.softmax(z)
    assert np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(act.softmax(z - 17.0), p, rtol=1e-9, atol=1e-300)
    rows = np.arange(len(z))
    assert np.all(p[rows, np.argmax(z, axis=-1)] == p.max(axis=-1))


@settings(max_examples=300, deadline=None)
@given(finite)
def test_identities(z):
    s, t = float(act.sigmoid(z)), float(act.tanh(z))
    assert abs(float(act.sigmoid(-z)) - (1 - s)) <= 1e-15
    assert abs(t - (2 * float(act.sigmoid(2 * z)) - 1)) <= 1e-15
    assert 0 <= float(act.sigmoid_prime(z)) <= 0.25
    assert 0 <= float(act.tanh_prime(z)) <= 1
    assert abs(float(act.sigmoid_prime(z)) - s * (1 - s)) <= 4e-16
