"""Activation functions and their derivatives.

The chapter *Activation functions* explains each of these. Every function takes a
NumPy array (or a number) and works element by element, except :func:`softmax`, which
works along the last axis: with a batch of shape ``(n, k)``, each of the ``n`` rows
(one row per sample) becomes a probability distribution over ``k`` classes.

All functions are numerically stable: ``sigmoid(-1000.0)`` and
``softmax([1000.0, 1001.0])`` give correct values without an overflow warning.
"""

from __future__ import annotations

import numpy as np


def _as_float(z):
    """``z`` as a floating-point array: float32 and float64 stay, anything else becomes float64."""
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


__all__ = [
    "sigmoid",
    "sigmoid_prime",
    "tanh",
    "tanh_prime",
    "relu",
    "relu_prime",
    "leaky_relu",
    "leaky_relu_prime",
    "softmax",
]


# --8<-- [start:sigmoid]
def sigmoid(z):
    """The logistic sigmoid, σ(z) = 1 / (1 + e^(-z)).

    Computed as ``exp(-logaddexp(0, -z))`` so that no exponential can overflow, even
    for ``z = -1000``.

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape.

    Returns
    -------
    numpy.ndarray or float
        σ(z), same shape as ``z``, each value in (0, 1).

    Examples
    --------
    >>> print(sigmoid(0.0), round(float(sigmoid(2.0)), 4))
    0.5 0.8808
    >>> print(sigmoid(-1000.0))
    0.0
    """
    z = _as_float(z)
    return np.exp(-np.logaddexp(0, -z))
# --8<-- [end:sigmoid]


# --8<-- [start:sigmoid_prime]
def sigmoid_prime(z):
    """Derivative of the sigmoid: σ'(z) = σ(z) (1 − σ(z)).

    Its largest value is 0.25, at z = 0.

    Examples
    --------
    >>> print(sigmoid_prime(0.0))
    0.25
    """
    s = sigmoid(z)
    return s * (1 - s)
# --8<-- [end:sigmoid_prime]


# --8<-- [start:tanh]
def tanh(z):
    """The hyperbolic tangent, tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)) = 2σ(2z) − 1.

    Examples
    --------
    >>> print(tanh(0.0), round(float(tanh(2.0)), 4))
    0.0 0.964
    """
    return np.tanh(z)
# --8<-- [end:tanh]


# --8<-- [start:tanh_prime]
def tanh_prime(z):
    """Derivative of tanh: 1 − tanh(z)², largest (1) at z = 0.

    Examples
    --------
    >>> print(tanh_prime(0.0))
    1.0
    """
    t = np.tanh(z)
    return 1 - t * t
# --8<-- [end:tanh_prime]


# --8<-- [start:relu]
def relu(z):
    """The rectified linear unit, max(0, z).

    Examples
    --------
    >>> print(relu(np.array([3.5, -2.7, 0.0, 100.0])))
    [  3.5   0.    0.  100. ]
    """
    return np.maximum(z, 0)
# --8<-- [end:relu]


# --8<-- [start:relu_prime]
def relu_prime(z):
    """Derivative of ReLU: 1 where z > 0, else 0.

    At z = 0 ReLU has no derivative; like most libraries we use 0 there.

    Examples
    --------
    >>> print(relu_prime(np.array([3.5, -2.7, 0.0, 100.0])))
    [1. 0. 0. 1.]
    """
    z = _as_float(z)
    return (z > 0).astype(z.dtype)
# --8<-- [end:relu_prime]


# --8<-- [start:leaky_relu]
def leaky_relu(z, alpha=0.01):
    """Leaky ReLU: z where z > 0, else ``alpha * z``.

    The small slope ``alpha`` for negative inputs keeps a unit's gradient from being
    exactly zero, so a unit cannot "die".

    Examples
    --------
    >>> print(leaky_relu(np.array([3.5, -2.7])))
    [ 3.5   -0.027]
    """
    z = _as_float(z)
    return np.where(z > 0, z, z.dtype.type(alpha) * z)
# --8<-- [end:leaky_relu]


# --8<-- [start:leaky_relu_prime]
def leaky_relu_prime(z, alpha=0.01):
    """Derivative of leaky ReLU: 1 where z > 0, else ``alpha``.

    Examples
    --------
    >>> print(leaky_relu_prime(np.array([3.5, -2.7])))
    [1.   0.01]
    """
    z = _as_float(z)
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(alpha))
# --8<-- [end:leaky_relu_prime]


# --8<-- [start:softmax]
def softmax(z):
    """Softmax over the last axis: exp(z_i) / Σ_j exp(z_j).

    Subtracting the row's maximum first changes nothing mathematically (it cancels
    between numerator and denominator) but keeps every exponent ≤ 0, so ``exp`` never
    overflows.

    Parameters
    ----------
    z : array_like
        Scores (logits), shape ``(k,)`` for one sample or ``(n, k)`` for a batch of
        ``n`` samples (one per row).

    Returns
    -------
    numpy.ndarray
        Probabilities, same shape as ``z``; each row sums to 1.

    Examples
    --------
    >>> print(np.round(softmax([2.0, 1.0, 0.1]), 3))
    [0.659 0.242 0.099]
    >>> print(softmax([1000.0, 1001.0]))
    [0.26894142 0.73105858]
    """
    z = _as_float(z)
    exponentials = np.exp(z - z.max(axis=-1, keepdims=True))
    return exponentials / exponentials.sum(axis=-1, keepdims=True)
# --8<-- [end:softmax]
