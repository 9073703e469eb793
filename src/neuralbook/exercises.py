"""Implement-it-yourself problems, graded against the book's own code.

Each chapter of Parts I–III ends with problems marked **Implement.**: write a piece of
the book yourself (the sigmoid, a loss, a backward pass, an Adam step), then let
[`check`][neuralbook.exercises.check] run your function on the numbers the chapter works
through and on the edge cases it warns about (z = ±1000, a batch of one, float32
input). It prints one line per case; a wrong case says what was expected, what came,
and which section of the book explains it. Nothing your function does, not even an
exception or an overflow warning, stops the check: each becomes a sentence.

Every problem asks for a *pure* function: it returns its result and leaves its inputs
alone, so an optimizer step returns the new parameters instead of updating them in
place. Where the package's own version is a class or works in place (the optimizers,
the perceptron, the network's backward pass, the training epoch), the reference here is
a small pure wrapper around the package; the tests check each wrapper against the
package's classes.

[`EXERCISES`][neuralbook.exercises.EXERCISES] maps each problem's name to its
[`Exercise`][neuralbook.exercises.Exercise]; [`hint`][neuralbook.exercises.hint] prints
a hint and [`solution`][neuralbook.exercises.solution] the book's code.

Examples
--------
>>> import numpy as np
>>> from neuralbook.exercises import check
>>> def my_sigmoid(z):
...     z = np.asarray(z, dtype=float)
...     return 1 / (1 + np.exp(-z))       # the formula as written: overflows for z = -1000
>>> check("sigmoid", my_sigmoid)  # doctest: +ELLIPSIS
right  the worked numbers: z = 0 and z = 2
...
WRONG  z = -1000: right values, but your function warned "overflow encountered in exp", which the book's version never does (see activations.md#the-sigmoid)
...
sigmoid: 4 of 8 cases right
False
"""

from __future__ import annotations

import copy
import inspect
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from neuralbook import activations, gradcheck, losses, perceptron
from neuralbook.network import Network
from neuralbook.optimizers import SGD

__all__ = [
    "Case",
    "Exercise",
    "EXERCISES",
    "check",
    "hint",
    "solution",
    "dense_forward",
    "network_forward",
    "dense_backward",
    "network_gradients",
    "perceptron_update",
    "sgd_step",
    "momentum_step",
    "adam_step",
    "train_epoch",
    "worked_network",
]


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Case:
    """One test of a reader's function: the arguments, and what makes an answer right.

    Parameters
    ----------
    label : str
        What the case is, as [`check`][neuralbook.exercises.check] prints it.
    args : tuple
        The arguments; each call gets fresh copies.
    section : str, optional
        The section that explains this case, if not the exercise's own.
    keep_dtype : bool
        The result must have the dtype of the reference's result (float32 stays float32).
    rtol, atol : float
        Tolerances of the comparison with the reference's result.
    finite_only : bool
        Any finite answer of the right shape is right (the value depends on a choice,
        such as where to clip, that the book leaves open).
    """

    label: str
    args: tuple
    section: str | None = None
    keep_dtype: bool = False
    rtol: float = 1e-7
    atol: float = 1e-12
    finite_only: bool = False


@dataclass(frozen=True)
class Exercise:
    """One implement-it-yourself problem.

    Attributes
    ----------
    reference : callable
        The book's function; a reader's function must give what it gives.
    signature : str
        The stub the reader fills in.
    statement : str
        The problem in one line.
    section : str
        The chapter section that explains it, as ``"page.md#anchor"``.
    cases : tuple of Case
        The worked numbers and edge cases it is checked on.
    hint : str
        A nudge for a reader who is stuck.
    results : tuple of str
        The names of the results, for a function that returns several.
    """

    reference: Callable
    signature: str
    statement: str
    section: str
    cases: tuple[Case, ...]
    hint: str = ""
    results: tuple[str, ...] = ()


# --------------------------------------------------------------------------- pure references


def worked_network():
    """The chapters' 3 → 4 → 2 network: ``(W1, b1, W2, b2)``, weights rounded to one decimal.

    ``Network([3, 4, 2], init="standard_normal", seed=7)`` with every parameter rounded
    to one decimal place, as *Multi-layer networks and forward propagation* and
    *Backpropagation* work through it by hand.

    Examples
    --------
    >>> W1, b1, W2, b2 = worked_network()
    >>> print(W1[0], b2)
    [ 0.   0.3 -0.3] [ 0.2 -0.2]
    """
    net = Network([3, 4, 2], hidden_activation="relu", output="softmax", loss="cross_entropy",
                  init="standard_normal", seed=7, dtype=np.float64)
    return tuple(np.round(p, 1) + 0.0 for p in net.parameters())


def dense_forward(a_prev, W, b):
    """A ReLU layer's forward pass, z = a_prev Wᵀ + b and a = max(0, z), as a pure function.

    Parameters
    ----------
    a_prev : numpy.ndarray, shape (B, n_in)
    W : numpy.ndarray, shape (n_out, n_in)
    b : numpy.ndarray, shape (n_out,)

    Returns
    -------
    z, a : numpy.ndarray, shape (B, n_out)

    Examples
    --------
    >>> W1, b1, W2, b2 = worked_network()
    >>> z, a = dense_forward(np.array([[1.0, 0.5, -2.0]]), W1, b1)
    >>> print(np.round(z, 4), np.round(a, 4))
    [[ 0.85 -0.05  1.75 -0.45]] [[0.85 0.   1.75 0.  ]]
    """
    z = a_prev @ W.T + b
    return z, activations.relu(z)


def network_forward(x, W1, b1, W2, b2):
    """The output a^[2] of a ReLU hidden layer followed by a softmax output layer.

    Examples
    --------
    >>> print(np.round(network_forward(np.array([[1.0, 0.5, -2.0]]), *worked_network()), 3))
    [[0.444 0.556]]
    """
    _, a1 = dense_forward(x, W1, b1)
    return activations.softmax(a1 @ W2.T + b2)


def dense_backward(delta, a_prev, W):
    """A dense layer's gradients ``(dW, db, da_prev)`` from its error delta = ∂C/∂z.

    The pure form of [`Dense.backward`][neuralbook.layers.Dense.backward]: dW = δᵀ a_prev
    (BP4), db = δ summed over the batch (BP3), da_prev = δ W (the first half of BP2).
    The rows of ``delta`` already carry the batch average's 1/B.

    Examples
    --------
    >>> dW, db, da = dense_backward(np.array([[1.0, -1.0]]), np.array([[2.0, 3.0]]), np.eye(2))
    >>> print(dW.tolist(), db.tolist(), da.tolist())
    [[2.0, 3.0], [-2.0, -3.0]] [1.0, -1.0] [[1.0, -1.0]]
    """
    dW = delta.T @ a_prev  # BP4: (n_out, B) @ (B, n_in)
    db = delta.sum(axis=0)  # BP3: summed over the batch
    da_prev = delta @ W  # (B, n_out) @ (n_out, n_in)
    return dW, db, da_prev


def _worked_config(dtype=np.float64):
    return {"sizes": None, "hidden_activation": "relu", "output": "softmax", "loss": "cross_entropy",
            "init": "standard_normal", "seed": 0, "dtype": np.dtype(dtype).name}


def _network_of(W1, b1, W2, b2):
    config = _worked_config(np.result_type(W1, np.float32))
    config["sizes"] = [W1.shape[1], W1.shape[0], W2.shape[0]]
    return Network.from_config(config, [W1, b1, W2, b2])


def network_gradients(x, y, W1, b1, W2, b2):
    """The gradients ``(dW1, db1, dW2, db2)`` of a ReLU–softmax network's cross-entropy cost.

    The cost is averaged over the batch of ``x`` (one sample per row; ``y`` one-hot).
    A pure wrapper around
    [`Network.loss_and_gradients`][neuralbook.network.Network.loss_and_gradients].

    Examples
    --------
    >>> dW1, db1, dW2, db2 = network_gradients(np.array([[1.0, 0.5, -2.0]]), np.array([[1.0, 0.0]]),
    ...                                        *worked_network())
    >>> print(np.round(db2, 4), np.round(db1, 4))
    [-0.556  0.556] [-0.278   0.      0.3336  0.    ]
    """
    _, gradients = _network_of(W1, b1, W2, b2).loss_and_gradients(x, y)
    return tuple(gradients)


def perceptron_update(w, b, x, y, learning_rate):
    """One step of the perceptron rule on one sample: the new ``(w, b)``.

    error = y − step(w·x + b); w ← w + η · error · x; b ← b + η · error. A pure wrapper
    around [`Perceptron.train`][neuralbook.perceptron.Perceptron.train] run for one epoch
    on this one sample.

    Examples
    --------
    >>> w, b = perceptron_update(np.array([0.5, 0.5]), -1.0, np.array([1.0, 0.0]), 1, 0.1)
    >>> print(w, round(b, 4))
    [0.6 0.5] -0.9
    """
    model = perceptron.Perceptron(len(w), learning_rate=learning_rate, init="zeros")
    model.w = np.array(w, dtype=np.float64)
    model.b = float(b)
    model.train(np.asarray(x, dtype=np.float64)[None, :], np.array([y]), max_epochs=1)
    return model.w, model.b


def sgd_step(params, grads, learning_rate):
    """Plain gradient descent as a pure function: the list of new parameters w − η g.

    The formula of [`SGD`][neuralbook.optimizers.SGD], without its in-place update:
    the caller's arrays are not changed.

    Examples
    --------
    >>> print(sgd_step([np.array([1.0, -2.0])], [np.array([0.5, -1.0])], 0.1))
    [array([ 0.95, -1.9 ])]
    """
    return [p - learning_rate * g for p, g in zip(params, grads)]  # w ← w − η g


def momentum_step(p, g, v, learning_rate, beta):
    """One momentum step as a pure function: v ← β v − η g, p ← p + v; returns ``(p, v)``.

    The formula of [`Momentum`][neuralbook.optimizers.Momentum], without its in-place
    update.

    Examples
    --------
    >>> p, v = momentum_step(np.array([0.9]), np.array([1.0]), np.array([-0.1]), 0.1, 0.9)
    >>> print(np.round(p, 4), np.round(v, 4))
    [0.71] [-0.19]
    """
    v = beta * v - learning_rate * g  # v ← β v − η g
    return p + v, v  # w ← w + v


def adam_step(p, g, m, s, t, learning_rate, beta1, beta2, epsilon):
    """Adam's step number ``t`` (counting from 1) as a pure function; returns ``(p, m, s)``.

    The formula of [`Adam`][neuralbook.optimizers.Adam], without its in-place update;
    ``m`` and ``s`` are the moments after ``t − 1`` steps (zero before the first).

    Examples
    --------
    >>> zero = np.zeros(2)
    >>> p, m, s = adam_step(zero, np.array([1000.0, -0.001]), zero, zero, 1, 0.01, 0.9, 0.999, 1e-8)
    >>> print(np.round(p, 6))
    [-0.01  0.01]
    """
    m = beta1 * m + (1 - beta1) * g  # m ← β₁ m + (1 − β₁) g
    s = beta2 * s + (1 - beta2) * g**2  # s ← β₂ s + (1 − β₂) g²
    m_hat = m / (1 - beta1**t)  # m̂ = m / (1 − β₁ᵗ)
    s_hat = s / (1 - beta2**t)  # ŝ = s / (1 − β₂ᵗ)
    return p - learning_rate * m_hat / (np.sqrt(s_hat) + epsilon), m, s  # w ← w − η m̂ / (√ŝ + ε)


def train_epoch(params, x, y, order, batch_size, learning_rate):
    """One epoch of mini-batch gradient descent on the ReLU–softmax network; the new params.

    ``params`` is ``[W1, b1, W2, b2]``. The examples are visited in ``order`` (a
    permutation of the rows of ``x``), cut into consecutive batches of ``batch_size``
    (the last holds the remainder); each batch takes one step w ← w − η ∂C/∂w, its cost
    averaged over the batch. A pure wrapper around the network and
    [`SGD`][neuralbook.optimizers.SGD].

    Examples
    --------
    >>> x, y = np.array([[1.0, 0.5, -2.0], [0.0, 1.0, 1.0]]), np.eye(2)
    >>> new = train_epoch(list(worked_network()), x, y, [1, 0], batch_size=1, learning_rate=0.5)
    >>> print(np.round(new[3], 4))
    [ 0.4629 -0.4629]
    """
    net = _network_of(*params)
    optimizer = SGD(learning_rate)
    order = np.asarray(order)
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        _, gradients = net.loss_and_gradients(x[batch], y[batch])
        optimizer.step(net.parameters(), gradients)
    return [np.array(p) for p in net.parameters()]


# --------------------------------------------------------------------------- the problems


_W = worked_network()
_X1 = np.array([[1.0, 0.5, -2.0]])
_Y1 = np.array([[1.0, 0.0]])
_RNG = np.random.default_rng(2024)
_X5 = np.round(_RNG.normal(size=(5, 3)), 2)
_Y5 = np.eye(2)[[0, 1, 1, 0, 1]]
_Z1, _A1 = dense_forward(_X1, _W[0], _W[1])
_DELTA2 = network_forward(_X1, *_W) - _Y1
_G23 = np.round(_RNG.normal(size=(2, 3)), 2)
_DELTA5 = np.round(_RNG.normal(size=(5, 4)), 2)
_F32 = np.float32

EXERCISES: dict[str, Exercise] = {
    "weighted_sum": Exercise(
        reference=perceptron.weighted_sum,
        signature="def weighted_sum(x, w, b):",
        statement="The neuron's pre-activation z = w·x + b, for one input vector or a batch of rows.",
        section="perceptron.md#a-worked-example-will-the-student-pass",
        cases=(
            Case("the worked student: x = (5, 85, 7), z = 27.2", (np.array([5.0, 85.0, 7.0]), np.array([0.6, 0.3, 0.1]), -2.0)),
            Case("the four inputs of a logic gate as rows: one z per row", (perceptron.INPUTS, np.array([1.0, 1.0]), -1.5),
                 section="perceptron.md#the-perceptron-a-neuron-with-a-step"),
            Case("a batch of one row", (np.array([[2.0, -1.0]]), np.array([0.5, 3.0]), 0.25)),
        ),
        hint="x @ w works for one vector and for a batch of rows alike; then add b.",
    ),
    "neuron": Exercise(
        reference=perceptron.neuron,
        signature="def neuron(x, w, b):",
        statement="The output of a step neuron, ŷ = step(w·x + b): 1 where z ≥ 0, else 0.",
        section="perceptron.md#the-perceptron-a-neuron-with-a-step",
        cases=(
            Case("AND with w = (1, 1), b = −1.5 on the four inputs", (perceptron.INPUTS, np.array([1.0, 1.0]), -1.5)),
            Case("OR with w = (1, 1), b = −0.5 on the four inputs", (perceptron.INPUTS, np.array([1.0, 1.0]), -0.5)),
            Case("z exactly 0: the step gives 1", (perceptron.INPUTS, np.array([1.0, 1.0]), -1.0)),
        ),
        hint="np.where(z >= 0, 1.0, 0.0); mind the ≥ at z = 0.",
    ),
    "perceptron_update": Exercise(
        reference=perceptron_update,
        signature="def perceptron_update(w, b, x, y, learning_rate):  # returns (new_w, new_b)",
        statement="One step of the perceptron rule on one sample; return the new (w, b), do not change w.",
        section="perceptron.md#learning-the-weights-the-perceptron-rule",
        cases=(
            Case("said 0, should say 1: the weights grow by η x", (np.array([0.137, -0.23]), -0.459, np.array([1.0, 1.0]), 1, 0.1)),
            Case("said 1, should say 0: the weights fall by η x", (np.array([0.5, 0.5]), 0.0, np.array([1.0, 0.0]), 0, 0.1)),
            Case("a right answer changes nothing", (np.array([0.5, 0.5]), -0.7, np.array([1.0, 1.0]), 1, 0.1)),
            Case("z exactly 0 counts as output 1", (np.array([0.5, 0.5]), -1.0, np.array([1.0, 1.0]), 0, 0.25),
                 section="perceptron.md#the-perceptron-a-neuron-with-a-step"),
            Case("an input of 0 leaves its weight alone", (np.array([0.2, -0.4]), -0.1, np.array([0.0, 1.0]), 1, 0.5)),
        ),
        hint="error = y - step(w @ x + b); return w + learning_rate * error * x and b + learning_rate * error.",
        results=("w", "b"),
    ),
    "sigmoid": Exercise(
        reference=activations.sigmoid,
        signature="def sigmoid(z):",
        statement="The logistic sigmoid 1 / (1 + e^(−z)), element by element, stable for any z.",
        section="activations.md#the-sigmoid",
        cases=(
            Case("the worked numbers: z = 0 and z = 2", (np.array([0.0, 2.0]),)),
            Case("a single number, z = -2", (-2.0,)),
            Case("z = -1000", (np.array(-1000.0),)),
            Case("z = 1000", (np.array(1000.0),)),
            Case("z = ±1000 and small values together", (np.array([-1000.0, -30.0, -1.0, 0.5, 40.0, 1000.0]),)),
            Case("float32 input stays float32", (np.array([-3.0, 0.0, 3.0], dtype=_F32),), keep_dtype=True, rtol=1e-6),
            Case("z = ±100 in float32, past the 88.7 where its exponential overflows", (np.array([-100.0, 100.0], dtype=_F32),),
                 keep_dtype=True, rtol=1e-6),
            Case("a batch of shape (2, 3)", (np.array([[-1.0, 0.0, 1.0], [2.0, -2.0, 5.0]]),)),
        ),
        hint="For z < 0 use e^z / (1 + e^z): either way the exponential is e^(−|z|), never large.",
    ),
    "sigmoid_prime": Exercise(
        reference=activations.sigmoid_prime,
        signature="def sigmoid_prime(z):",
        statement="The sigmoid's derivative σ(z)(1 − σ(z)), accurate even where it is tiny.",
        section="activations.md#its-derivative",
        cases=(
            Case("the worked numbers: z = 0 and z = 5", (np.array([0.0, 5.0]),)),
            Case("z = -1000 and 1000", (np.array([-1000.0, 1000.0]),)),
            Case("z = 40, where σ'(z) ≈ 4.2e-18 (not 0)", (np.array([40.0]),), atol=0.0),
            Case("float32 input stays float32", (np.array([-2.0, 0.0, 2.0], dtype=_F32),), keep_dtype=True, rtol=1e-6),
        ),
        hint="1 − σ(z) = σ(−z): compute σ(z) σ(−z) with your stable sigmoid.",
    ),
    "softmax": Exercise(
        reference=activations.softmax,
        signature="def softmax(z):",
        statement="Softmax over the last axis: each row of scores becomes probabilities that sum to 1.",
        section="activations.md#softmax",
        cases=(
            Case("the worked scores (2, 1, 0.1)", (np.array([2.0, 1.0, 0.1]),)),
            Case("a batch: each row on its own", (np.array([[2.0, 1.0, 0.1], [0.0, 0.0, 3.0]]),)),
            Case("large scores (1000, 1001)", (np.array([1000.0, 1001.0]),)),
            Case("a batch of one row with scores −1000 and 1000", (np.array([[-1000.0, 0.0, 1000.0]]),)),
            Case("rows a thousand apart: each row subtracts its own largest score", (np.array([[-1000.0, -1001.0], [1000.0, 999.0]]),)),
            Case("float32 input stays float32", (np.array([[1.0, 2.0, 3.0]], dtype=_F32),), keep_dtype=True, rtol=1e-6),
        ),
        hint="Subtract each row's maximum first (z.max(axis=-1, keepdims=True)); sum over axis=-1.",
    ),
    "dense_forward": Exercise(
        reference=dense_forward,
        signature="def dense_forward(a_prev, W, b):  # returns (z, a) with a = ReLU(z)",
        statement="A ReLU layer's forward pass for a batch of rows: z = a_prev Wᵀ + b, a = max(0, z).",
        section="forward-propagation.md#a-worked-example-3-4-2",
        cases=(
            Case("the worked hidden layer, x = (1, 0.5, −2) as a batch of one", (_X1, _W[0], _W[1])),
            Case("a batch of five rows", (_X5, _W[0], _W[1]), section="forward-propagation.md#one-example-or-a-whole-batch"),
            Case("the worked output layer (4 inputs, 2 neurons)", (_A1, _W[2], _W[3]), section="forward-propagation.md#the-shape-of-every-array"),
            Case("float32 input stays float32", (_X5.astype(_F32), _W[0].astype(_F32), _W[1].astype(_F32)), keep_dtype=True, rtol=1e-6, atol=1e-6),
        ),
        hint="Rows are samples: a_prev @ W.T has shape (B, n_out); the bias broadcasts over the rows.",
        results=("z", "a"),
    ),
    "network_forward": Exercise(
        reference=network_forward,
        signature="def network_forward(x, W1, b1, W2, b2):  # ReLU hidden layer, softmax output",
        statement="The output of the 3 → 4 → 2 network: a ReLU hidden layer, then a softmax output layer.",
        section="forward-propagation.md#a-worked-example-3-4-2",
        cases=(
            Case("the worked input x = (1, 0.5, −2)", (_X1,) + _W),
            Case("a batch of five rows", (_X5,) + _W, section="forward-propagation.md#one-example-or-a-whole-batch"),
            Case("a large input, (−3000, 0, 3000): output scores in the thousands", (np.array([[-3000.0, 0.0, 3000.0]]),) + _W,
                 section="activations.md#softmax"),
        ),
        hint="Two layers: hidden = max(0, x W1ᵀ + b1), then softmax(hidden W2ᵀ + b2) row by row.",
    ),
    "quadratic_cost": Exercise(
        reference=losses.quadratic_cost,
        signature="def quadratic_cost(y, a):",
        statement="Nielsen's quadratic cost, ½‖y − a‖² for each sample (row), averaged over the samples.",
        section="loss-functions.md#the-quadratic-cost",
        cases=(
            Case("one sample with two outputs", (np.array([[0.0, 1.0]]), np.array([[0.2, 0.6]]))),
            Case("a batch of three samples of four outputs", (np.eye(4)[[0, 2, 3]], np.full((3, 4), 0.25))),
            Case("float32 predictions stay float32", (np.eye(3, dtype=_F32), np.full((3, 3), 0.5, dtype=_F32)), keep_dtype=True, rtol=1e-6),
        ),
        hint="Sum the squares over each row's outputs, sum over the rows, divide by 2B (B rows).",
    ),
    "binary_cross_entropy": Exercise(
        reference=losses.binary_cross_entropy,
        signature="def binary_cross_entropy(y, y_hat):",
        statement="Binary cross-entropy −mean(y ln ŷ + (1 − y) ln(1 − ŷ)), finite even for ŷ = 0 or 1.",
        section="loss-functions.md#binary-cross-entropy",
        cases=(
            Case("the four e-mails", (np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.9, 0.1, 0.8, 0.3])),
                 section="loss-functions.md#a-worked-example-a-batch-of-four-e-mails"),
            Case("a batch of two samples with three outputs", (np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]), np.array([[0.6, 0.2, 0.9], [0.3, 0.4, 0.7]]))),
            Case("right and certain, ŷ = y = 0 and 1: a loss of about 0", (np.array([1.0, 0.0]), np.array([1.0, 0.0])),
                 section="loss-functions.md#predictions-of-exactly-zero-or-one", atol=1e-6),
            Case("wrong and certain, ŷ = 0 for y = 1: large but finite", (np.array([1.0, 0.0]), np.array([0.0, 0.5])),
                 section="loss-functions.md#predictions-of-exactly-zero-or-one", finite_only=True),
        ),
        hint="Clip ŷ to [ε, 1 − ε] with a tiny ε before the logs; take the mean over every element.",
    ),
    "categorical_cross_entropy": Exercise(
        reference=losses.categorical_cross_entropy,
        signature="def categorical_cross_entropy(y, y_hat):",
        statement="Categorical cross-entropy −(1/B) Σ Σ y ln ŷ: summed over the classes, averaged over the rows.",
        section="loss-functions.md#categorical-cross-entropy",
        cases=(
            Case("one sample: ŷ = (0.2, 0.7, 0.1) for class 2 of 3", (np.array([[0.0, 1.0, 0.0]]), np.array([[0.2, 0.7, 0.1]])),
                 section="loss-functions.md#a-worked-example-three-answers-for-a-three"),
            Case("a batch of three rows", (np.eye(3)[[0, 2, 1]], np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0.25, 0.5, 0.25]]))),
            Case("a probability of exactly 0 for a wrong class", (np.array([[1.0, 0.0, 0.0]]), np.array([[0.9, 0.1, 0.0]])), atol=1e-6),
        ),
        hint="Only the true class's ŷ counts in each row; clip ŷ away from 0 so that 0 · ln 0 never happens.",
    ),
    "dense_backward": Exercise(
        reference=dense_backward,
        signature="def dense_backward(delta, a_prev, W):  # returns (dW, db, da_prev)",
        statement="A dense layer's gradients from its error δ = ∂C/∂z: dW = δᵀ a_prev, db, da_prev = δ W.",
        section="backpropagation.md#the-code",
        cases=(
            Case("the worked output layer", (_DELTA2, _A1, _W[2]), section="backpropagation.md#a-complete-backward-pass-by-hand"),
            Case("a batch of five rows: db sums over the rows", (_DELTA5, _X5, _W[0]),
                 section="backpropagation.md#the-batch-form"),
        ),
        hint="Shapes decide it: dW must be (n_out, n_in) like W, db (n_out,), da_prev like a_prev.",
        results=("dW", "db", "da_prev"),
    ),
    "network_gradients": Exercise(
        reference=network_gradients,
        signature="def network_gradients(x, y, W1, b1, W2, b2):  # returns (dW1, db1, dW2, db2)",
        statement="Backpropagation through the 3 → 4 → 2 ReLU–softmax network, cross-entropy averaged over the batch.",
        section="backpropagation.md#a-complete-backward-pass-by-hand",
        cases=(
            Case("the worked example, x = (1, 0.5, −2), y = (1, 0)", (_X1, _Y1) + _W),
            Case("a batch of five rows: the cost is their average", (_X5, _Y5) + _W, section="backpropagation.md#the-batch-form"),
        ),
        hint="δ2 = (a2 − y) / B; dW2 = δ2ᵀ a1; δ1 = (δ2 W2) ⊙ (z1 > 0); dW1 = δ1ᵀ x; biases: sums over rows.",
        results=("dW1", "db1", "dW2", "db2"),
    ),
    "relative_error": Exercise(
        reference=gradcheck.relative_error,
        signature="def relative_error(g_bp, g_fd):",
        statement="‖g_bp − g_fd‖ / (‖g_bp‖ + ‖g_fd‖), with 0 when both gradients are zero.",
        section="backpropagation.md#checking-the-gradient",
        cases=(
            Case("1 against 1.1", (np.array([1.0]), np.array([1.1]))),
            Case("two matrices, compared as long vectors", (_G23, _G23 + 1e-4 * np.arange(6).reshape(2, 3))),
            Case("both gradients exactly zero", (np.zeros(3), np.zeros(3))),
        ),
        hint="np.linalg.norm of the flattened arrays; check the zero denominator first.",
    ),
    "numerical_gradient": Exercise(
        reference=gradcheck.numerical_gradient,
        signature="def numerical_gradient(f, x, epsilon):",
        statement="The gradient of a scalar function f at x by centred differences (f(x + ε) − f(x − ε)) / 2ε.",
        section="backpropagation.md#checking-the-gradient",
        cases=(
            Case("f(v) = Σ v³ at (1, 2)", (lambda v: np.sum(v ** 3), np.array([1.0, 2.0]), 1e-5), rtol=1e-8),
            Case("a matrix input, f(W) = Σ sin W", (lambda W: np.sum(np.sin(W)), _G23, 1e-5), rtol=1e-8),
            Case("a function of all entries together, f(v) = ‖v‖²·v₀", (lambda v: np.sum(v ** 2) * v[0], np.array([0.5, -1.0, 2.0]), 1e-4), rtol=1e-8),
        ),
        hint="Nudge one entry at a time up and down by ε (on a float copy of x) and divide by 2ε.",
    ),
    "sgd_step": Exercise(
        reference=sgd_step,
        signature="def sgd_step(params, grads, learning_rate):  # returns the list of new parameters",
        statement="Gradient descent: return the new parameters w − η g, one per array of the list.",
        section="optimizers.md#the-update-rule",
        cases=(
            Case("w = (1, −2), g = (0.5, −1), η = 0.1", ([np.array([1.0, -2.0])], [np.array([0.5, -1.0])], 0.1)),
            Case("a weight matrix and a bias vector", ([_W[0], _W[1]], [_G23.repeat(2, axis=0)[:4], np.ones(4)], 0.5)),
            Case("float32 parameters stay float32", ([np.array([1.0, 2.0], dtype=_F32)], [np.array([0.1, 0.2], dtype=_F32)], 0.1), keep_dtype=True, rtol=1e-6),
        ),
        hint="[p - learning_rate * g for p, g in zip(params, grads)]: new arrays, the old ones untouched.",
    ),
    "momentum_step": Exercise(
        reference=momentum_step,
        signature="def momentum_step(p, g, v, learning_rate, beta):  # returns (p, v)",
        statement="One momentum step: v ← β v − η g, then p ← p + v; return the new (p, v).",
        section="optimizers.md#momentum",
        cases=(
            Case("the first step, from v = 0", (np.array([1.0]), np.array([1.0]), np.array([0.0]), 0.1, 0.9)),
            Case("the second step, v = −0.1", (np.array([0.9]), np.array([1.0]), np.array([-0.1]), 0.1, 0.9)),
            Case("a gradient that changed sign", (np.array([0.5, -1.0]), np.array([-2.0, 0.5]), np.array([0.3, -0.2]), 0.05, 0.8)),
            Case("float32 stays float32", (np.array([1.0], dtype=_F32), np.array([0.5], dtype=_F32), np.array([0.1], dtype=_F32), 0.1, 0.9), keep_dtype=True, rtol=1e-6),
        ),
        hint="The book's velocity points against the gradient: v = beta * v - learning_rate * g; p + v.",
        results=("p", "v"),
    ),
    "adam_step": Exercise(
        reference=adam_step,
        signature="def adam_step(p, g, m, s, t, learning_rate, beta1, beta2, epsilon):  # returns (p, m, s)",
        statement="Adam's step number t (from 1), with bias correction; return the new (p, m, s).",
        section="optimizers.md#adam",
        cases=(
            Case("the first step has size η whatever the gradient", (np.zeros(2), np.array([1000.0, -0.001]), np.zeros(2), np.zeros(2), 1, 0.01, 0.9, 0.999, 1e-8),
                 section="optimizers.md#why-bias-correction"),
            Case("step t = 3 from moments already built up", (np.array([0.5, -0.5]), np.array([0.2, -0.1]), np.array([0.05, 0.02]), np.array([1e-4, 3e-5]), 3, 0.001, 0.9, 0.999, 1e-8)),
            Case("a late step, t = 1000, and a large ε", (np.array([1.0]), np.array([0.3]), np.array([0.25]), np.array([0.04]), 1000, 0.01, 0.9, 0.999, 1e-3)),
        ),
        hint="m̂ = m / (1 − β₁ᵗ) and ŝ = s / (1 − β₂ᵗ) after updating m and s; ε goes outside the square root.",
        results=("p", "m", "s"),
    ),
    "train_epoch": Exercise(
        reference=train_epoch,
        signature="def train_epoch(params, x, y, order, batch_size, learning_rate):  # returns the new params",
        statement="One epoch of mini-batch gradient descent on the ReLU–softmax network, batches cut from order.",
        section="optimizers.md#batch-mini-batch-and-stochastic-gradient-descent",
        cases=(
            Case("full batch: one step on all five rows", (list(_W), _X5, _Y5, np.arange(5), 5, 0.5)),
            Case("batches of two in a given order; the last holds one row", (list(_W), _X5, _Y5, np.array([3, 0, 4, 1, 2]), 2, 0.5)),
            Case("one row at a time", (list(_W), _X5, _Y5, np.array([4, 2, 0, 1, 3]), 1, 0.1)),
        ),
        hint="for start in range(0, len(order), batch_size): gradients of the batch order[start:start + batch_size], one step.",
        results=("W1", "b1", "W2", "b2"),
    ),
}
"""Each problem's name -> its [`Exercise`][neuralbook.exercises.Exercise]."""


# --------------------------------------------------------------------------- checking


def _show(value, limit=70) -> str:
    """A short readable form of a result: a number, or an array with its shape and dtype."""
    if isinstance(value, (list, tuple)):
        text = "(" + ", ".join(_show(v, limit=40) for v in value) + ("," if len(value) == 1 else "") + ")"
        return text if len(text) <= 2 * limit else text[: 2 * limit] + "…)"
    if value is None:
        return "None"
    try:
        array = np.asarray(value)
    except Exception:
        return f"an object of type {type(value).__name__}"
    if array.dtype == object:
        return f"an object of type {type(value).__name__}"
    if array.ndim == 0:
        return np.format_float_positional(float(array), precision=6, trim="0") if array.dtype.kind in "fiub" else repr(value)
    text = np.array2string(array, precision=4, separator=", ", threshold=8, max_line_width=10_000)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit] + "…"
    return f"{text} (shape {array.shape}, {array.dtype})"


def _compare(expected, got, case: Case, names=(), where: str = "") -> str | None:
    """Why ``got`` is not ``expected``, or None if it is right."""
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            return f"expected {len(expected)} results {_show(expected)}, got {_show(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            name = names[i] if len(names) == len(expected) else f"result {i + 1} of {len(expected)}"
            problem = _compare(e, g, case, where=f"{name}: ")
            if problem:
                return problem
        return None
    try:
        got_array = np.asarray(got)
    except Exception:
        got_array = np.asarray(None, dtype=object)
    expected_array = np.asarray(expected)
    if got_array.dtype == object or got_array.dtype.kind not in "biuf":
        return f"{where}expected numbers {_show(expected)}, got {_show(got)}"
    if got_array.shape != expected_array.shape:
        return f"{where}expected shape {expected_array.shape}, got shape {got_array.shape}: {_show(got)}"
    if not np.all(np.isfinite(got_array)):
        return f"{where}expected {_show(expected)}, got {_show(got)}, which is not finite"
    if case.keep_dtype and got_array.dtype != expected_array.dtype:
        return f"{where}expected dtype {expected_array.dtype} (the input's), got {got_array.dtype}"
    if case.finite_only:
        return None
    if not np.allclose(got_array.astype(np.float64), expected_array.astype(np.float64), rtol=case.rtol, atol=case.atol):
        difference = np.max(np.abs(got_array.astype(np.float64) - expected_array.astype(np.float64)))
        return f"{where}expected {_show(expected)}, got {_show(got)}, off by up to {difference:.2g}"
    return None


def _fresh(args):
    """Deep copies of the arguments, so that no call can change the case itself."""
    return copy.deepcopy(args)


def _changed(before, after) -> bool:
    """Whether a call changed an argument in place."""
    if isinstance(before, (list, tuple)):
        return len(before) != len(after) or any(_changed(b, a) for b, a in zip(before, after))
    if isinstance(before, np.ndarray):
        return not np.array_equal(before, after, equal_nan=True)
    return False


def _run(function, args):
    """Call ``function(*args)``; return (result, error sentence or None, warning messages)."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            result = function(*args)
            error = None
        except Exception as exception:  # the reader's code: any error becomes a sentence
            result = None
            error = f"your function raised {type(exception).__name__}: {exception}"
    messages = []
    for warning in caught:
        message = str(warning.message)
        if message not in messages:
            messages.append(message)
    return result, error, messages


def _check_case(exercise: Exercise, case: Case, function) -> str | None:
    """Why ``function`` fails one case, as a sentence; None if it gets the case right."""
    expected = exercise.reference(*_fresh(case.args))
    args = _fresh(case.args)
    got, error, warned = _run(function, args)
    if error:
        return error
    problem = _compare(expected, got, case, exercise.results)
    if warned:
        warning = f"your function warned \"{warned[0]}\""
        problem = f"{problem}; {warning}" if problem else f"right values, but {warning}, which the book's version never does"
    if problem is None and _changed(case.args, args):
        problem = "right values, but your function changed its input in place; return new arrays instead"
    return problem


def _exercise(name: str) -> Exercise:
    if name not in EXERCISES:
        raise KeyError(f"no exercise named {name!r}; expected one of: {', '.join(EXERCISES)}")
    return EXERCISES[name]


def check(name: str, function) -> bool:
    """Run your ``function`` on the exercise's cases; print one line per case; True if all are right.

    Parameters
    ----------
    name : str
        A key of [`EXERCISES`][neuralbook.exercises.EXERCISES], such as ``"sigmoid"``.
    function : callable
        Your implementation, with the exercise's signature.

    Returns
    -------
    bool
        Whether every case is right.

    Examples
    --------
    >>> from neuralbook.activations import softmax
    >>> check("softmax", softmax)
    right  the worked scores (2, 1, 0.1)
    right  a batch: each row on its own
    right  large scores (1000, 1001)
    right  a batch of one row with scores −1000 and 1000
    right  rows a thousand apart: each row subtracts its own largest score
    right  float32 input stays float32
    softmax: 6 of 6 cases right
    True
    """
    exercise = _exercise(name)
    if not callable(function):
        raise TypeError(f"expected your function, got {type(function).__name__}")
    right = 0
    for case in exercise.cases:
        problem = _check_case(exercise, case, function)
        if problem is None:
            right += 1
            print(f"right  {case.label}")
        else:
            print(f"WRONG  {case.label}: {problem} (see {case.section or exercise.section})")
    print(f"{name}: {right} of {len(exercise.cases)} cases right")
    return right == len(exercise.cases)


def hint(name: str) -> None:
    """Print the exercise's statement, its signature and a hint.

    Examples
    --------
    >>> hint("sgd_step")
    Gradient descent: return the new parameters w − η g, one per array of the list.
    def sgd_step(params, grads, learning_rate):  # returns the list of new parameters
    Hint: [p - learning_rate * g for p, g in zip(params, grads)]: new arrays, the old ones untouched.
    See optimizers.md#the-update-rule
    """
    exercise = _exercise(name)
    print(exercise.statement)
    print(exercise.signature)
    print(f"Hint: {exercise.hint}")
    print(f"See {exercise.section}")


def solution(name: str) -> None:
    """Print the source of the book's reference for the exercise.

    Examples
    --------
    >>> solution("sigmoid")  # doctest: +ELLIPSIS
    def sigmoid(z: np.typing.ArrayLike) -> np.ndarray:
    ...
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    """
    reference = _exercise(name).reference
    try:
        source = inspect.getsource(reference)
    except (OSError, TypeError):
        source = f"{reference!r}"
    # The book's listing markers and the package's private plumbing (a decorator that
    # converts and checks the input) are not part of the answer.
    lines = [line for line in source.splitlines() if not re.match(r"\s*(# --8<--|@_)", line)]
    print("\n".join(lines).rstrip())
