"""The artificial neuron and Rosenblatt's perceptron.

The chapter *The artificial neuron and the perceptron* explains this module. A neuron
computes a weighted sum of its inputs plus a bias, z = w·x + b, and passes it through
an activation function f: y = f(z). The perceptron uses the step function as f and
learns its weights with the perceptron rule. It can learn AND, OR and NAND, whose
truth tables a straight line separates, but never XOR, which no line separates.

Inputs are arrays with one row per sample: ``X`` has shape ``(n, d)`` for ``n``
samples of ``d`` inputs.
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
    x : array_like, shape (d,) or (n, d)
        One input vector, or ``n`` of them as rows.
    w : array_like, shape (d,)
        The weights, one per input.
    b : float
        The bias.

    Returns
    -------
    float or numpy.ndarray of shape (n,)

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
    """The output of one neuron, y = f(w·x + b), with ``activation`` as f.

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

    Attributes
    ----------
    w : numpy.ndarray, shape (n_inputs,)
        The weights, initially drawn uniformly from [−0.5, 0.5).
    b : float
        The bias, drawn the same way.

    Examples
    --------
    >>> X, y = truth_table("AND")
    >>> model = Perceptron(2, learning_rate=0.1, seed=0)
    >>> errors = model.train(X, y, max_epochs=100)
    >>> errors[-1], bool((model.predict(X) == y).all())
    (0, True)
    """

    def __init__(self, n_inputs: int, learning_rate: float = 0.1, seed=0):
        self.rng = np.random.default_rng(seed)
        self.learning_rate = learning_rate
        self.w = self.rng.uniform(-0.5, 0.5, size=n_inputs)
        self.b = float(self.rng.uniform(-0.5, 0.5))

    def predict(self, X) -> np.ndarray:
        """The perceptron's output (0 or 1) for each row of ``X``, shape ``(n,)``."""
        return step(weighted_sum(X, self.w, self.b))

    # --8<-- [start:train]
    def train(self, X, y, max_epochs: int = 100) -> list[int]:
        """Learn with the perceptron rule; return the number of mistakes in each epoch.

        In each epoch the samples are visited once, in a random order. For each
        sample, error = target − prediction (−1, 0 or 1), and

            w ← w + learning_rate · error · x
            b ← b + learning_rate · error

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
                error = y[i] - step(X[i] @ self.w + self.b)
                if error != 0:
                    self.w += self.learning_rate * error * X[i]
                    self.b += self.learning_rate * error
                    mistakes += 1
            mistakes_per_epoch.append(mistakes)
            if mistakes == 0:
                break
        return mistakes_per_epoch
    # --8<-- [end:train]
