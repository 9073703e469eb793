"""Weight initialisation: the random numbers a network starts from.

A layer that maps ``n_in`` inputs to ``n_out`` outputs has a weight matrix ``W`` of
shape ``(n_out, n_in)`` (one row per neuron) and a bias vector ``b`` of shape
``(n_out,)``. Each function here draws them from a `numpy.random.Generator`
and returns ``(W, b)``:

| name | weights | biases |
|---|---|---|
| ``standard_normal`` | N(0, 1) | N(0, 1) |
| ``nielsen_ch3`` | N(0, 1/n_in) | N(0, 1) |
| ``nielsen`` | N(0, 1/n_in) | 0 |
| ``xavier`` | N(0, 2/(n_in + n_out)) | 0 |
| ``glorot`` | same as ``xavier`` | 0 |
| ``xavier_uniform`` | U(−r, r), r = √(6/(n_in + n_out)) | 0 |
| ``he`` | N(0, 2/n_in) | 0 |

N(0, v) is the normal distribution with mean 0 and *variance* v, so its standard
deviation is √v. The numbers are always drawn in float64 and then rounded to the
requested ``dtype``, so a float32 network and a float64 network built from the same
seed start from the same weights (up to rounding).

Where the variances come from: for a neuron z = Σ_k w_k a_k with independent
zero-mean weights, Var z = n_in · Var w · E[a²]. Keeping Var z from layer to layer
asks for Var w = 1/n_in when E[a²] ≈ Var z (tanh or sigmoid near zero; Xavier averages
this with the backward pass's 1/n_out), and for Var w = 2/n_in after a ReLU, which
halves E[a²] (He). The chapter *Backpropagation* derives both and measures them; the
chapter *Training better* shows why the scale matters on MNIST: with N(0, 1) weights a
neuron with 784 inputs of size one has a pre-activation with standard deviation
√784 = 28 (about 9 for MNIST's pixels, most of which are zero), and a sigmoid there is
flat.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "standard_normal",
    "nielsen_ch3",
    "nielsen",
    "xavier",
    "glorot",
    "xavier_uniform",
    "he",
    "INITIALIZERS",
    "initialize",
]


def _check_sizes(n_in, n_out):
    for name, value in (("n_in", n_in), ("n_out", n_out)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"expected {name} to be a positive integer, got {value!r}")


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"expected a numpy.random.Generator (numpy.random.default_rng(seed)), got {type(rng).__name__}"
        )


def _normal(n_in, n_out, rng, variance, dtype):
    """Weights from N(0, variance) and zero biases (sizes already checked)."""
    _check_rng(rng)
    W = (rng.standard_normal((n_out, n_in)) * np.sqrt(variance)).astype(dtype)
    b = np.zeros(n_out, dtype=dtype)
    return W, b


# --8<-- [start:standard_normal]
def standard_normal(n_in: int, n_out: int, rng: np.random.Generator, dtype: np.typing.DTypeLike = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """The classic start: every weight and every bias from N(0, 1).

    This is exactly what Nielsen's chapter-1 ``network.py`` does (``np.random.randn``
    for every weight and every bias). It works for small networks but
    makes the pre-activations of wide layers large (standard deviation √n_in), which
    saturates sigmoid neurons.

    Parameters
    ----------
    n_in, n_out : int
        Inputs and outputs (neurons) of the layer.
    rng : numpy.random.Generator
        Source of randomness, e.g. ``numpy.random.default_rng(0)``.
    dtype : numpy dtype, optional
        float64 (default) or float32.

    Returns
    -------
    W : numpy.ndarray, shape (n_out, n_in)
    b : numpy.ndarray, shape (n_out,)

    Examples
    --------
    >>> W, b = standard_normal(3, 2, np.random.default_rng(0))
    >>> W.shape, b.shape
    ((2, 3), (2,))
    """
    _check_sizes(n_in, n_out)
    _check_rng(rng)
    W = rng.standard_normal((n_out, n_in)).astype(dtype)
    b = rng.standard_normal(n_out).astype(dtype)
    return W, b
# --8<-- [end:standard_normal]


# --8<-- [start:nielsen_ch3]
def nielsen_ch3(n_in: int, n_out: int, rng: np.random.Generator, dtype: np.typing.DTypeLike = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Nielsen's chapter-3 start: weights from N(0, 1/n_in), biases from N(0, 1).

    Exactly the ``default_weight_initializer`` of his ``network2.py``: each weight is
    ``np.random.randn() / sqrt(n_in)``, each bias ``np.random.randn()``, as in
    chapter 1. Only the weights are scaled: a neuron's weighted input then has a
    standard deviation of about one instead of about √n_in.

    Examples
    --------
    >>> W, b = nielsen_ch3(784, 30, np.random.default_rng(0))
    >>> print(round(float(W.std() * np.sqrt(784)), 2), b.shape)
    1.0 (30,)
    """
    _check_sizes(n_in, n_out)
    _check_rng(rng)
    W = (rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(dtype)
    b = rng.standard_normal(n_out).astype(dtype)
    return W, b
# --8<-- [end:nielsen_ch3]


# --8<-- [start:nielsen]
def nielsen(n_in: int, n_out: int, rng: np.random.Generator, dtype: np.typing.DTypeLike = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Weights from N(0, 1/n_in): standard deviation 1/√n_in; biases 0.

    The weight rule of Nielsen's improved ``network2.py``, with the biases at zero
    like every scheme here except [`standard_normal`][neuralbook.initializers.standard_normal]
    and [`nielsen_ch3`][neuralbook.initializers.nielsen_ch3] (his code draws them from
    N(0, 1); [`nielsen_ch3`][neuralbook.initializers.nielsen_ch3] is his start exactly).

    Examples
    --------
    >>> W, b = nielsen(784, 30, np.random.default_rng(0))
    >>> print(round(float(W.std() * np.sqrt(784)), 2), float(b.sum()))
    1.0 0.0
    """
    _check_sizes(n_in, n_out)
    return _normal(n_in, n_out, rng, 1.0 / n_in, dtype)
# --8<-- [end:nielsen]


# --8<-- [start:xavier]
def xavier(n_in: int, n_out: int, rng: np.random.Generator, dtype: np.typing.DTypeLike = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Xavier/Glorot *normal*: weights from N(0, 2/(n_in + n_out)); biases 0.

    Glorot and Bengio (2010) proposed the *uniform* version, U(−r, r) with
    r = √(6/(n_in + n_out)) (see [`xavier_uniform`][neuralbook.initializers.xavier_uniform]). A uniform distribution on
    (−r, r) has variance r²/3 = 2/(n_in + n_out): the two have the same variance, and
    this one is the normal variant.

    Examples
    --------
    >>> W, b = xavier(300, 100, np.random.default_rng(0))
    >>> print(round(float(W.var() * (300 + 100) / 2), 1))
    1.0
    """
    _check_sizes(n_in, n_out)
    return _normal(n_in, n_out, rng, 2.0 / (n_in + n_out), dtype)
# --8<-- [end:xavier]


#: Another name for [`xavier`][neuralbook.initializers.xavier] (the normal variant).
glorot = xavier
"""Another name for `xavier` (the normal variant)."""


def xavier_uniform(n_in: int, n_out: int, rng: np.random.Generator, dtype: np.typing.DTypeLike = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Glorot and Bengio's original: weights from U(−r, r), r = √(6/(n_in + n_out)); biases 0.

    Examples
    --------
    >>> W, b = xavier_uniform(300, 100, np.random.default_rng(0))
    >>> bool(np.abs(W).max() <= np.sqrt(6 / 400))
    True
    """
    _check_sizes(n_in, n_out)
    _check_rng(rng)
    r = np.sqrt(6.0 / (n_in + n_out))
    W = rng.uniform(-r, r, size=(n_out, n_in)).astype(dtype)
    return W, np.zeros(n_out, dtype=dtype)


# --8<-- [start:he]
def he(n_in: int, n_out: int, rng: np.random.Generator, dtype: np.typing.DTypeLike = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """He (Kaiming) normal: weights from N(0, 2/n_in); biases 0.

    Made for ReLU: a ReLU zeroes half of its inputs on average, so the variance is
    doubled to keep the size of the signal the same from layer to layer.

    Examples
    --------
    >>> W, b = he(784, 128, np.random.default_rng(0), dtype=np.float32)
    >>> W.dtype, W.shape
    (dtype('float32'), (128, 784))
    >>> print(round(float(W.var() * 784 / 2), 2))
    1.0
    """
    _check_sizes(n_in, n_out)
    return _normal(n_in, n_out, rng, 2.0 / n_in, dtype)
# --8<-- [end:he]


#: Every initialisation by name.
INITIALIZERS = {
    "standard_normal": standard_normal,
    "nielsen_ch3": nielsen_ch3,
    "nielsen": nielsen,
    "xavier": xavier,
    "glorot": glorot,
    "xavier_uniform": xavier_uniform,
    "he": he,
}
"""Every initialisation by name."""


def initialize(name: str, n_in: int, n_out: int, rng: np.random.Generator, dtype: np.typing.DTypeLike = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Look up an initialisation by name and draw ``(W, b)`` for one layer.

    Raises
    ------
    ValueError
        If ``name`` is not one of `INITIALIZERS`.

    Examples
    --------
    >>> W, b = initialize("he", 4, 2, np.random.default_rng(0))
    >>> W.shape
    (2, 4)
    >>> initialize("kaiming", 4, 2, np.random.default_rng(0))
    Traceback (most recent call last):
    ...
    ValueError: unknown initialisation 'kaiming'; expected one of: standard_normal, nielsen_ch3, nielsen, xavier, glorot, xavier_uniform, he
    """
    if name not in INITIALIZERS:
        raise ValueError(f"unknown initialisation {name!r}; expected one of: {', '.join(INITIALIZERS)}")
    return INITIALIZERS[name](n_in, n_out, rng, dtype=dtype)
