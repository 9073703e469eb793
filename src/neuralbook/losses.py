"""Loss functions and their gradients.

The chapter *Loss functions* explains each of these. A loss compares what a network
predicted, ``y_pred``, with what it should have predicted, ``y_true``, and returns one
number: the smaller, the better. Each loss comes with its gradient with respect to the
prediction (or, for the two combined forms, with respect to the logits), which is where
backpropagation starts.

Conventions shared by every function here:

* **Rows are samples.** ``y_true`` and ``y_pred`` have the same shape ``(B, K)``: ``B``
  samples, ``K`` outputs each. For [`mse`][neuralbook.losses.mse], [`quadratic_cost`][neuralbook.losses.quadratic_cost] and the two
  binary cross-entropies a 1-D array of length ``B`` is treated as one column of ``B``
  samples (shape ``(B, 1)``), and a single number as one sample. For
  [`categorical_cross_entropy`][neuralbook.losses.categorical_cross_entropy] and [`softmax_cross_entropy`][neuralbook.losses.softmax_cross_entropy] a 1-D array of
  length ``K`` is *one* sample with ``K`` classes, as for
  [`neuralbook.activations.softmax`][neuralbook.activations.softmax].
* **Averages.** [`mse`][neuralbook.losses.mse] and the binary cross-entropies average over every element
  (``B * K`` of them, which is ``B`` for a single output column). [`quadratic_cost`][neuralbook.losses.quadratic_cost]
  and the categorical cross-entropies sum over the ``K`` outputs of a sample and average
  over the ``B`` samples.
* **Checked inputs.** Shapes must match (``ValueError: y_true has shape (4, 10) but
  y_pred has shape (4, 9)``); NaN or infinity in either array is an error, as are
  probabilities outside [0, 1]. Where a row must be a probability distribution (the
  predictions of [`categorical_cross_entropy`][neuralbook.losses.categorical_cross_entropy], the targets of
  [`softmax_cross_entropy`][neuralbook.losses.softmax_cross_entropy]) it must sum to 1 within 0.001.
* **Precision.** The result has the floating-point type of ``y_pred`` (float32 stays
  float32; integer predictions become float64); ``y_true`` is converted to it.
* **No log(0).** The cross-entropies on probabilities clip ``y_pred`` to
  ``[eps, 1 - eps]`` with ``eps = numpy.finfo(dtype).eps`` (about 2.2e-16 for float64,
  1.2e-7 for float32: the gap between 1 and the next representable number, so
  ``1 - eps`` is still below 1). A prediction of exactly 0 or 1 therefore gives a
  large but finite loss and gradient, never NaN. The combined forms
  [`softmax_cross_entropy`][neuralbook.losses.softmax_cross_entropy] and [`sigmoid_binary_cross_entropy`][neuralbook.losses.sigmoid_binary_cross_entropy] work from the
  logits and need no clipping at all; prefer them for classifiers.
"""

from __future__ import annotations

import functools

import numpy as np

from neuralbook.activations import sigmoid, softmax


class NotFiniteError(ValueError):
    """A loss was given NaN or infinity: in training, the sign that the network diverged."""


__all__ = [
    "NotFiniteError",
    "mse",
    "mse_gradient",
    "quadratic_cost",
    "quadratic_cost_gradient",
    "binary_cross_entropy",
    "binary_cross_entropy_gradient",
    "categorical_cross_entropy",
    "categorical_cross_entropy_gradient",
    "softmax_cross_entropy",
    "softmax_cross_entropy_gradient",
    "sigmoid_binary_cross_entropy",
    "sigmoid_binary_cross_entropy_gradient",
]


# --------------------------------------------------------------------------- checks


def _as_pair(y_true, y_pred, pred_name="y_pred", classes=False):
    """Both arrays as 2-D float arrays of the prediction's dtype, after validation.

    ``classes=False``: a scalar is one sample, a 1-D array one column of samples.
    ``classes=True``: a 1-D array is one sample (one row of class scores).
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but {pred_name} has shape {y_pred.shape}")
    if y_pred.ndim > 2:
        raise ValueError(f"expected arrays of shape (n,) or (n, k), got shape {y_pred.shape}")
    if classes and y_pred.ndim == 0:
        raise ValueError("expected class scores of shape (k,) or (n, k), got a single number")
    if y_pred.size == 0:
        raise ValueError(f"expected at least one sample, got shape {y_pred.shape}")
    for name, array in (("y_true", y_true), (pred_name, y_pred)):
        if array.dtype.kind not in "biuf":
            raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}")
    dtype = y_pred.dtype if y_pred.dtype.kind == "f" else np.dtype(np.float64)
    y_true = y_true.astype(dtype, copy=False)
    y_pred = y_pred.astype(dtype, copy=False)
    for name, array in (("y_true", y_true), (pred_name, y_pred)):
        if not np.all(np.isfinite(array)):
            raise NotFiniteError(f"{name} contains NaN or infinity")
    if classes:
        shape = (1, -1) if y_pred.ndim == 1 else y_pred.shape
    else:
        shape = (-1, 1) if y_pred.ndim < 2 else y_pred.shape
    return y_true.reshape(shape), y_pred.reshape(shape)


def _check_probabilities(name, p):
    """Fail unless every value of ``p`` lies in [0, 1]."""
    if p.min() < 0 or p.max() > 1:
        raise ValueError(
            f"{name} must hold probabilities in [0, 1], got values from {p.min():.4g} to {p.max():.4g}"
            " (pass logits to the softmax_/sigmoid_ forms of the loss instead)"
        )


#: How far a row of probabilities may sum from 1: loose enough for float32 rounding and
#: for finite-difference checks that nudge one entry, tight enough to catch a row of
#: sigmoid outputs or of raw scores passed by mistake.
_ROW_SUM_TOLERANCE = 1e-3


def _check_rows_sum_to_one(name, p):
    """Fail unless each row of ``p`` sums to 1 within ``_ROW_SUM_TOLERANCE``."""
    sums = p.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1) > _ROW_SUM_TOLERANCE)
    if bad.size:
        raise ValueError(
            f"each row of {name} must sum to 1 (a probability distribution); "
            f"row {bad[0]} sums to {sums[bad[0]]:.6g}"
        )


def _clip(p):
    """Probabilities clipped to [eps, 1 - eps], eps the machine epsilon of their dtype."""
    eps = np.finfo(p.dtype).eps
    return np.clip(p, eps, 1 - eps)


def _result(value, dtype):
    """A loss value as a NumPy scalar of the prediction's dtype."""
    return np.dtype(dtype).type(value)


def _checked(*, gradient=False, pred_name="y_pred", classes=False, probabilities=(), rows_sum_to_one=None):
    """Let a loss (or its gradient) written for two clean 2-D arrays take any array_like, after checking it.

    The wrapped function receives ``y_true`` and the prediction (``pred_name``) as 2-D
    float arrays of the prediction's dtype (`_as_pair`), after the arrays named in
    ``probabilities`` were checked to lie in [0, 1] and the rows of the one named
    ``rows_sum_to_one`` to sum to 1. A loss's value comes back as a NumPy scalar of the
    prediction's dtype; a gradient (``gradient=True``) in the prediction's original
    shape. The decorators sit outside the chapter's listings, which show the mathematics.
    """

    def decorate(function):
        @functools.wraps(function)
        def wrapper(y_true, y_pred):
            shape = np.shape(y_pred)
            y_true, y_pred = _as_pair(y_true, y_pred, pred_name=pred_name, classes=classes)
            arrays = {"y_true": y_true, pred_name: y_pred}
            for name in probabilities:
                _check_probabilities(name, arrays[name])
            if rows_sum_to_one is not None:
                _check_rows_sum_to_one(rows_sum_to_one, arrays[rows_sum_to_one])
            value = function(y_true, y_pred)
            return value.reshape(shape) if gradient else _result(value, y_pred.dtype)

        return wrapper

    return decorate


# --------------------------------------------------------------------------- MSE


@_checked()
# --8<-- [start:mse]
def mse(y_true, y_pred) -> float:
    """Mean squared error: the mean of (ŷ − y)² over all elements.

    Parameters
    ----------
    y_true, y_pred : array_like
        Targets and predictions, shape ``(B,)`` (one output per sample) or ``(B, K)``.

    Returns
    -------
    float
        The mean over all ``B * K`` squared differences.

    Examples
    --------
    >>> print(mse([300_000, 450_000, 200_000], [310_000, 430_000, 195_000]))
    175000000.0
    """
    return np.mean((y_pred - y_true) ** 2)
# --8<-- [end:mse]


@_checked(gradient=True)
# --8<-- [start:mse_gradient]
def mse_gradient(y_true, y_pred):
    """The gradient of the mean squared error with respect to the predictions.

    It is 2 (ŷ − y) / (B K), for B samples of K outputs each: the derivative of
    [`mse`][neuralbook.losses.mse]. Returns an array of the same shape as ``y_pred``.

    Examples
    --------
    >>> print(mse_gradient([1.0, 2.0], [2.0, 2.0]))
    [1. 0.]
    """
    return 2 * (y_pred - y_true) / y_pred.size
# --8<-- [end:mse_gradient]


@_checked()
# --8<-- [start:quadratic_cost]
def quadratic_cost(y_true, y_pred) -> float:
    """Nielsen's quadratic cost, ½‖y − a‖² averaged over the samples.

    C = 1/(2B) Σ_x ‖y(x) − a(x)‖²: the squared lengths of the B error vectors (one per
    row), summed, divided by 2B. The 2 cancels when differentiating.

    Parameters
    ----------
    y_true, y_pred : array_like
        Desired outputs ``y`` and network outputs ``a``, shape ``(B, K)``: ``B``
        samples, one per row (a 1-D array is ``B`` samples with one output each).

    Examples
    --------
    >>> print(round(float(quadratic_cost([[0.0, 1.0]], [[0.2, 0.6]])), 4))
    0.1
    """
    y, a = y_true, y_pred
    B = a.shape[0]  # samples in the batch
    return np.sum((y - a) ** 2) / (2 * B)
# --8<-- [end:quadratic_cost]


@_checked(gradient=True)
# --8<-- [start:quadratic_cost_gradient]
def quadratic_cost_gradient(y_true, y_pred):
    """The quadratic cost's gradient with respect to the outputs, (a − y) / B.

    The derivative of [`quadratic_cost`][neuralbook.losses.quadratic_cost] for a batch
    of B samples.

    Examples
    --------
    >>> print(quadratic_cost_gradient([[0.0, 1.0]], [[0.2, 0.6]]))
    [[ 0.2 -0.4]]
    """
    y, a = y_true, y_pred
    return (a - y) / a.shape[0]
# --8<-- [end:quadratic_cost_gradient]


# --------------------------------------------------------------------------- binary


@_checked(probabilities=("y_true", "y_pred"))
# --8<-- [start:binary_cross_entropy]
def binary_cross_entropy(y_true, y_pred) -> float:
    """Binary cross-entropy of probabilities, averaged over all elements.

    C = −mean( y ln ŷ + (1 − y) ln(1 − ŷ) ), with the natural logarithm.

    ``ŷ`` is clipped to ``[eps, 1 − eps]`` (``eps`` the machine epsilon of its dtype),
    so ŷ = 0 or 1 gives a large finite loss instead of infinity or NaN.

    Parameters
    ----------
    y_true : array_like
        Labels in [0, 1] (usually 0 or 1), shape ``(B,)`` or ``(B, K)``.
    y_pred : array_like
        Predicted probabilities ŷ in [0, 1], same shape.

    Examples
    --------
    >>> print(round(float(binary_cross_entropy([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.3])), 4))
    0.1976
    """
    y, y_hat = y_true, _clip(y_pred)
    losses = -(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
    return np.mean(losses)
# --8<-- [end:binary_cross_entropy]


@_checked(gradient=True, probabilities=("y_true", "y_pred"))
# --8<-- [start:binary_cross_entropy_gradient]
def binary_cross_entropy_gradient(y_true, y_pred):
    """The binary cross-entropy's gradient with respect to the probabilities.

    It is (−y / ŷ + (1 − y) / (1 − ŷ)) / (B K), for B samples of K outputs each: the
    derivative of [`binary_cross_entropy`][neuralbook.losses.binary_cross_entropy],
    evaluated at the clipped ŷ, so it is finite even at ŷ = 0 or 1.

    Examples
    --------
    >>> print(np.round(binary_cross_entropy_gradient([1.0, 0.0], [0.8, 0.8]), 4))
    [-0.625  2.5  ]
    """
    y, y_hat = y_true, _clip(y_pred)
    return (-y / y_hat + (1 - y) / (1 - y_hat)) / y_hat.size
# --8<-- [end:binary_cross_entropy_gradient]


@_checked(pred_name="logits", probabilities=("y_true",))
# --8<-- [start:sigmoid_binary_cross_entropy]
def sigmoid_binary_cross_entropy(y_true, logits) -> float:
    """Binary cross-entropy of σ(z), computed stably from the logits z.

    With ŷ = σ(z), the loss of one element −[y log ŷ + (1 − y) log(1 − ŷ)] simplifies to
    log(1 + e^z) − y z, computed as max(z, 0) − y z + log(1 + e^(−|z|)), where no
    exponential can overflow and no log can see 0. Mean over all elements.

    Parameters
    ----------
    y_true : array_like
        Labels in [0, 1], shape ``(B,)`` or ``(B, K)``.
    logits : array_like
        Pre-activations z of the output sigmoid, same shape.

    Examples
    --------
    >>> print(round(float(sigmoid_binary_cross_entropy([1.0], [0.0])), 4))
    0.6931
    >>> print(sigmoid_binary_cross_entropy([1.0, 0.0], [1000.0, -1000.0]))
    0.0
    """
    y, z = y_true, logits
    losses = np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))
    return np.mean(losses)
# --8<-- [end:sigmoid_binary_cross_entropy]


@_checked(gradient=True, pred_name="logits", probabilities=("y_true",))
# --8<-- [start:sigmoid_binary_cross_entropy_gradient]
def sigmoid_binary_cross_entropy_gradient(y_true, logits):
    """∂C/∂z of the sigmoid binary cross-entropy, (σ(z) − y) / (B K).

    The derivative of
    [`sigmoid_binary_cross_entropy`][neuralbook.losses.sigmoid_binary_cross_entropy],
    for B samples of K outputs each (B for one output column).

    Examples
    --------
    >>> print(sigmoid_binary_cross_entropy_gradient([1.0, 0.0], [0.0, 0.0]))
    [-0.25  0.25]
    """
    y, z = y_true, logits
    return (sigmoid(z) - y) / z.size
# --8<-- [end:sigmoid_binary_cross_entropy_gradient]


# --------------------------------------------------------------------------- categorical


@_checked(classes=True, probabilities=("y_pred",), rows_sum_to_one="y_pred")
# --8<-- [start:categorical_cross_entropy]
def categorical_cross_entropy(y_true, y_pred) -> float:
    """Categorical cross-entropy of probabilities, averaged over the samples.

    C = −(1/B) Σ_samples Σ_j y_j ln ŷ_j, with the natural logarithm. ``ŷ`` is clipped to ``[eps, 1 − eps]`` (``eps`` the machine
    epsilon of its dtype), so a predicted probability of 0 gives a large finite loss.

    Parameters
    ----------
    y_true : array_like
        Targets, shape ``(B, K)``: one row per sample, usually one-hot. A 1-D array of
        length ``K`` is one sample.
    y_pred : array_like
        Predicted probabilities, same shape; each row must sum to 1 (a softmax output).

    Examples
    --------
    >>> print(round(float(categorical_cross_entropy([0, 1, 0], [0.2, 0.7, 0.1])), 4))
    0.3567
    """
    y, y_hat = y_true, _clip(y_pred)
    return -np.sum(y * np.log(y_hat)) / y_hat.shape[0]
# --8<-- [end:categorical_cross_entropy]


@_checked(gradient=True, classes=True, probabilities=("y_pred",), rows_sum_to_one="y_pred")
# --8<-- [start:categorical_cross_entropy_gradient]
def categorical_cross_entropy_gradient(y_true, y_pred):
    """∂C/∂ŷ of the categorical cross-entropy, −y / (B ŷ).

    The derivative of
    [`categorical_cross_entropy`][neuralbook.losses.categorical_cross_entropy] for a
    batch of B samples, evaluated at the clipped ŷ, so finite even where ŷ = 0.

    Examples
    --------
    >>> print(np.round(categorical_cross_entropy_gradient([0, 1, 0], [0.2, 0.5, 0.3]), 4))
    [-0. -2. -0.]
    """
    y, y_hat = y_true, _clip(y_pred)
    return -y / y_hat / y_hat.shape[0]
# --8<-- [end:categorical_cross_entropy_gradient]


@_checked(pred_name="logits", classes=True, probabilities=("y_true",), rows_sum_to_one="y_true")
# --8<-- [start:softmax_cross_entropy]
def softmax_cross_entropy(y_true, logits) -> float:
    """Categorical cross-entropy of softmax(z), computed stably from the logits z.

    log softmax(z)_j = z_j − log Σ_i e^(z_i), and the log-sum-exp is computed as
    m + log Σ_i e^(z_i − m) with m the row's maximum, so nothing overflows and no log
    sees 0. The loss is the mean over rows of −Σ_j y_j log softmax(z)_j.

    Parameters
    ----------
    y_true : array_like
        Targets, shape ``(B, K)``; each row must sum to 1 (one-hot, or a distribution).
        A 1-D array of length ``K`` is one sample.
    logits : array_like
        Scores z before the softmax, same shape.

    Examples
    --------
    >>> print(round(float(softmax_cross_entropy([0, 1], [0.0, 0.0])), 4))
    0.6931
    >>> print(round(float(softmax_cross_entropy([0, 1], [1000.0, 0.0])), 4))
    1000.0
    """
    y, z = y_true, logits
    m = z.max(axis=1, keepdims=True)
    log_sum_exp = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    log_probabilities = z - log_sum_exp
    return -np.sum(y * log_probabilities) / z.shape[0]
# --8<-- [end:softmax_cross_entropy]


@_checked(gradient=True, pred_name="logits", classes=True, probabilities=("y_true",), rows_sum_to_one="y_true")
# --8<-- [start:softmax_cross_entropy_gradient]
def softmax_cross_entropy_gradient(y_true, logits):
    """∂C/∂z of the softmax cross-entropy, (softmax(z) − y) / B.

    The derivative of
    [`softmax_cross_entropy`][neuralbook.losses.softmax_cross_entropy] for a batch of B
    samples, exact because each row of ``y`` sums to 1 (checked).

    Examples
    --------
    >>> print(softmax_cross_entropy_gradient([0, 1], [0.0, 0.0]))
    [ 0.5 -0.5]
    """
    y, z = y_true, logits
    return (softmax(z) - y) / z.shape[0]
# --8<-- [end:softmax_cross_entropy_gradient]
