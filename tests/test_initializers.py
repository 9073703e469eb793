"""Initialisations: shapes, dtypes, the variances they promise, seeds and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuralbook import initializers
from neuralbook.initializers import INITIALIZERS, initialize

# The variance each scheme promises, written out from the published formulas.
PROMISED_WEIGHT_VARIANCE = {
    "standard_normal": lambda n_in, n_out: 1.0,
    "nielsen_ch3": lambda n_in, n_out: 1.0 / n_in,
    "nielsen": lambda n_in, n_out: 1.0 / n_in,
    "xavier": lambda n_in, n_out: 2.0 / (n_in + n_out),
    "glorot": lambda n_in, n_out: 2.0 / (n_in + n_out),
    # U(-r, r) has variance r^2 / 3 with r = sqrt(6 / (n_in + n_out)).
    "xavier_uniform": lambda n_in, n_out: (6.0 / (n_in + n_out)) / 3.0,
    "he": lambda n_in, n_out: 2.0 / n_in,
}


def test_every_registered_scheme_has_a_promised_variance():
    assert set(INITIALIZERS) == set(PROMISED_WEIGHT_VARIANCE)


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
@pytest.mark.parametrize("n_in, n_out", [(784, 300), (300, 1000)])
def test_weights_have_the_promised_mean_and_variance(name, n_in, n_out):
    W, b = initialize(name, n_in, n_out, np.random.default_rng(123))
    assert W.shape == (n_out, n_in) and b.shape == (n_out,)
    expected = PROMISED_WEIGHT_VARIANCE[name](n_in, n_out)
    # With about 2e5 draws the sample variance is within 1 % of the truth (many sigmas).
    assert W.var() == pytest.approx(expected, rel=0.03)
    assert abs(W.mean()) < 5 * math.sqrt(expected / W.size)


@pytest.mark.parametrize("name", sorted(set(INITIALIZERS) - {"standard_normal", "nielsen_ch3"}))
def test_biases_start_at_zero_except_the_classic_scheme(name):
    _, b = initialize(name, 50, 40, np.random.default_rng(0))
    assert np.array_equal(b, np.zeros(40))


@pytest.mark.parametrize("name", ["standard_normal", "nielsen_ch3"])
def test_nielsens_schemes_draw_biases_from_the_standard_normal(name):
    # Both of Nielsen's network.py and network2.py draw every bias with np.random.randn.
    _, b = initialize(name, 10, 20000, np.random.default_rng(0))
    assert b.var() == pytest.approx(1.0, rel=0.05)
    assert abs(b.mean()) < 0.05


def test_xavier_uniform_stays_inside_its_bounds():
    W, _ = initializers.xavier_uniform(30, 70, np.random.default_rng(0))
    r = math.sqrt(6 / 100)
    assert W.min() >= -r and W.max() <= r
    assert W.max() > 0.95 * r and W.min() < -0.95 * r  # uses the whole interval


def test_glorot_is_xavier():
    a, _ = initializers.glorot(5, 4, np.random.default_rng(7))
    b, _ = initializers.xavier(5, 4, np.random.default_rng(7))
    assert np.array_equal(a, b)


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_same_seed_same_weights_other_seed_other_weights(name):
    W1, b1 = initialize(name, 6, 5, np.random.default_rng(3))
    W2, b2 = initialize(name, 6, 5, np.random.default_rng(3))
    W3, _ = initialize(name, 6, 5, np.random.default_rng(4))
    assert np.array_equal(W1, W2) and np.array_equal(b1, b2)
    assert not np.array_equal(W1, W3)


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_float32_weights_are_the_float64_weights_rounded(name):
    W32, b32 = initialize(name, 6, 5, np.random.default_rng(3), dtype=np.float32)
    W64, b64 = initialize(name, 6, 5, np.random.default_rng(3), dtype=np.float64)
    assert W32.dtype == np.float32 and b32.dtype == np.float32
    assert W64.dtype == np.float64
    assert np.array_equal(W32, W64.astype(np.float32))
    assert np.array_equal(b32, b64.astype(np.float32))


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown initialisation 'kaiming'.*he"):
        initialize("kaiming", 3, 2, np.random.default_rng(0))


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "4"])
def test_sizes_must_be_positive_integers(bad):
    with pytest.raises(ValueError, match="positive integer"):
        initializers.he(bad, 3, np.random.default_rng(0))


def test_a_generator_is_required():
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        initializers.he(3, 2, 0)
