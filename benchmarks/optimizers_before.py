"""The optimizers as they were before the readable rewrite (neuralbook 1279d40), for the benchmark.

A copy kept only so that ``bench_training.py`` can time today's trainer against the one
before, side by side in the same run. Not part of the package; never imported by it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def flush_subnormals(buffer: np.ndarray, threshold: float | None = None) -> int:
    if threshold is None:
        threshold = float(np.finfo(buffer.dtype).tiny)
    small = np.abs(buffer) < threshold
    small &= buffer != 0
    count = int(np.count_nonzero(small))
    if count:
        buffer[small] = 0
    return count


class BeforeOptimizer:

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
        if not self._state:
            return 0
        total = 0
        for state in self._state:
            for name in self._buffers():
                buffer = state[name]
                total += flush_subnormals(buffer, self.flush_threshold(buffer.dtype))
        return total

    def flush_threshold(self, dtype) -> float:
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


class BeforeSGD(BeforeOptimizer):

    def _update(self, p, g, state, lr):
        np.multiply(g, lr, out=state["scratch"])  # η g
        p -= state["scratch"]  # w ← w − η g


class BeforeMomentum(BeforeOptimizer):

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


class BeforeAdam(BeforeOptimizer):

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
