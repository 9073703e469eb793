"""The optimizers' performance machinery: fused in-place updates and the subnormal flush.

The chapter *Gradient descent and optimizers* shows each optimizer's ``update`` written
like its equations, ``p -= learning_rate * g``. Written that way, every arithmetic
operation allocates a new array, and the trainer steps hundreds of times per epoch.
This module builds on [`neuralbook.optimizers`][neuralbook.optimizers] (which knows
nothing of it): [`step`][neuralbook.fastpath.step] takes the same step as
[`Optimizer.step`][neuralbook.optimizers.Optimizer.step], with the same arithmetic done
in place, into one scratch buffer per parameter, and flushes decaying buffers. The
trainer steps through it; the appendix *Performance and robustness* explains both parts.

Two things live here:

* **fused updates** (`KERNELS`): for SGD, momentum, Adam and AdamW, a function
  ``kernel(optimizer, p, g, state)`` that does what ``optimizer.update(p, g, state)``
  does, with in-place NumPy operations (``np.multiply(g, lr, out=scratch)``) and Python
  floats as scalars, so float32 stays float32. Adam's is the folded form
  ``w ← w − η_t m / (√s + ε̂)`` with ``η_t = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)`` and
  ``ε̂ = ε √(1 − β₂ᵗ)``, algebraically identical to the textbook form and two passes
  over the arrays shorter. Only the exact classes are fused: a subclass that overrides
  ``update`` runs its own code. The tests check every kernel against the readable update
  and against an independent implementation.
* **the subnormal flush** (`flush_subnormals`, `flush`): buffers of parameters that
  never receive a gradient (dead ReLU units, input pixels that are always zero) decay
  geometrically towards zero and would become *subnormal* floats, on which arithmetic is
  many times slower on some processors. Every ``flush_every`` steps each decaying
  buffer entry small enough to turn subnormal before the next flush is set to exactly zero; once an entry is zero
  and its gradient is zero it stays exactly zero.

Examples
--------
>>> import numpy as np
>>> from neuralbook.optimizers import SGD
>>> optimizer = SGD(learning_rate=0.5)
>>> fused, readable = np.array([1.0]), np.array([1.0])
>>> step(optimizer, [fused], [np.array([0.5])])
>>> SGD(learning_rate=0.5).step([readable], [np.array([0.5])])
>>> print(fused, readable)
[0.75] [0.75]
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from neuralbook.optimizers import SGD, Adam, AdamW, Momentum

__all__ = [
    "FLUSH_EVERY", "KERNELS", "step", "Fast", "fused_update", "flush_subnormals", "count_subnormals", "flush",
    "flush_threshold",
]

#: How many steps `step` takes between two flushes of the decaying buffers, by default.
FLUSH_EVERY = 50
"""How many steps `step` takes between two flushes of the decaying buffers, by default."""


def _scratch(p: np.ndarray, state: dict) -> np.ndarray:
    """The parameter's scratch buffer, allocated on first use (like ``p``) and kept in its state."""
    scratch = state.get("scratch")
    if scratch is None:
        scratch = state["scratch"] = np.empty_like(p)
    return scratch


def sgd_kernel(optimizer, p, g, state):
    """SGD's update in place: ``p -= learning_rate * g`` without a temporary array."""
    scratch = _scratch(p, state)
    np.multiply(g, optimizer.learning_rate, out=scratch)  # η g
    p -= scratch  # w ← w − η g


def momentum_kernel(optimizer, p, g, state):
    """Momentum's update in place: v ← β v − η g, w ← w + v."""
    v, scratch = state["velocity"], _scratch(p, state)
    v *= optimizer.beta  # β v
    np.multiply(g, optimizer.learning_rate, out=scratch)  # η g
    v -= scratch  # v ← β v − η g
    p += v  # w ← w + v


def adam_kernel(optimizer, p, g, state):
    """Adam's update in place, in the folded form ``w ← w − η_t m / (√s + ε̂)``."""
    m, s, scratch = state["m"], state["s"], _scratch(p, state)
    b1, b2, t = optimizer.beta1, optimizer.beta2, optimizer.t
    m *= b1
    np.multiply(g, 1.0 - b1, out=scratch)
    m += scratch  # m ← β₁ m + (1 − β₁) g
    s *= b2
    np.multiply(g, g, out=scratch)
    scratch *= 1.0 - b2
    s += scratch  # s ← β₂ s + (1 − β₂) g²
    correction2 = math.sqrt(1.0 - b2**t)
    step_size = optimizer.learning_rate * correction2 / (1.0 - b1**t)  # η_t = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)
    np.sqrt(s, out=scratch)
    scratch += optimizer.epsilon * correction2  # √s + ε̂
    np.divide(m, scratch, out=scratch)
    scratch *= step_size
    p -= scratch  # w ← w − η m̂ / (√ŝ + ε)


def adamw_kernel(optimizer, p, g, state):
    """AdamW's update in place: the decay w ← (1 − η λ) w, then Adam's step (which does not depend on w)."""
    if optimizer.weight_decay:
        p *= 1.0 - optimizer.learning_rate * optimizer.weight_decay
    adam_kernel(optimizer, p, g, state)


#: The fused update of each optimizer class (exact classes only).
KERNELS: dict = {SGD: sgd_kernel, Momentum: momentum_kernel, Adam: adam_kernel, AdamW: adamw_kernel}
"""The fused update of each optimizer class (exact classes only)."""


def fused_update(optimizer):
    """The function ``update(p, g, state)`` that ``step`` runs: the fused kernel of the optimizer's class, else its own ``update``.

    Parameters
    ----------
    optimizer : neuralbook.optimizers.Optimizer
        Any optimizer.

    Returns
    -------
    callable
        ``update(p, g, state)``, changing ``p`` and ``state`` in place.
    """
    kernel = KERNELS.get(type(optimizer))
    if kernel is None:
        return optimizer.update
    return partial(kernel, optimizer)


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


def step(optimizer, params, grads, flush_every: int = FLUSH_EVERY) -> None:
    """Take the optimizer's step, fused where a kernel exists, and flush its decaying buffers every ``flush_every`` steps.

    Does what ``optimizer.step(params, grads)`` does (the same checks, state, step
    count and update, up to rounding), with the update of `fused_update`; then, if
    the step count is a multiple of ``flush_every``, calls `flush`.

    Parameters
    ----------
    optimizer : neuralbook.optimizers.Optimizer
        Any optimizer; its state and step count change as in its own ``step``.
    params, grads : list of numpy.ndarray
        As for [`Optimizer.step`][neuralbook.optimizers.Optimizer.step].
    flush_every : int, optional
        Steps between two flushes; ``0`` switches the flush off (to show what goes
        wrong without it). Default `FLUSH_EVERY`.

    Examples
    --------
    >>> from neuralbook.optimizers import Momentum
    >>> w = np.array([1.0])
    >>> optimizer = Momentum(learning_rate=0.1, beta=0.9)
    >>> for _ in range(2):
    ...     step(optimizer, [w], [np.array([1.0])])
    >>> print(np.round(w, 4), optimizer.t)
    [0.71] 2
    """
    if isinstance(flush_every, bool) or int(flush_every) != flush_every or flush_every < 0:
        raise ValueError(f"expected a whole number flush_every >= 0, got {flush_every!r}")
    grads = optimizer.checked(params, grads)
    if optimizer.state is None:
        optimizer.state = [optimizer.new_state(p) for p in params]
    optimizer.t += 1
    update = fused_update(optimizer)
    for p, g, state in zip(params, grads, optimizer.state):
        update(p, g, state)
    if flush_every and optimizer.decaying and optimizer.t % flush_every == 0:
        flush(optimizer, flush_every)


class Fast:
    """An optimizer seen through the fast path: its ``step`` is this module's `step`.

    The trainer hands ``Fast(optimizer)`` to [`train_epoch`][neuralbook.training.train_epoch],
    whose code calls ``optimizer.step`` like any optimizer's. Everything else (the learning
    rate, ``t``, the state) is read from the optimizer itself, which the steps change.

    Parameters
    ----------
    optimizer : neuralbook.optimizers.Optimizer
        The optimizer to step.
    flush_every : int, optional
        Steps between two flushes of its decaying buffers (0: never). Default `FLUSH_EVERY`.

    Examples
    --------
    >>> from neuralbook.optimizers import Adam
    >>> adam = Adam(learning_rate=0.01)
    >>> w = np.array([0.0])
    >>> Fast(adam).step([w], [np.array([5.0])])
    >>> print(np.round(w, 6), adam.t)
    [-0.01] 1
    """

    def __init__(self, optimizer, flush_every: int = FLUSH_EVERY):
        self.optimizer = optimizer
        self.flush_every = flush_every

    def step(self, params, grads) -> None:
        """Update every parameter array in place, as ``optimizer.step`` would, on the fast path."""
        step(self.optimizer, params, grads, self.flush_every)

    def __getattr__(self, name):
        return getattr(self.optimizer, name)

    def __repr__(self) -> str:
        return f"Fast({self.optimizer!r})"


def flush_threshold(optimizer, dtype, flush_every: int = FLUSH_EVERY) -> float:
    """Entries below this are zeroed by `flush`: ``tiny / β**(flush_every + 1)``.

    ``tiny`` is the smallest normal number of ``dtype`` and β the smallest decay factor
    of the optimizer's buffers (the fastest decay, ``optimizer.decays``). An entry fed
    zero gradients shrinks by β each step, so it is either zeroed now or still normal at
    the next flush: such buffers never hold a subnormal.

    Examples
    --------
    >>> from neuralbook.optimizers import Momentum
    >>> print(f"{flush_threshold(Momentum(0.1, beta=0.9), np.float32):.2e}")
    2.53e-36
    """
    positive = [beta for beta in optimizer.decays() if beta > 0]
    fastest = min(positive, default=0.5)  # with β = 0 nothing lingers; any factor will do
    tiny = float(np.finfo(dtype).tiny)
    return tiny / fastest ** (max(flush_every, 1) + 1)


def flush(optimizer, flush_every: int = FLUSH_EVERY) -> int:
    """Zero every entry of the optimizer's decaying buffers that could turn subnormal before the next flush.

    The decaying buffers are the arrays of each parameter's state named in
    ``optimizer.decaying``. Returns how many entries were zeroed.
    """
    if not optimizer.state:
        return 0
    total = 0
    for state in optimizer.state:
        for name in optimizer.decaying:
            buffer = state[name]
            total += flush_subnormals(buffer, flush_threshold(optimizer, buffer.dtype, flush_every))
    return total
