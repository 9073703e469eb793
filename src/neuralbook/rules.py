"""The book's rules and conventions, stated once.

A chapter derives a rule (a threshold, a grid spacing, a sign convention, which
initialisation suits which activation); the appendices repeat it. Both take it from
here, so that the summary cannot drift from the chapter, and the package uses the same
values where it applies them (the default spacing of
[`log_grid`][neuralbook.search.log_grid], the verdict of
[`gradient_is_right`][neuralbook.rules.gradient_is_right]).

| name | value | derived in |
|---|---|---|
| ``GRADIENT_CHECK_THRESHOLD`` | 1e-7: a relative error at or below it means the gradient is right | *Backpropagation* |
| ``GRADIENT_CHECK_FAILURE`` | 1e-2: a relative error at or above it means something is wrong | *Backpropagation* |
| ``LEARNING_RATE_GRID_POINTS_PER_DECADE`` | 2: rates about three apart, 0.01, 0.03, 0.1, 0.3, ... | *Optimizers*, *Choosing hyper-parameters* |
| ``INIT_FOR_ACTIVATION`` | ReLU and leaky ReLU: He; tanh: Xavier; sigmoid: Nielsen's 1/n_in | *Backpropagation* |
| [`output_error`][neuralbook.rules.output_error] | the error is prediction minus label, ŷ − y | every chapter |
| [`l2_is_weight_decay`][neuralbook.rules.l2_is_weight_decay] | True for plain SGD, False for Adam | *Training better* |
"""

from __future__ import annotations


import numpy as np

__all__ = [
    "GRADIENT_CHECK_THRESHOLD",
    "GRADIENT_CHECK_FAILURE",
    "LEARNING_RATE_GRID_POINTS_PER_DECADE",
    "LEARNING_RATE_GRID_FACTOR",
    "INIT_FOR_ACTIVATION",
    "gradient_is_right",
    "output_error",
    "l2_is_weight_decay",
]

GRADIENT_CHECK_THRESHOLD = 1e-7
"""A relative error at or below this means backpropagation is right (in float64)."""

GRADIENT_CHECK_FAILURE = 1e-2
"""A relative error at or above this means backpropagation is wrong."""

LEARNING_RATE_GRID_POINTS_PER_DECADE = 2
"""Learning rates tried per factor of ten: 1, 3, 10, 30, ..."""

LEARNING_RATE_GRID_FACTOR = 10 ** (1 / LEARNING_RATE_GRID_POINTS_PER_DECADE)
"""The ratio of neighbouring rates of the grid, √10 ≈ 3.16: "about three apart"."""

INIT_FOR_ACTIVATION = {
    "relu": "he",
    "leaky_relu": "he",
    "tanh": "xavier",
    "sigmoid": "nielsen",
}
"""The initialisation that suits each hidden activation, by its name in `INITIALIZERS`.

He for the ReLUs, which halve the signal's mean square; Xavier for tanh, which is
linear with slope one near zero; for the sigmoid, which fits neither assumption,
Nielsen's N(0, 1/n_in).
"""


def gradient_is_right(error, threshold=GRADIENT_CHECK_THRESHOLD):
    """Whether a gradient check's relative error says the gradient is right.

    Parameters
    ----------
    error : float
        The relative error, as returned by
        [`gradient_check`][neuralbook.gradcheck.gradient_check].
    threshold : float
        The largest error still accepted; the book's rule of thumb by default.

    Returns
    -------
    bool

    Examples
    --------
    >>> gradient_is_right(3e-10), gradient_is_right(0.05)
    (True, False)
    """
    error = float(error)
    if not error >= 0:
        raise ValueError(f"expected a relative error >= 0, got {error}")
    return error <= threshold


def output_error(y_hat, y):
    """The error of a prediction, prediction minus label: ŷ − y.

    The book's one sign convention: the softmax-with-cross-entropy gradient is
    ``(ŷ − y)/B``, and the perceptron rule is w ← w − η (ŷ − y) x.

    Examples
    --------
    >>> output_error(np.array([0.2, 0.8]), np.array([0.0, 1.0])).round(2).tolist()
    [0.2, -0.2]
    """
    y_hat, y = np.asarray(y_hat, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if y_hat.shape != y.shape:
        raise ValueError(f"expected predictions and labels of the same shape, got {y_hat.shape} and {y.shape}")
    return y_hat - y


def l2_is_weight_decay(optimizer, learning_rate=0.001, strength=0.01, steps=3):
    """Whether an L2 term behaves as weight decay under an optimizer, measured.

    Runs the optimizer for a few steps on weights that no data move, so that the whole
    gradient is the L2 term ``strength · w``, and compares the result with weight
    decay: every step shrinking the weights by the fraction ``learning_rate ·
    strength``. With plain SGD the two agree; Adam divides the L2 term by its own
    running size, and they do not.

    Parameters
    ----------
    optimizer : {"sgd", "adam"}
        The optimizer of [`neuralbook.optimizers`][neuralbook.optimizers] to try.
    learning_rate, strength : float
        η and λ.
    steps : int
        Steps to compare.

    Returns
    -------
    bool

    Examples
    --------
    >>> l2_is_weight_decay("sgd"), l2_is_weight_decay("adam")
    (True, False)
    """
    from neuralbook.optimizers import SGD, Adam

    makers = {"sgd": SGD, "adam": Adam}
    if optimizer not in makers:
        raise ValueError(f"expected optimizer 'sgd' or 'adam', got {optimizer!r}")
    if steps < 1:
        raise ValueError(f"expected at least one step, got {steps}")
    start = np.array([0.05, -0.03, 1.5])
    w = start.copy()
    step = makers[optimizer](learning_rate=learning_rate)
    for _ in range(steps):
        step.step([w], [strength * w])
    decayed = start * (1 - learning_rate * strength) ** steps
    return bool(np.allclose(w, decayed, rtol=1e-9, atol=0.0))
