"""Activation functions and their derivatives.

The chapter *Activation functions* explains each of these. Every function takes a
NumPy array (or a number) and works element by element, except [`softmax`][neuralbook.activations.softmax], which
works along the last axis: with a batch of shape ``(n, k)``, each of the ``n`` rows
(one row per sample) becomes a probability distribution over ``k`` classes.

All functions are numerically stable: ``sigmoid(-1000.0)`` and
``softmax([1000.0, 1001.0])`` give correct values without an overflow warning, and
the derivatives keep their relative accuracy where they are tiny (``sigmoid_prime(40.0)``
is about 4.2e-18, not 0). A float32 input gives a float32 result (the trainer works in
float32); any other input (integers, lists, Python floats) is computed in float64.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = [
    "sigmoid",
    "sigmoid_prime",
    "tanh",
    "tanh_prime",
    "relu",
    "relu_prime",
    "leaky_relu",
    "leaky_relu_prime",
    "elu",
    "elu_prime",
    "softmax",
]


def _as_float(z) -> np.ndarray:
    """``z`` as a floating-point array: float32 and float64 stay, anything else becomes float64."""
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


def _same_kind(result):
    """A 0-d array becomes a NumPy scalar, so that ``f(2.0)`` returns a number."""
    result = np.asarray(result)
    return result[()] if result.ndim == 0 else result


def _element_wise(function):
    """Let ``function``, written for one float array, take any array_like and return a number for a number.

    The input becomes a float array (`_as_float`) and a 0-d result a NumPy scalar
    (`_same_kind`). The decorator sits outside the chapter's listings, which show only
    the mathematics.
    """

    @functools.wraps(function)
    def wrapper(z, *args, **kwargs):
        return _same_kind(function(_as_float(z), *args, **kwargs))

    return wrapper


def _score_rows(function):
    """Let ``function``, written for a float array of scores with a last axis, take any array_like.

    A single number has no axis to normalise over and is refused with a clear error.
    """

    @functools.wraps(function)
    def wrapper(z):
        z = _as_float(z)
        if z.ndim == 0:
            raise ValueError("softmax needs at least one axis of scores, got a single number")
        return function(z)

    return wrapper


@_element_wise
# --8<-- [start:sigmoid]
def sigmoid(z: np.typing.ArrayLike) -> np.ndarray:
    """The logistic sigmoid, σ(z) = 1 / (1 + e^(−z)).

    For z ≥ 0 the formula is used as written; for z < 0 it is rewritten as
    e^z / (1 + e^z), which is the same number. Either way the exponential is e^(−|z|),
    which lies in (0, 1]: it can never overflow, even for z = −1000.

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape.

    Returns
    -------
    numpy.ndarray or numpy scalar
        σ(z), same shape as ``z``, each value in [0, 1].

    Examples
    --------
    >>> print(sigmoid(0.0), round(float(sigmoid(2.0)), 4))
    0.5 0.8808
    >>> print(sigmoid(-1000.0))
    0.0
    """
    e = np.exp(-np.abs(z))  # e^(-|z|) is in (0, 1]: no overflow
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
# --8<-- [end:sigmoid]


@_element_wise
# --8<-- [start:sigmoid_prime]
def sigmoid_prime(z: np.typing.ArrayLike) -> np.ndarray:
    """Derivative of the sigmoid: σ'(z) = σ(z) (1 − σ(z)).

    Its largest value is 0.25, at z = 0. Because 1 − σ(z) = σ(−z), it is computed as
    σ(z) σ(−z): the same number, but accurate even where σ(z) is so close to 1 that
    ``1 - sigmoid(z)`` would lose every digit.

    Examples
    --------
    >>> print(sigmoid_prime(0.0))
    0.25
    >>> print(round(float(sigmoid_prime(5.0)), 4))
    0.0066
    """
    return sigmoid(z) * sigmoid(-z)  # = σ(z) (1 − σ(z))
# --8<-- [end:sigmoid_prime]


@_element_wise
# --8<-- [start:tanh]
def tanh(z: np.typing.ArrayLike) -> np.ndarray:
    """The hyperbolic tangent, tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)) = 2σ(2z) − 1.

    Values lie in (−1, 1) and tanh(0) = 0: tanh is a sigmoid stretched to be centred
    on zero.

    Examples
    --------
    >>> print(tanh(0.0), round(float(tanh(2.0)), 4))
    0.0 0.964
    """
    return np.tanh(z)
# --8<-- [end:tanh]


@_element_wise
# --8<-- [start:tanh_prime]
def tanh_prime(z: np.typing.ArrayLike) -> np.ndarray:
    """Derivative of tanh: 1 − tanh(z)², largest (1) at z = 0.

    Because 1 − t² = (1 − t)(1 + t) and, with t = 2σ(2z) − 1, 1 + t = 2σ(2z) and
    1 − t = 2σ(−2z), it is computed as 4 σ(2z) σ(−2z): the same number, accurate even
    where tanh(z) rounds to ±1.

    Examples
    --------
    >>> print(tanh_prime(0.0))
    1.0
    >>> print(round(float(tanh_prime(2.0)), 4))
    0.0707
    """
    return 4 * sigmoid(2 * z) * sigmoid(-2 * z)  # = 1 − tanh(z)²
# --8<-- [end:tanh_prime]


@_element_wise
# --8<-- [start:relu]
def relu(z: np.typing.ArrayLike) -> np.ndarray:
    """The rectified linear unit, max(0, z).

    Examples
    --------
    >>> print(relu(np.array([3.5, -2.7, 0.0, 100.0])))
    [  3.5   0.    0.  100. ]
    """
    return np.maximum(z, z.dtype.type(0))  # NaN stays NaN
# --8<-- [end:relu]


@_element_wise
# --8<-- [start:relu_prime]
def relu_prime(z: np.typing.ArrayLike) -> np.ndarray:
    """Derivative of ReLU: 1 where z > 0, else 0.

    At z = 0 ReLU has no derivative (its slope jumps from 0 to 1); like most
    libraries we use 0 there.

    Examples
    --------
    >>> print(relu_prime(np.array([3.5, -2.7, 0.0, 100.0])))
    [1. 0. 0. 1.]
    """
    return (z > 0).astype(z.dtype)
# --8<-- [end:relu_prime]


@_element_wise
# --8<-- [start:leaky_relu]
def leaky_relu(z: np.typing.ArrayLike, alpha: float = 0.01) -> np.ndarray:
    """Leaky ReLU: z where z > 0, else alpha · z.

    The small slope ``alpha`` for negative inputs keeps a unit's gradient from being
    exactly zero, so a unit cannot "die".

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape.
    alpha : float, optional
        Slope for z ≤ 0 (default 0.01).

    Examples
    --------
    >>> print(leaky_relu(np.array([3.5, -2.7])))
    [ 3.5   -0.027]
    """
    return np.where(z > 0, z, z.dtype.type(alpha) * z)
# --8<-- [end:leaky_relu]


@_element_wise
# --8<-- [start:leaky_relu_prime]
def leaky_relu_prime(z: np.typing.ArrayLike, alpha: float = 0.01) -> np.ndarray:
    """Derivative of leaky ReLU: 1 where z > 0, else alpha (also at z = 0).

    Examples
    --------
    >>> print(leaky_relu_prime(np.array([3.5, -2.7])))
    [1.   0.01]
    """
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(alpha))
# --8<-- [end:leaky_relu_prime]


@_element_wise
# --8<-- [start:elu]
def elu(z: np.typing.ArrayLike, alpha: float = 1.0) -> np.ndarray:
    """The exponential linear unit: z where z > 0, else alpha (e^z − 1).

    For negative inputs ELU bends smoothly towards −``alpha`` instead of cutting at 0,
    so its outputs can be negative and their mean can sit near zero. ``np.expm1``
    computes e^z − 1 accurately where z is tiny, and the exponent is clipped to
    z ≤ 0, where e^z cannot overflow.

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape.
    alpha : float, optional
        The value that ELU approaches for very negative z, with a minus sign (default 1).

    Examples
    --------
    >>> print(np.round(elu(np.array([2.0, 0.0, -1.0, -10.0])), 4))
    [ 2.      0.     -0.6321 -1.    ]
    """
    negative_part = z.dtype.type(alpha) * np.expm1(np.minimum(z, z.dtype.type(0)))
    return np.where(z > 0, z, negative_part)
# --8<-- [end:elu]


@_element_wise
# --8<-- [start:elu_prime]
def elu_prime(z: np.typing.ArrayLike, alpha: float = 1.0) -> np.ndarray:
    """Derivative of ELU: 1 where z > 0, else alpha e^z.

    At z = 0 the two sides meet with slope 1 when ``alpha`` is 1, the default; the
    package uses the left side there, alpha e^0 = alpha.

    Examples
    --------
    >>> print(np.round(elu_prime(np.array([2.0, 0.0, -1.0])), 4))
    [1.     1.     0.3679]
    """
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(alpha) * np.exp(np.minimum(z, z.dtype.type(0))))
# --8<-- [end:elu_prime]


@_score_rows
# --8<-- [start:softmax]
def softmax(z: np.typing.ArrayLike) -> np.ndarray:
    """Softmax over the last axis: exp(z_i) / Σ_j exp(z_j).

    Subtracting the row's maximum first changes nothing mathematically (the factor
    e^(−max) cancels between numerator and denominator) but keeps every exponent ≤ 0,
    so ``exp`` never overflows. For a temperature T, call ``softmax(z / T)``.

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
    exponentials = np.exp(z - z.max(axis=-1, keepdims=True))
    return exponentials / exponentials.sum(axis=-1, keepdims=True)
# --8<-- [end:softmax]
