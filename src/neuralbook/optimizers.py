"""Optimizers: the rules that turn gradients into parameter updates.

The chapter *Gradient descent and optimizers* explains each of these. Every optimizer
has the same shape: it is created with a learning rate (and its own constants), and
``step(params, grads)`` updates a list of parameter arrays **in place** from the
matching list of gradients. The step count ``t`` and the per-parameter state (a
velocity, Adam's two moments) live on the optimizer; the state is made on the first
step, one dict of arrays per position in the list, with the parameters' shape and dtype.
``learning_rate`` is a plain attribute, so a learning-rate schedule
([`neuralbook.schedules`][neuralbook.schedules]) may change it between steps.

Each optimizer's ``update(p, g, state)`` is written like its equations, and this
module does nothing for speed. The trainer steps through
[`neuralbook.fastpath.step`][neuralbook.fastpath.step] instead, which builds on these
classes: it runs the same arithmetic done in place (for SGD, momentum, Adam, AdamW) and
keeps decaying buffers out of the subnormal range, without changing the steps beyond
rounding.

[`clip_by_global_norm`][neuralbook.optimizers.clip_by_global_norm] rescales a list of
gradients whose joint norm is too large, before they reach ``step``.

Examples
--------
>>> import numpy as np
>>> w = np.array([1.0, -2.0])
>>> SGD(learning_rate=0.1).step([w], [np.array([0.5, -1.0])])
>>> print(w)
[ 0.95 -1.9 ]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "Optimizer", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam", "AdamW",
    "global_norm", "clip_by_global_norm",
]


def _checked_gradients(params, grads, shapes) -> list[np.ndarray]:
    """The gradients as arrays of their parameters' dtypes, after checking that the lists match.

    ``shapes`` are the parameter shapes of earlier steps (``None`` before the first).
    """
    if len(params) != len(grads):
        raise ValueError(f"expected one gradient per parameter: got {len(params)} parameters and {len(grads)} gradients")
    for i, (p, g) in enumerate(zip(params, grads)):
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise TypeError(f"parameter {i}: expected a floating-point numpy array (updated in place), got {type(p).__name__}")
        if np.shape(g) != p.shape:
            raise ValueError(f"parameter {i}: expected a gradient of shape {p.shape}, got {np.shape(g)}")
    if shapes is not None and shapes != [p.shape for p in params]:
        raise ValueError(
            "expected the same parameter shapes as on earlier steps: got "
            f"{[p.shape for p in params]}, before {shapes}"
        )
    return [np.asarray(g, dtype=p.dtype) for p, g in zip(params, grads)]


def _check_fraction(name: str, value: float) -> float:
    if not 0 <= value < 1:
        raise ValueError(f"expected 0 <= {name} < 1, got {value}")
    return float(value)


def _check_positive(name: str, value: float) -> float:
    if not value > 0:
        raise ValueError(f"expected a positive {name}, got {value}")
    return float(value)


# --8<-- [start:optimizer]
class Optimizer:
    """The common shape of every optimizer: ``step(params, grads)`` updates in place.

    Subclasses write ``update`` for one parameter array and, if they keep state,
    ``new_state``.

    Parameters
    ----------
    learning_rate : float
        The step size η. A plain attribute: change it between steps as you like.
    """

    def __init__(self, learning_rate: float):
        self.learning_rate = learning_rate
        self.t = 0  # the number of steps taken: the t of the equations
        self.state = None  # per parameter, a dict of arrays; made on the first step

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Update every parameter array in place from its gradient.

        Parameters
        ----------
        params : list of numpy.ndarray
            Parameter arrays (floating point), changed in place.
        grads : list of numpy.ndarray
            ∂C/∂p for each parameter, same shapes, same order.

        Raises
        ------
        ValueError
            If the lists differ in length, a gradient's shape differs from its
            parameter's, or the list no longer matches the one of earlier steps.
        """
        grads = self.checked(params, grads)  # one gradient per parameter, of its shape
        if self.state is None:
            self.state = [self.new_state(p) for p in params]
        self.t += 1
        for p, g, state in zip(params, grads, self.state):
            self.update(p, g, state)

    def new_state(self, p: np.ndarray) -> dict:
        """The state of one parameter before the first step: none for plain gradient descent."""
        return {}

    def update(self, p: np.ndarray, g: np.ndarray, state: dict) -> None:
        """Change one parameter array ``p`` in place from its gradient ``g``."""
        raise NotImplementedError
# --8<-- [end:optimizer]

    #: Names of the state arrays that shrink geometrically when their gradient is zero.
    decaying: tuple[str, ...] = ()

    def decays(self) -> tuple[float, ...]:
        """The factors by which the `decaying` buffers shrink per step without gradient."""
        return ()

    @property
    def learning_rate(self) -> float:
        """The step size η, kept as a Python float so that float32 arrays stay float32."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = _check_positive("learning_rate", value)

    def checked(self, params, grads) -> list[np.ndarray]:
        """The gradients as arrays of their parameters' dtypes, after checking them against the parameters.

        Raises
        ------
        ValueError
            If the lists differ in length, a gradient's shape differs from its
            parameter's, or the shapes differ from those of earlier steps.
        TypeError
            If a parameter is not a floating-point NumPy array.
        """
        if self.state is None:
            self._shapes = None
        grads = _checked_gradients(params, grads, self._shapes)
        self._shapes = [p.shape for p in params]
        return grads

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self.learning_rate})"


# --8<-- [start:sgd]
class SGD(Optimizer):
    """Plain (stochastic) gradient descent: w ← w − η g.

    Parameters
    ----------
    learning_rate : float
        The step size η.

    Examples
    --------
    >>> w = np.array([3.0])
    >>> optimizer = SGD(learning_rate=0.25)
    >>> for _ in range(3):
    ...     optimizer.step([w], [2 * w])   # the gradient of w², so each step multiplies w by 1 - 2η
    >>> print(w)
    [0.375]
    """

    def update(self, p, g, state):
        p -= self.learning_rate * g  # w ← w − η g
# --8<-- [end:sgd]


# --8<-- [start:momentum]
class Momentum(Optimizer):
    """Gradient descent with momentum (Polyak's heavy ball): v ← β v − η g, w ← w + v.

    The velocity v starts at zero and points *against* the gradient, so the
    parameters move along it. (The equivalent form u ← β u + g, w ← w − η u gives the
    same steps while η is constant; this one keeps the velocity in the units of a step.)

    Parameters
    ----------
    learning_rate : float
        The step size η.
    beta : float, optional
        How much of the previous velocity survives a step, 0 ≤ β < 1. Default 0.9.

    Examples
    --------
    >>> w = np.array([1.0])
    >>> optimizer = Momentum(learning_rate=0.1, beta=0.9)
    >>> optimizer.step([w], [np.array([1.0])])   # v = -0.1
    >>> optimizer.step([w], [np.array([1.0])])   # v = 0.9 * -0.1 - 0.1 = -0.19
    >>> print(np.round(w, 4))
    [0.71]
    """

    def new_state(self, p):
        return {"velocity": np.zeros_like(p)}  # v starts at zero

    def update(self, p, g, state):
        v = state["velocity"]
        v[...] = self.beta * v - self.learning_rate * g  # v ← β v − η g
        p += v  # w ← w + v
# --8<-- [end:momentum]

    def __init__(self, learning_rate: float, beta: float = 0.9):
        super().__init__(learning_rate)
        self.beta = _check_fraction("beta", beta)

    decaying = ("velocity",)

    def decays(self):
        return (self.beta,)


# --8<-- [start:nesterov]
class Nesterov(Momentum):
    """Nesterov momentum: the gradient is taken at the point momentum is about to reach.

    Nesterov's form is v ← β v − η ∇C(w + β v), w ← w + v. Keeping the look-ahead
    point w + β v as the parameter instead turns it into an update that needs only the
    gradient g at the parameters: v ← β v − η g, w ← w + β v − η g.

    Parameters
    ----------
    learning_rate : float
        The step size η.
    beta : float, optional
        How much of the previous velocity survives a step, 0 ≤ β < 1. Default 0.9.

    Examples
    --------
    >>> w = np.array([1.0])
    >>> optimizer = Nesterov(learning_rate=0.1, beta=0.9)
    >>> optimizer.step([w], [np.array([1.0])])   # v = -0.1, w = 1 + 0.9 * -0.1 - 0.1
    >>> print(np.round(w, 4))
    [0.81]
    """

    def update(self, p, g, state):
        v = state["velocity"]
        v[...] = self.beta * v - self.learning_rate * g  # v ← β v − η g
        p += self.beta * v - self.learning_rate * g  # w ← w + β v − η g
# --8<-- [end:nesterov]


# --8<-- [start:adagrad]
class AdaGrad(Optimizer):
    """AdaGrad: each parameter's step is divided by the root of its summed squared gradients.

    With s starting at zero, each step does s ← s + g², w ← w − η g / (√s + ε).
    s only grows, so every parameter's steps shrink as its gradients add up.

    Parameters
    ----------
    learning_rate : float, optional
        The step size η. Default 0.01.
    epsilon : float, optional
        Keeps the division finite where s is zero. Default 1e-8.

    Examples
    --------
    The first step has size η whatever the gradient, the second one less:

    >>> w = np.array([0.0, 0.0])
    >>> optimizer = AdaGrad(learning_rate=0.1)
    >>> optimizer.step([w], [np.array([100.0, -0.01])])
    >>> print(np.round(w, 6))
    [-0.1  0.1]
    """

    def new_state(self, p):
        return {"s": np.zeros_like(p)}  # the sum of squared gradients

    def update(self, p, g, state):
        s = state["s"]
        s += g**2  # s ← s + g²
        p -= self.learning_rate * g / (np.sqrt(s) + self.epsilon)  # w ← w − η g / (√s + ε)
# --8<-- [end:adagrad]

    def __init__(self, learning_rate: float = 0.01, epsilon: float = 1e-8):
        super().__init__(learning_rate)
        self.epsilon = _check_positive("epsilon", epsilon)


# --8<-- [start:rmsprop]
class RMSProp(Optimizer):
    """RMSProp: each parameter's step is divided by the root of its recent mean squared gradient.

    With s starting at zero, each step does s ← β s + (1 − β) g², w ← w − η g / (√s + ε):
    AdaGrad with a moving average in place of the ever-growing sum.

    Parameters
    ----------
    learning_rate : float, optional
        The step size η. Default 0.001.
    beta : float, optional
        How much of the average survives a step, 0 ≤ β < 1. Default 0.9.
    epsilon : float, optional
        Keeps the division finite where s is zero. Default 1e-8.

    Examples
    --------
    >>> w = np.array([0.0])
    >>> RMSProp(learning_rate=0.01, beta=0.9).step([w], [np.array([2.0])])
    >>> print(np.round(w, 6))   # s = 0.1 * 4 = 0.4, step 0.01 * 2 / √0.4
    [-0.031623]
    """

    def new_state(self, p):
        return {"s": np.zeros_like(p)}  # the average of squared gradients

    def update(self, p, g, state):
        s = state["s"]
        s[...] = self.beta * s + (1 - self.beta) * g**2  # s ← β s + (1 − β) g²
        p -= self.learning_rate * g / (np.sqrt(s) + self.epsilon)  # w ← w − η g / (√s + ε)
# --8<-- [end:rmsprop]

    def __init__(self, learning_rate: float = 1e-3, beta: float = 0.9, epsilon: float = 1e-8):
        super().__init__(learning_rate)
        self.beta = _check_fraction("beta", beta)
        self.epsilon = _check_positive("epsilon", epsilon)

    decaying = ("s",)

    def decays(self):
        return (self.beta,)


# --8<-- [start:adam]
class Adam(Optimizer):
    """Adam: momentum's average of the gradients, divided as in RMSProp, with bias correction.

    With m and s starting at zero, step t (counting from 1) does

        m ← β₁ m + (1 − β₁) g            (average of recent gradients)
        s ← β₂ s + (1 − β₂) g²           (average of recent squared gradients)
        m̂ = m / (1 − β₁ᵗ),  ŝ = s / (1 − β₂ᵗ)     (bias correction)
        w ← w − η m̂ / (√ŝ + ε)

    Kingma and Ba write v for the second moment s.

    Parameters
    ----------
    learning_rate : float, optional
        The step size η. Default 0.001.
    beta1, beta2 : float, optional
        Decay of the first and second moment averages. Defaults 0.9 and 0.999.
    epsilon : float, optional
        Keeps the division finite where ŝ is zero. Default 1e-8.

    Examples
    --------
    Thanks to bias correction, the first step has size ≈ η whatever the gradient:

    >>> w = np.array([0.0, 0.0])
    >>> Adam(learning_rate=0.01).step([w], [np.array([1000.0, -0.001])])
    >>> print(np.round(w, 6))
    [-0.01  0.01]
    """

    def new_state(self, p):
        return {"m": np.zeros_like(p), "s": np.zeros_like(p)}  # first and second moments

    def update(self, p, g, state):
        p -= self.learning_rate * self.direction(g, state)  # w ← w − η m̂ / (√ŝ + ε)

    def direction(self, g, state):
        """Update the moments from ``g`` and return m̂ / (√ŝ + ε)."""
        m, s, t = state["m"], state["s"], self.t
        m[...] = self.beta1 * m + (1 - self.beta1) * g  # m ← β₁ m + (1 − β₁) g
        s[...] = self.beta2 * s + (1 - self.beta2) * g**2  # s ← β₂ s + (1 − β₂) g²
        m_hat = m / (1 - self.beta1**t)  # m̂ = m / (1 − β₁ᵗ)
        s_hat = s / (1 - self.beta2**t)  # ŝ = s / (1 − β₂ᵗ)
        return m_hat / (np.sqrt(s_hat) + self.epsilon)
# --8<-- [end:adam]

    def __init__(
        self,
        learning_rate: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
    ):
        super().__init__(learning_rate)
        self.beta1 = _check_fraction("beta1", beta1)
        self.beta2 = _check_fraction("beta2", beta2)
        self.epsilon = _check_positive("epsilon", epsilon)

    decaying = ("m", "s")

    def decays(self):
        return (self.beta1, self.beta2)


# --8<-- [start:adamw]
class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay, w ← w − η (m̂ / (√ŝ + ε) + λ w).

    The decay λ w is scaled by the learning rate but not by Adam's denominator
    √ŝ + ε, unlike an L2 term added to the gradient, which Adam would rescale
    (Loshchilov and Hutter). The decay uses the parameters as they were before the step.

    Parameters
    ----------
    learning_rate : float, optional
        The step size η. Default 0.001.
    beta1, beta2 : float, optional
        Decay of the first and second moment averages. Defaults 0.9 and 0.999.
    epsilon : float, optional
        Keeps the division finite where ŝ is zero. Default 1e-8.
    weight_decay : float, optional
        The decay strength λ ≥ 0. Default 0.01.

    Examples
    --------
    With a zero gradient only the decay acts, w ← (1 − η λ) w:

    >>> w = np.array([2.0, -1.0])
    >>> AdamW(learning_rate=0.1, weight_decay=0.5).step([w], [np.zeros(2)])
    >>> print(np.round(w, 6))
    [ 1.9  -0.95]
    """

    def update(self, p, g, state):
        p -= self.learning_rate * (self.direction(g, state) + self.weight_decay * p)  # w ← w − η (m̂/(√ŝ+ε) + λ w)
# --8<-- [end:adamw]

    def __init__(
        self,
        learning_rate: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.01,
    ):
        super().__init__(learning_rate, beta1, beta2, epsilon)
        if not weight_decay >= 0:
            raise ValueError(f"expected weight_decay >= 0, got {weight_decay}")
        self.weight_decay = float(weight_decay)


# --8<-- [start:clip]
def global_norm(grads: Sequence[np.ndarray]) -> float:
    """The Euclidean norm of all gradients together, as if they were one long vector.

    Examples
    --------
    >>> global_norm([np.array([3.0]), np.array([[4.0, 0.0]])])
    5.0
    """
    return math.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads))


def clip_by_global_norm(grads: Sequence[np.ndarray], max_norm: float) -> list[np.ndarray]:
    """Scale all gradients by one factor so that their global norm is at most ``max_norm``.

    If ‖g‖ > max_norm, every gradient is multiplied by max_norm / ‖g‖, which keeps the
    direction of the step and shortens it; otherwise the gradients are returned as they are.

    Parameters
    ----------
    grads : list of numpy.ndarray
        The gradients of one step (any shapes).
    max_norm : float
        The largest global norm allowed, > 0.

    Returns
    -------
    list of numpy.ndarray
        The clipped gradients (new arrays if they were scaled, of the same dtypes).

    Raises
    ------
    ValueError
        If ``max_norm`` is not positive or the gradients are not finite.

    Examples
    --------
    >>> clipped = clip_by_global_norm([np.array([3.0]), np.array([4.0])], max_norm=1.0)
    >>> print([np.round(g, 4) for g in clipped])
    [array([0.6]), array([0.8])]
    """
    if not max_norm > 0:
        raise ValueError(f"expected a positive max_norm, got {max_norm}")
    norm = global_norm(grads)
    if not math.isfinite(norm):
        raise ValueError(f"expected finite gradients, got a global norm of {norm}")
    if norm <= max_norm:
        return list(grads)
    scale = max_norm / norm
    return [g * scale for g in grads]
# --8<-- [end:clip]
