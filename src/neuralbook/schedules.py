"""Learning-rate schedules: the learning rate as a function of the epoch.

The chapter *Gradient descent and optimizers* explains them. A schedule is a callable
that maps an epoch number ``e`` (counting from 0) to a learning rate; the training loop
sets ``optimizer.learning_rate = schedule(e)`` at the start of every epoch.

| schedule | learning rate in epoch e |
|---|---|
| [`Constant`][neuralbook.schedules.Constant] | η(e) = η₀ |
| [`StepDecay`][neuralbook.schedules.StepDecay] | η(e) = η₀ · factor^⌊e / every⌋ |
| [`ExponentialDecay`][neuralbook.schedules.ExponentialDecay] | η(e) = η₀ · rate^e |
| [`CosineAnnealing`][neuralbook.schedules.CosineAnnealing] | η(e) = η_min + ½ (η₀ − η_min)(1 + cos(π e / T)), e ≤ T |
| [`Warmup`][neuralbook.schedules.Warmup] | η(e) = η_after(0) · (e + 1) / (W + 1) for e < W, then η_after(e − W) |
| [`HalveOnPlateau`][neuralbook.schedules.HalveOnPlateau] | η₀ · factor^k after the validation accuracy has stalled k times (Nielsen's rule) |

The counter is called the epoch because the trainer calls a schedule once per epoch; a
loop that calls it once per step gets a schedule over steps (warm-up is often counted in
steps).

Examples
--------
>>> schedule = StepDecay(0.1, factor=0.5, every=10)
>>> [schedule(e) for e in (0, 9, 10, 25)]
[0.1, 0.1, 0.05, 0.025]
"""

from __future__ import annotations

import math

__all__ = ["Schedule", "Constant", "StepDecay", "ExponentialDecay", "CosineAnnealing", "Warmup", "HalveOnPlateau"]


def _check_epoch(epoch) -> int:
    if isinstance(epoch, bool) or int(epoch) != epoch or epoch < 0:
        raise ValueError(f"expected an epoch number 0, 1, 2, ..., got {epoch!r}")
    return int(epoch)


def _check_positive(name: str, value: float) -> float:
    if not value > 0:
        raise ValueError(f"expected a positive {name}, got {value}")
    return float(value)


class Schedule:
    """Base class: ``schedule(epoch) -> learning rate``, epochs counted from 0."""

    initial: float

    def __call__(self, epoch: int) -> float:
        return self._at(_check_epoch(epoch))

    def _at(self, epoch: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


# --8<-- [start:constant]
class Constant(Schedule):
    """The same learning rate in every epoch: η(e) = η₀.

    Examples
    --------
    >>> Constant(0.01)(42)
    0.01
    """

    def __init__(self, initial: float):
        self.initial = _check_positive("initial learning rate", initial)

    def _at(self, epoch: int) -> float:
        return self.initial
# --8<-- [end:constant]


# --8<-- [start:step]
class StepDecay(Schedule):
    """Multiply the learning rate by ``factor`` every ``every`` epochs.

    η(e) = η₀ · factor^⌊e / every⌋

    Parameters
    ----------
    initial : float
        η₀, the learning rate of epochs 0 to ``every - 1``.
    factor : float, optional
        The multiplier applied at each drop, 0 < factor ≤ 1. Default 0.5.
    every : int, optional
        The number of epochs between drops. Default 10.

    Examples
    --------
    >>> s = StepDecay(0.1, factor=0.5, every=10)
    >>> [s(e) for e in (0, 10, 20)]
    [0.1, 0.05, 0.025]
    """

    def __init__(self, initial: float, factor: float = 0.5, every: int = 10):
        self.initial = _check_positive("initial learning rate", initial)
        if not 0 < factor <= 1:
            raise ValueError(f"expected 0 < factor <= 1, got {factor}")
        if isinstance(every, bool) or int(every) != every or every < 1:
            raise ValueError(f"expected a whole number of epochs every >= 1, got {every!r}")
        self.factor = float(factor)
        self.every = int(every)

    def _at(self, epoch: int) -> float:
        return self.initial * self.factor ** (epoch // self.every)
# --8<-- [end:step]


# --8<-- [start:exponential]
class ExponentialDecay(Schedule):
    """Multiply the learning rate by ``rate`` every epoch.

    η(e) = η₀ · rate^e

    Parameters
    ----------
    initial : float
        η₀, the learning rate of epoch 0.
    rate : float
        The per-epoch multiplier, 0 < rate ≤ 1 (0.95 loses 5% per epoch).

    Examples
    --------
    >>> s = ExponentialDecay(0.1, rate=0.9)
    >>> print(round(s(2), 6))
    0.081
    """

    def __init__(self, initial: float, rate: float):
        self.initial = _check_positive("initial learning rate", initial)
        if not 0 < rate <= 1:
            raise ValueError(f"expected 0 < rate <= 1, got {rate}")
        self.rate = float(rate)

    def _at(self, epoch: int) -> float:
        return self.initial * self.rate**epoch
# --8<-- [end:exponential]


# --8<-- [start:cosine]
class CosineAnnealing(Schedule):
    """Lower the learning rate along half a cosine wave, from η₀ to ``minimum``.

    η(e) = η_min + ½ (η₀ − η_min) (1 + cos(π e / T))   for e ≤ T, and η_min after.

    Parameters
    ----------
    initial : float
        η₀, the learning rate of epoch 0.
    total_epochs : int
        T: the epoch at which the rate reaches ``minimum``.
    minimum : float, optional
        η_min, the final learning rate. Default 0.

    Examples
    --------
    >>> s = CosineAnnealing(0.1, total_epochs=10)
    >>> [round(s(e), 4) for e in (0, 5, 10)]
    [0.1, 0.05, 0.0]
    """

    def __init__(self, initial: float, total_epochs: int, minimum: float = 0.0):
        self.initial = _check_positive("initial learning rate", initial)
        if isinstance(total_epochs, bool) or int(total_epochs) != total_epochs or total_epochs < 1:
            raise ValueError(f"expected a whole number total_epochs >= 1, got {total_epochs!r}")
        if not 0 <= minimum <= initial:
            raise ValueError(f"expected 0 <= minimum <= initial ({initial}), got {minimum}")
        self.total_epochs = int(total_epochs)
        self.minimum = float(minimum)

    def _at(self, epoch: int) -> float:
        progress = min(epoch, self.total_epochs) / self.total_epochs
        return self.minimum + 0.5 * (self.initial - self.minimum) * (1.0 + math.cos(math.pi * progress))
# --8<-- [end:cosine]


# --8<-- [start:warmup]
class Warmup(Schedule):
    """Raise the learning rate linearly for the first few epochs, then follow another schedule.

    η(e) = η_after(0) · (e + 1) / (W + 1)   for e < W,   and η_after(e − W) after,

    so the rate climbs in W equal steps towards the wrapped schedule's first rate, which
    it reaches in epoch W; the wrapped schedule then runs as if training started there.

    Parameters
    ----------
    after : Schedule or float
        The schedule to follow once the warm-up is over (a number means a constant rate).
    epochs : int
        W, the number of warm-up epochs (or steps, if the caller counts steps), ≥ 1.

    Examples
    --------
    >>> s = Warmup(CosineAnnealing(0.1, total_epochs=4), epochs=3)
    >>> [round(s(e), 4) for e in range(8)]
    [0.025, 0.05, 0.075, 0.1, 0.0854, 0.05, 0.0146, 0.0]
    """

    def __init__(self, after, epochs: int):
        if isinstance(after, (int, float)) and not isinstance(after, bool):
            after = Constant(after)
        if not isinstance(after, Schedule):
            raise TypeError(f"expected a Schedule or a learning rate to follow the warm-up, got {type(after).__name__}")
        if isinstance(epochs, bool) or int(epochs) != epochs or epochs < 1:
            raise ValueError(f"expected a whole number of warm-up epochs >= 1, got {epochs!r}")
        self.after = after
        self.epochs = int(epochs)
        self.initial = after(0) / (self.epochs + 1)

    def _at(self, epoch: int) -> float:
        if epoch < self.epochs:
            return self.after(0) * (epoch + 1) / (self.epochs + 1)
        return self.after(epoch - self.epochs)
# --8<-- [end:warmup]


# --8<-- [start:halve_on_plateau]
class HalveOnPlateau(Schedule):
    """Halve the learning rate each time the validation accuracy stops improving, as Nielsen proposes.

    The rule watches the validation accuracy after every epoch. When ``patience``
    epochs in a row have not beaten the best accuracy so far (Nielsen's
    *no-improvement-in-ten* rule, with the default 10), the rate is multiplied by
    ``factor`` and the count starts again from zero; the best accuracy is kept. Once
    the rate has dropped to ``smallest`` times its start (Nielsen's 1/128: seven
    halvings), `observe` returns ``True``: training is over.

    Unlike the other schedules it depends on what it has seen, not on the epoch
    number: call [`observe`][neuralbook.schedules.HalveOnPlateau.observe] with each
    epoch's validation accuracy (``train``'s ``on_epoch`` can do it and stop the run
    when ``observe`` returns ``True``).

    Parameters
    ----------
    initial : float
        η₀, the learning rate until the first plateau.
    patience : int, optional
        Epochs without a better validation accuracy before the rate drops. Default 10.
    factor : float, optional
        The multiplier at each drop, 0 < factor < 1. Default 0.5.
    smallest : float, optional
        Stop when the rate has dropped to this fraction of η₀ (0 < smallest < 1).
        Default 1/128.

    Examples
    --------
    >>> s = HalveOnPlateau(0.8, patience=2, smallest=1 / 4)
    >>> [s.observe(a) for a in (0.5, 0.6, 0.6, 0.55)], s(4)
    ([False, False, False, False], 0.4)
    >>> [s.observe(a) for a in (0.7, 0.7, 0.7)], s(7), s.drops
    ([False, False, True], 0.2, [4, 7])
    """

    def __init__(self, initial: float, patience: int = 10, factor: float = 0.5, smallest: float = 1 / 128):
        self.initial = _check_positive("initial learning rate", initial)
        if isinstance(patience, bool) or int(patience) != patience or patience < 1:
            raise ValueError(f"expected a whole number of epochs patience >= 1, got {patience!r}")
        if not 0 < factor < 1:
            raise ValueError(f"expected 0 < factor < 1, got {factor}")
        if not 0 < smallest < 1:
            raise ValueError(f"expected 0 < smallest < 1, got {smallest}")
        self.patience = int(patience)
        self.factor = float(factor)
        self.smallest = float(smallest)
        self.rate = self.initial
        self.best = -math.inf
        self.stalled = 0
        self.seen = 0
        self.drops: list[int] = []
        self.finished = False

    def _at(self, epoch: int) -> float:
        return self.rate

    def observe(self, validation_accuracy: float) -> bool:
        """Take one epoch's validation accuracy; return ``True`` once training should stop."""
        if self.finished:
            raise RuntimeError("the rule has already stopped the run: its rate reached its smallest")
        if not math.isfinite(validation_accuracy):
            raise ValueError(f"expected a finite validation accuracy, got {validation_accuracy}")
        self.seen += 1
        if validation_accuracy > self.best:
            self.best, self.stalled = validation_accuracy, 0
            return False
        self.stalled += 1
        if self.stalled < self.patience:
            return False
        self.stalled = 0
        self.rate *= self.factor
        self.drops.append(self.seen)  # the epochs after which the rate dropped
        self.finished = self.rate <= self.smallest * self.initial * (1 + 1e-12)
        return self.finished
# --8<-- [end:halve_on_plateau]
