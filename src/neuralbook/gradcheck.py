"""Checking backpropagation with finite differences.

Backpropagation is fast but easy to get subtly wrong; the definition of a derivative
is slow but hard to get wrong. A *gradient check* computes both and compares them.
For a function ``f`` of an array ``x``, the centred difference

    ∂f/∂x_i ≈ (f(x + ε e_i) − f(x − ε e_i)) / (2ε)

has an error proportional to ε² (the one-sided difference has an error proportional
to ε). The two gradients are compared by their *relative error*

    ‖g_bp − g_fd‖ / (‖g_bp‖ + ‖g_fd‖),

which does not depend on the scale of the gradient: about 1e-10 means they agree to
ten digits. As a rule of thumb in float64, around 1e-7 or below the gradient is right;
around 1e-2 or above, something is wrong
([`gradient_is_right`][neuralbook.rules.gradient_is_right] applies the rule).

Checks are done in float64: float32 carries only about seven significant digits,
too few for differences of nearly equal numbers. [`gradient_check`][neuralbook.gradcheck.gradient_check] therefore
copies a float32 network into a float64 one first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from neuralbook.network import Network

__all__ = [
    "relative_error",
    "numerical_gradient",
    "check_gradient",
    "network_numerical_gradients",
    "gradient_errors",
    "gradient_check",
]


# --8<-- [start:relative_error]
def relative_error(g_bp: np.typing.ArrayLike, g_fd: np.typing.ArrayLike) -> float:
    """‖g_bp − g_fd‖ / (‖g_bp‖ + ‖g_fd‖), with 0 when both are exactly zero.

    Examples
    --------
    >>> print(relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])))
    0.0
    >>> print(round(relative_error(np.array([1.0]), np.array([1.1])), 4))
    0.0476
    """
    g_bp = np.asarray(g_bp, dtype=np.float64).ravel()
    g_fd = np.asarray(g_fd, dtype=np.float64).ravel()
    if g_bp.shape != g_fd.shape:
        raise ValueError(f"gradients of different sizes: {g_bp.size} and {g_fd.size}")
    denominator = np.linalg.norm(g_bp) + np.linalg.norm(g_fd)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(g_bp - g_fd) / denominator)
# --8<-- [end:relative_error]


# --8<-- [start:finite_differences]
def _centred_differences(f, array, epsilon):
    """The gradient of f() with respect to array, by centred differences.

    ``f()`` reads ``array``, which is nudged in place and restored exactly.
    """
    gradient = np.zeros(array.shape, dtype=np.float64)
    for i in np.ndindex(array.shape):
        original = array[i]
        array[i] = original + epsilon
        f_plus = f()
        array[i] = original - epsilon
        f_minus = f()
        array[i] = original  # put it back exactly
        gradient[i] = (f_plus - f_minus) / (2 * epsilon)
    return gradient
# --8<-- [end:finite_differences]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, epsilon: float = 1e-5) -> np.ndarray:
    """The gradient of a scalar function ``f(x)`` by centred differences.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``x`` and returns a number.
    x : array_like
        Where to take the gradient; it is copied to float64, never changed.
    epsilon : float
        The step ε.

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``, float64.

    Examples
    --------
    >>> g = numerical_gradient(lambda v: np.sum(v ** 3), np.array([1.0, 2.0]))
    >>> print(np.round(g, 6))
    [ 3. 12.]
    """
    x = np.array(x, dtype=np.float64)
    return _centred_differences(lambda: float(f(x)), x, epsilon)


def check_gradient(f: Callable[[np.ndarray], float], gradient: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                   epsilon: float = 1e-5) -> float:
    """Relative error between an analytic gradient and finite differences of ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x)`` -> number.
    gradient : callable
        ``gradient(x)`` -> array shaped like ``x``: the derivative to check.
    x : array_like
        Where to check.
    epsilon : float
        Finite-difference step.

    Examples
    --------
    >>> from neuralbook.activations import sigmoid, sigmoid_prime
    >>> x = np.array([-2.0, 0.5, 3.0])
    >>> check_gradient(lambda v: np.sum(sigmoid(v)), sigmoid_prime, x) < 1e-9
    True
    >>> check_gradient(lambda v: np.sum(sigmoid(v)), sigmoid, x) > 0.1  # a wrong derivative
    True
    """
    x = np.array(x, dtype=np.float64)
    analytic = np.asarray(gradient(x.copy()), dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError(f"gradient returned shape {analytic.shape}, expected {x.shape}")
    return relative_error(analytic, numerical_gradient(f, x, epsilon))


def _float64_copy(net):
    from neuralbook.network import Network

    config = dict(net.config, dtype="float64")
    return Network.from_config(config, net.parameters())


def _loss_function(net, x, y, dropout_seed):
    """The training loss of ``net`` on (x, y) as a function of no arguments.

    With ``dropout_seed``, every call draws the same dropout masks, so the loss is a
    fixed (differentiable almost everywhere) function of the parameters.
    """
    if dropout_seed is None:
        return lambda: net.loss_and_gradients(x, y)[0]
    return lambda: net.loss_and_gradients(x, y, rng=np.random.default_rng(dropout_seed))[0]


def network_numerical_gradients(net: Network, x: np.typing.ArrayLike, y: np.typing.ArrayLike, epsilon: float = 1e-5,
                                dropout_seed: int | None = None) -> list[np.ndarray]:
    """Finite-difference gradients of the network's loss for every parameter.

    Costs two forward passes per parameter. ``net`` should be float64 (see
    [`gradient_check`][neuralbook.gradcheck.gradient_check]); its parameters are nudged and restored exactly.

    Returns
    -------
    list of numpy.ndarray
        ``[dW1, db1, ...]``, like [`neuralbook.network.Network.loss_and_gradients`][neuralbook.network.Network.loss_and_gradients].
    """
    loss = _loss_function(net, x, y, dropout_seed)
    return [_centred_differences(loss, parameter, epsilon) for parameter in net.parameters()]


def gradient_errors(net: Network, x: np.typing.ArrayLike, y: np.typing.ArrayLike, epsilon: float = 1e-5, dropout_seed: int | None = None) -> list[float]:
    """Relative error of each parameter's backprop gradient, ``[W1, b1, W2, ...]``.

    Works on a float64 copy of ``net``; ``net`` itself is not changed.
    """
    copy = _float64_copy(net)
    rng = None if dropout_seed is None else np.random.default_rng(dropout_seed)
    _, backprop = copy.loss_and_gradients(x, y, rng=rng)
    numeric = network_numerical_gradients(copy, x, y, epsilon, dropout_seed)
    return [relative_error(g_bp, g_fd) for g_bp, g_fd in zip(backprop, numeric)]


# --8<-- [start:gradient_check]
def gradient_check(net: Network, x: np.typing.ArrayLike, y: np.typing.ArrayLike, epsilon: float = 1e-5, dropout_seed: int | None = None) -> float:
    """Compare backpropagation with finite differences on a small batch.

    Parameters
    ----------
    net : neuralbook.network.Network
        The network; the check runs on a float64 copy of it.
    x, y : array_like
        A small batch (every parameter costs two forward passes over it).
    epsilon : float
        Finite-difference step.
    dropout_seed : int, optional
        If given (and ``net.dropout > 0``), every loss evaluation uses the dropout
        masks drawn by ``numpy.random.default_rng(dropout_seed)``: the same masks each
        time, so the check covers the dropout path too.

    Returns
    -------
    float
        The relative error over all parameters together,
        ‖g_bp − g_fd‖ / (‖g_bp‖ + ‖g_fd‖).

    Examples
    --------
    >>> from neuralbook.network import Network
    >>> net = Network([4, 5, 3], hidden_activation="tanh", seed=0)
    >>> rng = np.random.default_rng(1)
    >>> x, y = rng.standard_normal((6, 4)), np.eye(3)[rng.integers(0, 3, 6)]
    >>> gradient_check(net, x, y) < 1e-8
    True
    """
    copy = _float64_copy(net)
    rng = None if dropout_seed is None else np.random.default_rng(dropout_seed)
    _, backprop = copy.loss_and_gradients(x, y, rng=rng)
    numeric = network_numerical_gradients(copy, x, y, epsilon, dropout_seed)
    flat = np.concatenate  # one long vector of every parameter's gradient
    return relative_error(flat([g.ravel() for g in backprop]), flat([g.ravel() for g in numeric]))
# --8<-- [end:gradient_check]
