"""The dense layer, against a plain per-sample, per-neuron computation."""

from __future__ import annotations

import numpy as np
import pytest

from neuralbook.gradcheck import numerical_gradient
from neuralbook.layers import ACTIVATIONS, Dense


def reference_forward(W, b, a_prev, f):
    """z_j = sum_k W[j, k] a_k + b_j, one sample and one neuron at a time."""
    n, n_out = a_prev.shape[0], W.shape[0]
    z = np.zeros((n, n_out))
    for s in range(n):
        for j in range(n_out):
            z[s, j] = sum(W[j, k] * a_prev[s, k] for k in range(W.shape[1])) + b[j]
    return z, f(z)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
def test_forward_matches_the_sums_written_out(activation):
    rng = np.random.default_rng(0)
    layer = Dense(4, 3, activation=activation, init="xavier", rng=rng)
    layer.b[:] = rng.standard_normal(3)
    a_prev = rng.standard_normal((5, 4))
    z, a = layer.forward(a_prev)
    z_ref, a_ref = reference_forward(layer.W, layer.b, a_prev, ACTIVATIONS[activation][0])
    np.testing.assert_allclose(z, z_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a, a_ref, rtol=1e-12, atol=1e-12)


def test_softmax_layer_rows_are_distributions():
    layer = Dense(4, 3, activation="softmax", init="he", rng=np.random.default_rng(0))
    _, a = layer.forward(np.random.default_rng(1).standard_normal((6, 4)))
    np.testing.assert_allclose(a.sum(axis=1), 1.0)


def test_backward_matches_finite_differences():
    """With C = sum(delta * z), dC/dz = delta, so backward must give dC/dW, dC/db, dC/da_prev."""
    rng = np.random.default_rng(2)
    layer = Dense(5, 3, activation="tanh", init="xavier", rng=rng)
    a_prev = rng.standard_normal((4, 5))
    delta = rng.standard_normal((4, 3))
    dW, db, da_prev = layer.backward(delta, a_prev)

    def cost(W=layer.W, b=layer.b, x=a_prev):
        return float(np.sum(delta * (x @ W.T + b)))

    np.testing.assert_allclose(dW, numerical_gradient(lambda W: cost(W=W), layer.W), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(db, numerical_gradient(lambda b: cost(b=b), layer.b), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(da_prev, numerical_gradient(lambda x: cost(x=x), a_prev), rtol=1e-7, atol=1e-9)


def test_backward_can_skip_the_input_gradient():
    rng = np.random.default_rng(0)
    layer = Dense(5, 3, rng=rng)
    dW, db, da_prev = layer.backward(np.ones((2, 3)), np.ones((2, 5)), input_gradient=False)
    assert da_prev is None and dW.shape == (3, 5) and db.shape == (3,)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"])
def test_float32_in_float32_out(activation):
    layer = Dense(6, 4, activation=activation, rng=np.random.default_rng(0), dtype=np.float32)
    x = np.random.default_rng(1).standard_normal((3, 6)).astype(np.float32)
    z, a = layer.forward(x)
    assert layer.W.dtype == layer.b.dtype == z.dtype == a.dtype == np.float32
    dW, db, da = layer.backward(a, x)
    assert dW.dtype == db.dtype == da.dtype == np.float32


def test_parameter_count_is_weights_plus_biases():
    layer = Dense(784, 30, rng=np.random.default_rng(0))
    assert layer.parameter_count == 784 * 30 + 30


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="unknown activation 'relu6'"):
        Dense(3, 2, activation="relu6", rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        Dense(3, 2)
    with pytest.raises(ValueError, match="float32 or float64"):
        Dense(3, 2, rng=np.random.default_rng(0), dtype=np.float16)
