"""Optimizers: the rules that turn gradients into parameter updates.

The chapter *Gradient descent and optimizers* explains each of these. Every optimizer
has the same shape: it is created with a learning rate (and its own constants), and
``step(params, grads)`` updates a list of parameter arrays **in place** from the
matching list of gradients. State (a velocity, Adam's two moments) is kept per
position in the list, allocated on the first step with the parameters' shape and
dtype. ``learning_rate`` is a plain attribute, so a learning-rate schedule
([`neuralbook.schedules`][neuralbook.schedules]) may change it between steps.

Performance notes, because the trainer calls ``step`` hundreds of times per epoch:

* every update is done with in-place NumPy operations into buffers allocated once;
  scalars are plain Python floats, so float32 arrays stay float32 (no float64 upcast);
* momentum and Adam buffers of parameters that never receive a gradient (dead ReLU
  units, input pixels that are always zero) decay geometrically towards zero and
  would become *subnormal* floats, on which arithmetic is many times slower. Every
  ``flush_every`` steps the optimizer sets to exactly zero every buffer entry small
  enough to become subnormal before the next flush (see [`flush_subnormals`][neuralbook.optimizers.flush_subnormals]).
  Once an entry is exactly zero and its gradient is zero it stays exactly zero.

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

__all__ = ["Optimizer", "SGD", "Momentum", "Adam", "AdamW", "flush_subnormals", "count_subnormals"]


# --8<-- [start:flush]
def flush_subnormals(buffer: np.ndarray, threshold: float | None = None) -> int:
    """Set every entry of ``buffer`` with ``|x| < threshold`` to exactly zero, in place.

    Parameters
    ----------
    buffer : numpy.ndarray
        A floating-point array (an optimizer's velocity or moment), changed in place.
    threshold : float, optional
        Entries with a magnitude below this become 0. The default is the smallest
        *normal* number of the buffer's dtype, ``np.finfo(dtype).tiny``, so by default
        exactly the subnormal entries are flushed.

    Returns
    -------
    int
        How many nonzero entries were set to zero.

    Examples
    --------
    >>> b = np.array([1e-3, 1e-40, -1e-42, 0.0], dtype=np.float32)
    >>> flush_subnormals(b)
    2
    >>> print(b)
    [0.001 0.    0.    0.   ]
    """
    if threshold is None:
        threshold = float(np.finfo(buffer.dtype).tiny)
    small = np.abs(buffer) < threshold
    small &= buffer != 0
    count = int(np.count_nonzero(small))
    if count:
        buffer[small] = 0
    return count
# --8<-- [end:flush]


def count_subnormals(array: np.ndarray) -> int:
    """How many entries of ``array`` are subnormal (nonzero and below ``finfo.tiny``).

    Examples
    --------
    >>> count_subnormals(np.array([1e-40, 1e-30, 0.0], dtype=np.float32))
    1
    """
    array = np.asarray(array)
    tiny = np.finfo(array.dtype).tiny
    magnitude = np.abs(array)
    return int(np.count_nonzero((magnitude < tiny) & (magnitude > 0)))


class Optimizer:
    """The common shape of every optimizer: ``step(params, grads)`` updates in place.

    Subclasses implement `_update` for one parameter array and list their
    decaying buffers in `_buffers` so that they can be flushed.

    Parameters
    ----------
    learning_rate : float
        The step size η. A plain attribute: change it between steps as you like.
    flush_every : int, optional
        Every this many steps, buffer entries that would become subnormal before the
        next flush are set to zero. ``0`` switches the flush off (to show what goes
        wrong without it).
    """

    #: The smallest per-step decay factor of the buffers (the fastest decay), used for
    #: the flush threshold: the buffer that shrinks fastest reaches the subnormals first.
    _decay = 1.0

    def __init__(self, learning_rate: float, flush_every: int = 50):
        if not learning_rate > 0:
            raise ValueError(f"expected a positive learning_rate, got {learning_rate}")
        if flush_every < 0:
            raise ValueError(f"expected flush_every >= 0, got {flush_every}")
        self.learning_rate = learning_rate
        self.flush_every = int(flush_every)
        self.t = 0  # number of steps taken
        self._state: list[dict[str, np.ndarray]] | None = None

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Update every array of ``params`` in place from the matching gradient.

        Parameters
        ----------
        params : list of numpy.ndarray
            Parameter arrays (floating point), changed in place.
        grads : list of numpy.ndarray
            ∂L/∂p for each parameter, same shapes, same order.

        Raises
        ------
        ValueError
            If the lists differ in length, a gradient's shape differs from its
            parameter's, or the list no longer matches the one of earlier steps.
        """
        if len(params) != len(grads):
            raise ValueError(f"expected one gradient per parameter: got {len(params)} parameters and {len(grads)} gradients")
        for i, (p, g) in enumerate(zip(params, grads)):
            if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
                raise TypeError(f"parameter {i}: expected a floating-point numpy array (updated in place), got {type(p).__name__}")
            if np.shape(g) != p.shape:
                raise ValueError(f"parameter {i}: expected a gradient of shape {p.shape}, got {np.shape(g)}")
        if self._state is None:
            self._state = [self._new_state(p) for p in params]
        elif len(self._state) != len(params) or any(
            s["shape"] != p.shape for s, p in zip(self._state, params)
        ):
            raise ValueError(
                "expected the same parameter shapes as on earlier steps: got "
                f"{[p.shape for p in params]}, before {[s['shape'] for s in self._state]}"
            )
        self.t += 1
        lr = float(self.learning_rate)
        for p, g, state in zip(params, grads, self._state):
            self._update(p, np.asarray(g, dtype=p.dtype), state, lr)
        if self.flush_every and self.t % self.flush_every == 0:
            self.flush()

    def flush(self) -> int:
        """Zero every buffer entry that could turn subnormal before the next flush.

        An entry that receives no gradient shrinks by the decay factor β each step.
        The threshold is ``tiny / β**(flush_every + 1)``, so such an entry is either
        zeroed now or still normal at the next flush: buffers fed zero gradients
        never hold a subnormal. Returns how many entries were zeroed.
        """
        if not self._state:
            return 0
        total = 0
        for state in self._state:
            for name in self._buffers():
                buffer = state[name]
                total += flush_subnormals(buffer, self.flush_threshold(buffer.dtype))
        return total

    def flush_threshold(self, dtype) -> float:
        """Entries below this are zeroed by `flush`: ``tiny / β**(flush_every + 1)``.

        ``tiny`` is the smallest normal number of ``dtype`` and β the fastest decay
        factor of the buffers.

        Examples
        --------
        >>> print(f"{Momentum(0.1, beta=0.9).flush_threshold(np.float32):.2e}")
        2.53e-36
        """
        tiny = float(np.finfo(dtype).tiny)
        return tiny / self._decay ** (max(self.flush_every, 1) + 1)

    def _new_state(self, p: np.ndarray) -> dict:
        state = {"shape": p.shape, "scratch": np.empty_like(p)}
        for name in self._buffers():
            state[name] = np.zeros_like(p)
        return state

    def _buffers(self) -> tuple[str, ...]:
        return ()

    def _update(self, p, g, state, lr) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

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
    >>> opt = SGD(learning_rate=0.25)
    >>> for _ in range(3):
    ...     opt.step([w], [2 * w])      # the gradient of w², so each step multiplies w by 1 - 2η
    >>> print(w)
    [0.375]
    """

    def _update(self, p, g, state, lr):
        np.multiply(g, lr, out=state["scratch"])  # η g
        p -= state["scratch"]  # w ← w − η g
# --8<-- [end:sgd]


# --8<-- [start:momentum]
class Momentum(Optimizer):
    """Gradient descent with momentum (heavy ball).

    The velocity ``v`` starts at zero and each step does

        v ← β v − η g
        w ← w + v

    so the velocity points *against* the gradient and the parameters move along it.
    (The equivalent form v ← β v + g, w ← w − η v gives the same steps while η is
    constant; this one keeps the velocity in the units of a step.)

    Parameters
    ----------
    learning_rate : float
        The step size η.
    beta : float, optional
        How much of the previous velocity survives a step, 0 ≤ β < 1. Default 0.9.

    Examples
    --------
    >>> w = np.array([1.0])
    >>> opt = Momentum(learning_rate=0.1, beta=0.9)
    >>> opt.step([w], [np.array([1.0])])   # v = -0.1
    >>> opt.step([w], [np.array([1.0])])   # v = 0.9 * -0.1 - 0.1 = -0.19
    >>> print(np.round(w, 4))
    [0.71]
    """

    def __init__(self, learning_rate: float, beta: float = 0.9, flush_every: int = 50):
        super().__init__(learning_rate, flush_every)
        if not 0 <= beta < 1:
            raise ValueError(f"expected 0 <= beta < 1, got {beta}")
        self.beta = float(beta)
        self._decay = self.beta if self.beta > 0 else 0.5  # with β = 0 nothing decays; any factor will do

    def _buffers(self):
        return ("velocity",)

    def _update(self, p, g, state, lr):
        v, scratch = state["velocity"], state["scratch"]
        v *= self.beta  # β v
        np.multiply(g, lr, out=scratch)  # η g
        v -= scratch  # v ← β v − η g
        p += v  # w ← w + v
# --8<-- [end:momentum]


# --8<-- [start:adam]
class Adam(Optimizer):
    """Adam: momentum on the gradient, scaled per parameter by its recent size.

    With m and v starting at zero, step t (counting from 1) does

        m ← β₁ m + (1 − β₁) g            (mean of recent gradients)
        v ← β₂ v + (1 − β₂) g²           (mean of recent squared gradients)
        m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)     (bias correction)
        w ← w − η m̂ / (√v̂ + ε)

    The last line is computed in the algebraically identical form
    ``w ← w − η_t m / (√v + ε̂)`` with ``η_t = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)`` and
    ``ε̂ = ε √(1 − β₂ᵗ)``, which saves two passes over the arrays.

    Parameters
    ----------
    learning_rate : float, optional
        The step size η. Default 0.001.
    beta1, beta2 : float, optional
        Decay of the first and second moment averages. Defaults 0.9 and 0.999.
    eps : float, optional
        Keeps the division finite where v̂ is zero. Default 1e-8.

    Examples
    --------
    Thanks to bias correction, the first step has size ≈ η whatever the gradient:

    >>> w = np.array([0.0, 0.0])
    >>> Adam(learning_rate=0.01).step([w], [np.array([1000.0, -0.001])])
    >>> print(np.round(w, 6))
    [-0.01  0.01]
    """

    def __init__(
        self,
        learning_rate: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        flush_every: int = 50,
    ):
        super().__init__(learning_rate, flush_every)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"expected 0 <= {name} < 1, got {beta}")
        if not eps > 0:
            raise ValueError(f"expected a positive eps, got {eps}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self._decay = min((b for b in (self.beta1, self.beta2) if b > 0), default=0.5)  # m shrinks fastest

    def _buffers(self):
        return ("m", "v")

    def _update(self, p, g, state, lr):
        m, v, scratch = state["m"], state["v"], state["scratch"]
        b1, b2, t = self.beta1, self.beta2, self.t
        m *= b1
        np.multiply(g, 1.0 - b1, out=scratch)
        m += scratch  # m ← β₁ m + (1 − β₁) g
        v *= b2
        np.multiply(g, g, out=scratch)
        scratch *= 1.0 - b2
        v += scratch  # v ← β₂ v + (1 − β₂) g²
        correction2 = math.sqrt(1.0 - b2**t)
        step_size = lr * correction2 / (1.0 - b1**t)  # η √(1 − β₂ᵗ) / (1 − β₁ᵗ)
        np.sqrt(v, out=scratch)
        scratch += self.eps * correction2  # √v + ε̂
        np.divide(m, scratch, out=scratch)
        scratch *= step_size
        p -= scratch  # w ← w − η m̂ / (√v̂ + ε)
# --8<-- [end:adam]


# --8<-- [start:adamw]
class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (Loshchilov and Hutter).

    Step t does Adam's moment updates and bias corrections, then

        w ← w − η (m̂ / (√ŝ + ε) + λ w)

    The decay λ w is scaled by the learning rate but not by Adam's denominator
    √ŝ + ε, unlike an L2 term added to the gradient, which Adam would rescale.
    The decay uses the parameters as they were before this step.

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

    def __init__(
        self,
        learning_rate: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.01,
        flush_every: int = 50,
    ):
        super().__init__(learning_rate, beta1, beta2, epsilon, flush_every)
        if not weight_decay >= 0:
            raise ValueError(f"expected weight_decay >= 0, got {weight_decay}")
        self.weight_decay = float(weight_decay)

    @property
    def epsilon(self) -> float:
        return self.eps

    def _update(self, p, g, state, lr):
        if self.weight_decay:
            p *= 1.0 - lr * self.weight_decay  # w ← w − η λ w (Adam's step does not depend on w)
        super()._update(p, g, state, lr)  # w ← w − η m̂ / (√ŝ + ε)
# --8<-- [end:adamw]
