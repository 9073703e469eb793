"""One sigmoid neuron that learns by gradient descent: logistic regression.

The chapter *One neuron learns by gradient descent* explains this module. The neuron
computes ŷ = σ(z) with z = X w + b, the probability that a sample belongs to class 1;
its cost is the binary cross-entropy averaged over the ``N`` samples; its gradient is
the average of (ŷ − y) x; and gradient descent moves the weights a small step against
that gradient, again and again.

Inputs are arrays with one row per sample: ``X`` has shape ``(N, n_in)``, the targets
``y`` shape ``(N,)`` with values 0 or 1.
"""

from __future__ import annotations

import numpy as np

from neuralbook.activations import sigmoid
from neuralbook.losses import sigmoid_binary_cross_entropy

__all__ = ["CLOUD_CENTRES", "two_clouds", "probability", "predict", "cost", "gradient", "train"]

#: Centres of the two clouds of `two_clouds`: class 0 around the first, class 1 around the second.
CLOUD_CENTRES = ((-1.0, -1.0), (1.0, 1.0))
"""Centres of the two clouds of `two_clouds`: class 0 around the first, class 1 around the second."""


def _checked(X, y=None, w=None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """``X``, ``y`` and ``w`` as float arrays of matching shapes, or a clear error."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"expected inputs X of shape (N, n_in), got shape {X.shape}")
    if y is not None:
        y = np.asarray(y, dtype=np.float64)
        if y.shape != (X.shape[0],):
            raise ValueError(f"expected targets y of shape ({X.shape[0]},), one per row of X, got shape {y.shape}")
        if not np.isin(y, (0.0, 1.0)).all():
            raise ValueError("expected targets y of 0 or 1")
    if w is not None:
        w = np.asarray(w, dtype=np.float64)
        if w.shape != (X.shape[1],):
            raise ValueError(f"expected weights w of shape ({X.shape[1]},), one per column of X, got shape {w.shape}")
    return X, y, w


def two_clouds(n_per_class: int = 50, spread: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two round clouds of points in the plane, one for each class.

    Class 0 is drawn around ``CLOUD_CENTRES[0]``, class 1 around ``CLOUD_CENTRES[1]``,
    each point from a normal distribution with standard deviation ``spread`` in each
    coordinate. The clouds overlap, so no line separates them perfectly.

    Parameters
    ----------
    n_per_class : int
        Points in each class.
    spread : float
        Standard deviation of each coordinate around its centre.
    seed : int
        Seed of the random generator.

    Returns
    -------
    X : numpy.ndarray
        The points, shape ``(2 * n_per_class, 2)``: class 0 first, then class 1.
    y : numpy.ndarray
        Their classes, 0.0 or 1.0, shape ``(2 * n_per_class,)``.

    Examples
    --------
    >>> X, y = two_clouds(n_per_class=3, seed=0)
    >>> X.shape, y.tolist()
    ((6, 2), [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    """
    if int(n_per_class) != n_per_class or n_per_class < 1:
        raise ValueError(f"expected a positive whole number of points per class, got {n_per_class!r}")
    if not spread > 0:
        raise ValueError(f"expected a positive spread, got {spread!r}")
    rng = np.random.default_rng(seed)
    n = int(n_per_class)
    clouds = [np.asarray(centre) + spread * rng.standard_normal((n, 2)) for centre in CLOUD_CENTRES]
    return np.vstack(clouds), np.repeat([0.0, 1.0], n)


def probability(X, w, b) -> np.ndarray:
    """The neuron's output ŷ = σ(X w + b), the probability of class 1, one per row of ``X``.

    Examples
    --------
    >>> print(probability([[0.0, 0.0], [1.0, 2.0]], [1.0, 1.0], 0.0).round(4))
    [0.5    0.9526]
    """
    X, _, w = _checked(X, w=w)
    return sigmoid(X @ w + b)


def predict(X, w, b) -> np.ndarray:
    """The class the neuron chooses for each row of ``X``: 1 where ŷ ≥ 0.5, else 0.

    Examples
    --------
    >>> predict([[0.0, 0.0], [-1.0, -2.0]], [1.0, 1.0], 0.0)
    array([1., 0.])
    """
    return (probability(X, w, b) >= 0.5).astype(np.float64)


def cost(X, y, w, b) -> float:
    """The binary cross-entropy C of the neuron, averaged over the rows of ``X``.

    C = −(1/N) Σ [y ln ŷ + (1 − y) ln(1 − ŷ)], computed stably from z by
    [`sigmoid_binary_cross_entropy`][neuralbook.losses.sigmoid_binary_cross_entropy].

    Examples
    --------
    >>> print(round(cost([[1.0, 2.0]], [1.0], [0.0, 0.0], 0.0), 4))   # ln 2
    0.6931
    """
    X, y, w = _checked(X, y, w)
    return float(sigmoid_binary_cross_entropy(y, X @ w + b))


# --8<-- [start:gradient]
def gradient(X, y, w, b) -> tuple[np.ndarray, float]:
    """The gradient of the cost with respect to the weights and to the bias.

    Each sample contributes (ŷ − y) x to the weights' gradient and ŷ − y to the
    bias's; both are averaged over the ``N`` rows of ``X``.

    Returns
    -------
    grad_w : numpy.ndarray
        ∂C/∂w, shape ``(n_in,)``.
    grad_b : float
        ∂C/∂b.

    Examples
    --------
    >>> grad_w, grad_b = gradient([[1.0, 2.0]], [1.0], [0.0, 0.0], 0.0)
    >>> print(grad_w, grad_b)
    [-0.5 -1. ] -0.5
    """
    X, y, w = _checked(X, y, w)
    error = sigmoid(X @ w + b) - y          # ŷ − y, one per sample
    return X.T @ error / len(X), float(np.mean(error))
# --8<-- [end:gradient]


# --8<-- [start:train]
def train(X, y, learning_rate: float = 0.5, epochs: int = 100) -> tuple[np.ndarray, float, list[float]]:
    """Learn the weights and the bias by gradient descent, starting from zero.

    Every step uses all ``N`` samples (full-batch gradient descent). Returns the
    weights, the bias, and the cost before the first step and after each step
    (``epochs + 1`` numbers).

    Examples
    --------
    >>> X, y = two_clouds(seed=0)
    >>> w, b, costs = train(X, y, learning_rate=0.5, epochs=100)
    >>> print(round(costs[0], 4), costs[-1] < costs[0])
    0.6931 True
    """
    X, y, _ = _checked(X, y)
    if not learning_rate > 0:
        raise ValueError(f"expected a positive learning rate, got {learning_rate!r}")
    if int(epochs) != epochs or epochs < 0:
        raise ValueError(f"expected a whole number of epochs, at least 0, got {epochs!r}")
    w, b = np.zeros(X.shape[1]), 0.0
    costs = [cost(X, y, w, b)]
    for _ in range(int(epochs)):
        grad_w, grad_b = gradient(X, y, w, b)
        w = w - learning_rate * grad_w       # w ← w − η ∂C/∂w
        b = b - learning_rate * grad_b       # b ← b − η ∂C/∂b
        costs.append(cost(X, y, w, b))
    return w, b, costs
# --8<-- [end:train]
