"""The artificial neuron and Rosenblatt's perceptron.

The chapter *The artificial neuron and the perceptron* explains this module. A neuron
computes a weighted sum of its inputs plus a bias, z = w·x + b, and passes it through
an activation function f: ŷ = f(z), the neuron's output (y is the target). The perceptron uses the step function as f and
learns its weights with the perceptron rule. It can learn AND, OR and NAND, whose
truth tables a straight line separates, but never XOR, which no line separates.

Inputs are arrays with one row per sample: ``X`` has shape ``(N, n_in)`` for ``N``
samples of ``n_in`` inputs each.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "INPUTS",
    "TRUTH_TABLES",
    "truth_table",
    "step",
    "weighted_sum",
    "neuron",
    "Perceptron",
    "margin_and_radius",
    "mistake_bound",
    "with_product_feature",
]

#: The four inputs of a two-input logic gate, one per row: (0, 0), (0, 1), (1, 0), (1, 1).
INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
"""The four inputs of a two-input logic gate, one per row: (0, 0), (0, 1), (1, 0), (1, 1)."""

#: The output of each gate for the rows of `INPUTS`, in the same order.
TRUTH_TABLES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "NAND": np.array([1, 1, 1, 0]),
    "XOR": np.array([0, 1, 1, 0]),
}
"""The output of each gate for the rows of `INPUTS`, in the same order."""


def truth_table(gate: str) -> tuple[np.ndarray, np.ndarray]:
    """The inputs and targets of a logic gate: ``"AND"``, ``"OR"``, ``"NAND"`` or ``"XOR"``.

    Returns
    -------
    X : numpy.ndarray, shape (4, 2)
        The four input pairs (a copy of `INPUTS`).
    y : numpy.ndarray, shape (4,)
        The gate's output (0 or 1) for each row of ``X``.

    Examples
    --------
    >>> X, y = truth_table("XOR")
    >>> for row, target in zip(X.astype(int).tolist(), y.tolist()):
    ...     print(row, target)
    [0, 0] 0
    [0, 1] 1
    [1, 0] 1
    [1, 1] 0
    """
    key = gate.upper()
    if key not in TRUTH_TABLES:
        raise KeyError(f"expected one of {', '.join(TRUTH_TABLES)}, got {gate!r}")
    return INPUTS.copy(), TRUTH_TABLES[key].copy()


# --8<-- [start:step]
def step(z):
    """The step (Heaviside) function: 1 where z ≥ 0, else 0.

    Examples
    --------
    >>> print(step(np.array([-1.5, -0.5, 0.0, 0.5])))
    [0. 0. 1. 1.]
    """
    z = np.asarray(z, dtype=np.float64)
    return np.where(z >= 0, 1.0, 0.0)
# --8<-- [end:step]


# --8<-- [start:neuron]
def weighted_sum(x, w, b):
    """The neuron's pre-activation z = w·x + b.

    Parameters
    ----------
    x : array_like, shape (n_in,) or (N, n_in)
        One input vector, or ``N`` of them as rows.
    w : array_like, shape (n_in,)
        The weights, one per input.
    b : float
        The bias.

    Returns
    -------
    float or numpy.ndarray of shape (N,)

    Examples
    --------
    >>> print(round(float(weighted_sum([5, 85, 7], [0.6, 0.3, 0.1], -2.0)), 4))
    27.2
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if x.shape[-1] != w.shape[0]:
        raise ValueError(f"expected inputs with {w.shape[0]} values (one per weight), got shape {x.shape}")
    return x @ w + b


def neuron(x, w, b, activation=step):
    """The output of one neuron, ŷ = f(w·x + b), with ``activation`` as f.

    Examples
    --------
    >>> print(neuron(INPUTS, [1.0, 1.0], -1.5))  # AND
    [0. 0. 0. 1.]
    """
    return activation(weighted_sum(x, w, b))
# --8<-- [end:neuron]


class Perceptron:
    """A single step-function neuron that learns with the perceptron rule.

    Parameters
    ----------
    n_inputs : int
        How many inputs each sample has.
    learning_rate : float, optional
        How far one mistake moves the weights (default 0.1).
    seed : int or numpy.random.Generator, optional
        Seeds the initial weights and the order of the samples in each epoch.
    init : {"uniform", "zeros"}, optional
        ``"uniform"`` (the default) draws the weights and the bias uniformly from
        [−0.5, 0.5); ``"zeros"`` starts them at 0, the start that Novikoff's mistake
        bound assumes ([`mistake_bound`][neuralbook.perceptron.mistake_bound]).

    Attributes
    ----------
    w : numpy.ndarray, shape (n_inputs,)
        The weights.
    b : float
        The bias.

    Examples
    --------
    >>> X, y = truth_table("AND")
    >>> model = Perceptron(2, learning_rate=0.1, seed=0)
    >>> errors = model.train(X, y, max_epochs=100)
    >>> errors[-1], bool((model.predict(X) == y).all())
    (0, True)
    """

    def __init__(self, n_inputs: int, learning_rate: float = 0.1, seed=0, init: str = "uniform"):
        self.rng = np.random.default_rng(seed)
        self.learning_rate = learning_rate
        if init == "uniform":
            self.w = self.rng.uniform(-0.5, 0.5, size=n_inputs)
            self.b = float(self.rng.uniform(-0.5, 0.5))
        elif init == "zeros":
            self.w = np.zeros(n_inputs)
            self.b = 0.0
        else:
            raise ValueError(f"expected init 'uniform' or 'zeros', got {init!r}")

    def predict(self, X) -> np.ndarray:
        """The perceptron's output (0 or 1) for each row of ``X``, shape ``(N,)``."""
        return step(weighted_sum(X, self.w, self.b))

    # --8<-- [start:train]
    def train(self, X, y, max_epochs: int = 100) -> list[int]:
        """Learn with the perceptron rule; return the number of mistakes in each epoch.

        In each epoch the samples are visited once, in a random order. For each
        sample, error = prediction − target (−1, 0 or 1), and

            w ← w − learning_rate · error · x
            b ← b − learning_rate · error

        so nothing changes when the prediction is right. Training stops after the
        first epoch with no mistake, or after ``max_epochs``. (The rule updates after
        every single sample, so this is the one place in the package with a loop over
        samples: that is the algorithm.)

        Returns
        -------
        list of int
            Mistakes made in each epoch; the last is 0 if the data were learned.
        """
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        mistakes_per_epoch = []
        for _ in range(max_epochs):
            mistakes = 0
            for i in self.rng.permutation(len(X)):
                error = step(X[i] @ self.w + self.b) - y[i]
                if error != 0:
                    self.w -= self.learning_rate * error * X[i]
                    self.b -= self.learning_rate * error
                    mistakes += 1
            mistakes_per_epoch.append(mistakes)
            if mistakes == 0:
                break
        return mistakes_per_epoch
    # --8<-- [end:train]


# --8<-- [start:mistake_bound]
def margin_and_radius(X, y, w, b) -> tuple[float, float]:
    """The margin γ of the line (w, b) on the data, and the radius R of the data.

    Both are measured on the inputs extended by a constant 1, x̃ = (x, 1), so that the
    bias is one more weight: w̃ = (w, b). The margin is the smallest signed distance
    of an extended sample from the plane w̃·x̃ = 0 in those extended coordinates (not
    the distance from the line in the input plane), γ = min over samples of ±w̃·x̃ / ‖w̃‖ (plus for
    targets 1, minus for targets 0); it is positive only if the line separates the
    data. The radius is R = max ‖x̃‖.

    Parameters
    ----------
    X : array_like, shape (N, n_in)
    y : array_like, shape (N,)
        Targets, 0 or 1.
    w : array_like, shape (n_in,)
    b : float

    Examples
    --------
    >>> X, y = truth_table("AND")
    >>> gamma, R = margin_and_radius(X, y, [1.0, 1.0], -1.5)
    >>> print(round(gamma, 4), round(R, 4))
    0.2425 1.7321
    """
    X_tilde = np.column_stack([np.asarray(X, dtype=np.float64), np.ones(len(X))])
    w_tilde = np.append(np.asarray(w, dtype=np.float64), b)
    sign = 2 * np.asarray(y, dtype=np.float64) - 1  # +1 for target 1, −1 for target 0
    gamma = float(np.min(sign * (X_tilde @ w_tilde)) / np.linalg.norm(w_tilde))
    radius = float(np.max(np.linalg.norm(X_tilde, axis=1)))
    return gamma, radius


def mistake_bound(X, y, w, b) -> float:
    """Novikoff's bound (R/γ)² on the mistakes of the perceptron rule started at zero.

    ``(w, b)`` is any line that separates the data; the better its margin, the
    tighter the bound. Whatever the learning rate and the order of the samples, a
    perceptron started from zero weights makes at most this many updates.

    Examples
    --------
    >>> X, y = truth_table("AND")
    >>> print(round(mistake_bound(X, y, [1.0, 1.0], -1.5), 2))
    51.0
    """
    gamma, radius = margin_and_radius(X, y, w, b)
    if gamma <= 0:
        raise ValueError(f"expected a line that separates the data (margin > 0), got margin {gamma:.4g}")
    return (radius / gamma) ** 2
# --8<-- [end:mistake_bound]


# --8<-- [start:product_feature]
def with_product_feature(X) -> np.ndarray:
    """The inputs with one more column, the product x₁x₂, shape (N, 3).

    Examples
    --------
    >>> print(with_product_feature(INPUTS).astype(int))
    [[0 0 0]
     [0 1 0]
     [1 0 0]
     [1 1 1]]
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"expected inputs of shape (n, 2), got {X.shape}")
    return np.column_stack([X, X[:, 0] * X[:, 1]])
# --8<-- [end:product_feature]
