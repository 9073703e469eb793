"""The training loop: mini-batches, epochs, evaluation, early stopping.

The chapters *Training your first network on MNIST* and *Training better* explain it.
One **epoch** is one pass over the training set. The loop shuffles the training set at
the start of every epoch (with a seeded `numpy.random.Generator`, so the same
seed gives the same run), cuts it into **mini-batches** of ``batch_size`` examples and
takes one optimizer step per batch: one **iteration**. With n training examples an
epoch has ⌈n / batch_size⌉ iterations; the last batch holds the remainder when
``batch_size`` does not divide n.

After each epoch it records the training loss (the mean over the epoch's batches,
weighted by their sizes), the accuracy on the training set and on the validation set,
and the seconds the epoch took, in a [`History`][neuralbook.training.History].

Two guards stop a run early:

* **early stopping**: with ``patience=p``, training stops when the validation accuracy
  has not improved for ``p`` epochs, and the parameters of the best epoch are put back;
* **divergence**: if the loss becomes NaN or infinite, [`TrainingDiverged`][neuralbook.training.TrainingDiverged] is
  raised at once with a message that names the likely cause (a learning rate that is
  too high, or a weight decay that is too large). With ``guard=True`` (as
  ``neuralbook train`` runs) a run that fails while its loss stays finite is stopped
  the same way: a loss far above its start, exploding weights, or an accuracy still
  at chance level after a few hundred steps.

Examples
--------
A tiny problem: is the first of two numbers larger than the second?

>>> import numpy as np
>>> from neuralbook.network import Network
>>> from neuralbook.optimizers import SGD
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(500, 2)).astype(np.float32)
>>> labels = (x[:, 0] > x[:, 1]).astype(np.int64)
>>> net = Network([2, 8, 2], seed=0)
>>> history = train(net, x, labels, epochs=5, batch_size=20, optimizer=SGD(0.5), seed=0, progress=False)
>>> len(history), history[-1].train_accuracy > 0.95
(5, True)
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, TextIO

import numpy as np

from neuralbook import fastpath
from neuralbook.augmentation import random_shift
from neuralbook.losses import NotFiniteError

if TYPE_CHECKING:
    from collections.abc import Callable

    from neuralbook.network import Network
    from neuralbook.optimizers import Optimizer

__all__ = [
    "EpochRecord",
    "History",
    "TrainingDiverged",
    "train",
    "train_epoch",
    "accuracy_of",
    "iterations_per_epoch",
    "ProgressBar",
]


# --8<-- [start:arithmetic]
def iterations_per_epoch(n_examples: int, batch_size: int) -> tuple[int, int, int]:
    """How an epoch is cut into mini-batches.

    Parameters
    ----------
    n_examples : int
        Size of the training set.
    batch_size : int
        Examples per mini-batch.

    Returns
    -------
    iterations : int
        Optimizer steps per epoch, ⌈n_examples / batch_size⌉.
    full_batches : int
        Batches of exactly ``batch_size`` examples, ⌊n_examples / batch_size⌋.
    last_batch : int
        Size of the final, smaller batch (0 when ``batch_size`` divides ``n_examples``).

    Examples
    --------
    >>> iterations_per_epoch(60_000, 64)
    (938, 937, 32)
    >>> iterations_per_epoch(50_000, 10)
    (5000, 5000, 0)
    """
    if n_examples < 1 or batch_size < 1:
        raise ValueError(f"expected positive n_examples and batch_size, got {n_examples} and {batch_size}")
    full_batches, last_batch = divmod(n_examples, batch_size)
    return full_batches + (last_batch > 0), full_batches, last_batch
# --8<-- [end:arithmetic]


@dataclass
class EpochRecord:
    """What one epoch of training measured.

    Attributes
    ----------
    epoch : int
        Counting from 1.
    learning_rate : float
        The optimizer's learning rate during this epoch.
    train_loss : float
        Mean loss over the epoch's mini-batches (weighted by batch size), measured
        while training (with dropout and augmentation, if any; without the L2
        penalty): each batch is measured before its step, so the network changes
        during the epoch.
    train_accuracy : float or None
        Accuracy on the whole training set after the epoch (``None`` if not measured).
    validation_accuracy : float or None
        Accuracy on the validation set after the epoch (``None`` without one).
    validation_loss : float or None
        Loss on the validation set after the epoch.
    seconds : float
        Wall-clock time of the epoch's training steps (shuffling included, evaluation not).
    evaluation_seconds : float
        Time spent measuring the accuracies and the losses.
    train_loss_end : float or None
        Loss on the whole training set after the epoch, measured like
        ``validation_loss`` (no dropout, no augmentation, no L2 penalty, the network
        of the end of the epoch): the training loss to compare with the validation
        loss on equal terms (``None`` if not measured).
    """

    epoch: int
    learning_rate: float
    train_loss: float
    train_accuracy: float | None
    validation_accuracy: float | None
    validation_loss: float | None
    seconds: float
    evaluation_seconds: float = 0.0
    train_loss_end: float | None = None


@dataclass
class History:
    """The per-epoch records of a training run, and how it ended.

    Behaves like a list of [`EpochRecord`][neuralbook.training.EpochRecord] (``len(history)``, ``history[-1]``),
    and gives each quantity as a list with `column`.

    Attributes
    ----------
    records : list of EpochRecord
    stopped_early : bool
        Whether early stopping ended the run before the last epoch.
    best_epoch : int or None
        The epoch (from 1) with the highest validation accuracy; with early stopping
        the returned network holds that epoch's parameters.
    """

    records: list[EpochRecord] = field(default_factory=list)
    stopped_early: bool = False
    best_epoch: int | None = None

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index):
        return self.records[index]

    def __iter__(self):
        return iter(self.records)

    def column(self, name: str) -> list:
        """One quantity for every epoch, e.g. ``history.column("validation_accuracy")``."""
        names = [f.name for f in fields(EpochRecord)]
        if name not in names:
            raise KeyError(f"no column {name!r}; expected one of: {', '.join(names)}")
        return [getattr(record, name) for record in self.records]

    @property
    def best_validation_accuracy(self) -> float | None:
        """The highest validation accuracy of any epoch (``None`` without validation)."""
        values = [v for v in self.column("validation_accuracy") if v is not None]
        return max(values) if values else None

    def to_dict(self) -> dict:
        """Plain data (lists, numbers) for JSON or [`neuralbook.serialization.save_model`][neuralbook.serialization.save_model]."""
        return {
            "records": [asdict(record) for record in self.records],
            "stopped_early": self.stopped_early,
            "best_epoch": self.best_epoch,
        }

    @classmethod
    def from_dict(cls, data: dict) -> History:
        """The inverse of `to_dict`.

        Examples
        --------
        >>> h = History([EpochRecord(1, 0.1, 0.5, 0.9, 0.88, 0.4, 1.5)], best_epoch=1)
        >>> History.from_dict(h.to_dict()) == h
        True
        """
        known = {f.name for f in fields(EpochRecord)}
        records = [EpochRecord(**{k: v for k, v in r.items() if k in known}) for r in data.get("records", [])]
        return cls(records, bool(data.get("stopped_early", False)), data.get("best_epoch"))


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite. ``history`` holds the epochs completed before."""

    def __init__(self, message: str, history: History, epoch: int, iteration: int):
        super().__init__(message)
        self.history = history
        self.epoch = epoch
        self.iteration = iteration


class _LossNotFinite(FloatingPointError):
    def __init__(self, loss, iteration):
        super().__init__(f"the loss became {loss} at iteration {iteration}")
        self.iteration = iteration


class ProgressBar:
    """A one-line progress bar on a terminal, redrawn in place with ``\\r``.

    Silent unless ``enabled``; redraws at most every ``interval`` seconds so that
    drawing never slows training down. The loss it shows is the mean of the batch
    losses so far in the epoch: a single batch's loss jumps around too much to read.
    """

    def __init__(self, total: int, label: str = "", enabled: bool = True, stream: TextIO | None = None,
                 interval: float = 0.1, width: int = 30):
        self.total, self.label, self.enabled = total, label, enabled
        self.stream = stream if stream is not None else sys.stderr
        self.interval, self.width = interval, width
        self._last = -math.inf
        self._loss_sum, self._losses = 0.0, 0

    def update(self, done: int, loss: float | None = None) -> None:
        if not self.enabled:
            return
        if loss is not None:
            self._loss_sum += loss
            self._losses += 1
        now = time.perf_counter()
        if now - self._last < self.interval and done < self.total:
            return
        self._last = now
        filled = int(self.width * done / self.total)
        bar = "#" * filled + "-" * (self.width - filled)
        text = f"\r{self.label} [{bar}] {done}/{self.total}"
        if self._losses:
            text += f"  loss {self._loss_sum / self._losses:.4f}"
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * (len(self.label) + self.width + 40) + "\r")
            self.stream.flush()


def _stream_is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def accuracy_of(network: Network, images: np.ndarray, labels: np.typing.ArrayLike, batch_size: int = 10_000) -> float:
    """Fraction of ``images`` whose predicted class equals ``labels``.

    Predicts in chunks of ``batch_size`` rows to bound memory (with
    [`predict_classes`][neuralbook.evaluation.predict_classes]).

    Examples
    --------
    >>> from neuralbook.network import Network
    >>> net = Network([4, 3], seed=0)
    >>> x = np.eye(4, dtype=np.float32)
    >>> print(accuracy_of(net, x, net.predict(x)))
    1.0
    """
    from neuralbook.evaluation import accuracy, predict_classes

    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"expected one integer label per image, shape ({len(images)},), got shape {labels.shape}"
        )
    return accuracy(labels, predict_classes(network, images, batch_size))


def _loss_of(network, images, targets, batch_size: int = 10_000) -> float:
    """Mean loss over a data set, in chunks (no dropout) of bounded memory."""
    from neuralbook.evaluation import rows_per_batch

    batch_size = rows_per_batch(network, batch_size)
    total = 0.0
    for start in range(0, len(images), batch_size):
        chunk = images[start : start + batch_size]
        total += network.loss(chunk, targets[start : start + batch_size]) * len(chunk)
    return total / len(images)


def _class_labels(targets) -> np.ndarray:
    """Integer class labels, shape (n,), from the (n, k) targets built by `_targets`."""
    return targets.argmax(axis=1) if targets.shape[1] > 1 else targets[:, 0].astype(np.int64)


def _targets(network, labels) -> np.ndarray:
    """Targets in the network's dtype, built once (not per batch).

    Integer class labels become one-hot rows ([`one_hot`][neuralbook.datasets.one_hot],
    which refuses labels outside ``0 .. k - 1``); for a single output, labels 0 and 1
    become a column; rows that are already ``(n, k)`` are kept.
    """
    from neuralbook.datasets import one_hot

    labels = np.asarray(labels)
    k = network.sizes[-1]
    if labels.ndim == 2:
        return labels.astype(network.dtype, copy=False)
    if k == 1:
        return labels.reshape(-1, 1).astype(network.dtype)
    return one_hot(labels, num_classes=k, dtype=network.dtype)


def _weights(network) -> list[np.ndarray]:
    """The weight matrices (not the biases): the arrays L2 weight decay shrinks."""
    return [p for p in network.parameters() if p.ndim == 2]


# --8<-- [start:epoch]
def train_epoch(network: Network, optimizer: Optimizer | fastpath.Fast, images: np.ndarray, targets: np.ndarray, batch_size: int,
                rng: np.random.Generator, *, weight_decay: float = 0.0, shuffle: bool = True, augment: int = 0,
                on_batch: Callable[[int, float], object] | None = None) -> float:
    """One epoch: shuffle, cut into mini-batches, one optimizer step per batch.

    Parameters
    ----------
    network : neuralbook.network.Network
        Trained in place.
    optimizer : neuralbook.optimizers.Optimizer
        Its ``step(params, grads)`` updates the parameters.
    images : numpy.ndarray, shape (n, n_in)
        Training inputs, one per row, in the network's dtype.
    targets : numpy.ndarray, shape (n, k)
        One-hot targets, in the network's dtype.
    batch_size : int
        Examples per mini-batch; the last batch holds the remainder.
    rng : numpy.random.Generator
        Draws the shuffle (and the dropout masks).
    weight_decay : float
        L2 coefficient λ: the loss gains (λ/2) Σ w² over all weights, so each weight
        gradient gains λ w. Biases are not decayed.
    shuffle : bool
        Visit the examples in a new random order (``True``; always, in practice) or
        in the order given (to show what goes wrong without shuffling).
    augment : int
        Move each image of a batch by a random shift of up to ``augment`` pixels in
        each direction before the step (0: off; see
        [`random_shift`][neuralbook.augmentation.random_shift]). Square images only.
    on_batch : callable, optional
        Called as ``on_batch(iterations_done, loss)`` after each step.

    Returns
    -------
    float
        Mean training loss over the epoch (weighted by batch size).
    """
    n = len(images)
    # A new random order every epoch. Each batch gathers its rows from the data with
    # one indexing operation: a small copy that stays in the processor's cache,
    # much faster than shuffling the whole data set in memory.
    order = rng.permutation(n) if shuffle else np.arange(n)
    parameters = network.parameters()
    weights = {id(w) for w in _weights(network)}
    total_loss = 0.0
    for i, start in enumerate(range(0, n, batch_size)):
        batch = order[start : start + batch_size]
        x, y = images[batch], targets[batch]
        if augment:
            x = random_shift(x, rng, augment)  # a new random shift for every image, every epoch
        try:
            loss, gradients = network.loss_and_gradients(x, y, rng=rng)
        except NotFiniteError:  # the loss refuses the network's NaN or infinite outputs
            loss = math.nan
        if not math.isfinite(loss):  # NaN or infinity: stop before it spreads
            raise _LossNotFinite(loss, i + 1)
        if weight_decay:
            for p, g in zip(parameters, gradients):
                if id(p) in weights:
                    g += weight_decay * p  # ∂/∂w of (λ/2) w² is λ w
        optimizer.step(parameters, gradients)
        total_loss += loss * len(x)
        if on_batch is not None:
            on_batch(i + 1, loss)
    return total_loss / n
# --8<-- [end:epoch]


def _diverged_message(error, epoch, optimizer, weight_decay: float = 0.0) -> str:
    """What went wrong, where, and what to try first.

    Weight decay is named as the likely cause when it is large enough to do harm on
    its own: when η λ >= 1, a plain gradient step multiplies every weight by
    1 - η λ <= 0, so the weights flip sign and grow instead of shrinking; when
    λ >= 1, the penalty (λ/2) Σ w² outweighs the data's loss (a few units at most)
    and the weights are pulled to zero whatever the optimizer.
    """
    learning_rate = getattr(optimizer, "learning_rate", None)
    name = type(optimizer).__name__
    if weight_decay and (weight_decay >= 1 or (learning_rate or 0) * weight_decay >= 1):
        return (
            f"training diverged in epoch {epoch}: {error}. "
            f"The most likely cause is a weight decay that is too large (it is {weight_decay}, "
            f"with a learning rate of {learning_rate} with {name}); try a far smaller one: "
            f"the book's values are 0.0001 to 0.001."
        )
    return (
        f"training diverged in epoch {epoch}: {error}. "
        f"The most likely cause is a learning rate that is too high "
        f"(it is {learning_rate} with {name}); "
        f"try one ten times smaller. Other causes: unnormalised inputs (pixels 0-255 "
        f"instead of 0-1) or an initialisation with too large weights."
    )


#: The divergence guard's bounds (see `_failure`).
LOSS_GROWTH = 10.0
"""A run has diverged when an epoch's mean loss is this many times above the larger of its start and ln k."""
LARGEST_WEIGHT = 1e4
"""A run has diverged when a parameter grows larger than this in magnitude."""
CHANCE_MARGIN = 0.05
"""A run has not learned when its accuracy is at most 1/k plus this after `GUARD_STEPS` steps."""
GUARD_STEPS = 200
"""Optimizer steps after which a network that is still at chance level has failed."""


def _failure(record, *, start_loss, start_parameters, parameters, steps, num_classes) -> tuple[str, bool] | None:
    """Why a finished epoch shows a failed run, or ``None`` if nothing is wrong.

    Returns ``(what happened, diverged)``: ``diverged`` is false for a network that
    barely moved (a learning rate too small rather than too large). The rules, each
    far from any run that works, so that they never stop one:

    * **the loss exploded**: the epoch's mean loss is more than `LOSS_GROWTH` times
      the larger of the loss at the start and ln k (the cross-entropy of a guess at
      chance among k classes). A run that learns only goes down from there; Adam at
      η = 1 on MNIST reaches 57 in its first epoch (start 2.3), at η = 10⁶ about 10²⁰,
      while the loss stays finite, so the NaN guard never fires.
    * **the weights exploded**: a parameter is NaN, infinite, or larger than
      `LARGEST_WEIGHT` (the book's trained models stay below 10).
    * **no learning**: after at least `GUARD_STEPS` optimizer steps, the accuracy
      (on the training set, else the validation set) is within `CHANCE_MARGIN` of
      chance, 1/k. Two hundred steps take any working setting of the book well past
      it (the quick preset is above 90% after one epoch, 782 steps). The network is
      judged to have diverged if its parameters moved by at least half their own
      size (their norm), and to have barely moved otherwise.
    """
    chance_loss = math.log(num_classes) if num_classes > 1 else math.log(2)
    reference = max(start_loss, chance_loss)
    if record.train_loss > LOSS_GROWTH * reference:
        return (f"the mean loss of the epoch is {record.train_loss:.4g}, more than {LOSS_GROWTH:g} times "
                f"its start ({start_loss:.4g})", True)
    largests = [float(np.max(np.abs(p))) if p.size else 0.0 for p in parameters]
    largest = max(largests)
    if not all(math.isfinite(value) for value in largests):
        return "a weight became NaN or infinite", True
    if largest > LARGEST_WEIGHT:
        return f"a weight reached {largest:.3g} (trained networks stay below 10)", True
    accuracy = record.train_accuracy if record.train_accuracy is not None else record.validation_accuracy
    chance = 1 / max(num_classes, 2)
    if steps >= GUARD_STEPS and accuracy is not None and accuracy <= chance + CHANCE_MARGIN:
        moved = math.sqrt(sum(float(np.sum((p.astype(np.float64) - q) ** 2)) for p, q in zip(parameters, start_parameters)))
        size = math.sqrt(sum(float(np.sum(q**2)) for q in start_parameters))
        what = (f"the accuracy is {100 * accuracy:.1f}% after {steps} steps, chance level "
                f"for {max(num_classes, 2)} classes")
        return what, moved >= 0.5 * size
    return None


def _not_learning_message(what, epoch, optimizer) -> str:
    learning_rate = getattr(optimizer, "learning_rate", None)
    return (
        f"training failed in epoch {epoch}: {what}, and the weights have barely moved. "
        f"The most likely cause is a learning rate that is too small (it is {learning_rate} "
        f"with {type(optimizer).__name__}); try one ten times larger."
    )


# --8<-- [start:train]
def train(
    network: Network,
    train_images: np.typing.ArrayLike,
    train_labels: np.typing.ArrayLike,
    *,
    epochs: int,
    batch_size: int,
    optimizer: Optimizer,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    schedule: Callable[[int], float] | None = None,
    weight_decay: float = 0.0,
    patience: int | None = None,
    seed: int = 0,
    shuffle: bool = True,
    augment: int = 0,
    measure_train_accuracy: bool = True,
    measure_train_loss: bool = False,
    progress: bool | None = None,
    on_epoch: Callable[[EpochRecord], object] | None = None,
    guard: bool = False,
) -> History:
    """Train ``network`` in place with mini-batch gradient descent; return its History.

    Parameters
    ----------
    network : neuralbook.network.Network
        The network to train; its parameters are updated in place.
    train_images : numpy.ndarray, shape (n, n_in)
        Training inputs, one per row (cast once to the network's dtype).
    train_labels : numpy.ndarray, shape (n,)
        Integer class labels (or one-hot rows of shape (n, k)).
    epochs : int
        The largest number of passes over the training set.
    batch_size : int
        Examples per mini-batch.
    optimizer : neuralbook.optimizers.Optimizer
        SGD, Momentum or Adam.
    validation : tuple (images, labels), optional
        Measured after every epoch; needed for early stopping.
    schedule : callable, optional
        ``schedule(epoch) -> learning rate``, epochs counted from 0; sets
        ``optimizer.learning_rate`` at the start of every epoch.
    weight_decay : float
        L2 regularisation strength λ (see [`train_epoch`][neuralbook.training.train_epoch]).
    patience : int, optional
        Stop when the validation accuracy has not improved for this many epochs, and
        restore the parameters of the best epoch.
    seed : int
        Seeds the generator that shuffles the batches and draws dropout masks.
    shuffle : bool
        Reshuffle the training set every epoch (see [`train_epoch`][neuralbook.training.train_epoch]).
    augment : int
        Random shifts of up to this many pixels for every training image of every
        batch (0: off; see [`train_epoch`][neuralbook.training.train_epoch]).
    measure_train_accuracy : bool
        Measure the accuracy on the whole training set after every epoch (a forward
        pass over it: about a third of an epoch's cost).
    measure_train_loss : bool
        Also measure the loss on the whole training set after every epoch, on the same
        terms as the validation loss (``EpochRecord.train_loss_end``; another forward
        pass).
    progress : bool, optional
        Draw a progress bar on stderr; by default only when stderr is a terminal.
    on_epoch : callable, optional
        Called with each [`EpochRecord`][neuralbook.training.EpochRecord] as soon as it is measured;
        if it returns ``True``, training stops after this epoch (as
        [`HalveOnPlateau.observe`][neuralbook.schedules.HalveOnPlateau.observe] does once its rate is spent).
    guard : bool
        Also stop, with `TrainingDiverged`, a run that fails while its loss stays
        finite: a loss far above its start, exploding weights, or an accuracy still at
        chance level after a few hundred steps (see `_failure`). Off by default, so
        that the book can show such runs to the end; ``neuralbook train`` turns it on.

    Returns
    -------
    History
        One [`EpochRecord`][neuralbook.training.EpochRecord] per epoch trained.

    Raises
    ------
    TrainingDiverged
        If the loss becomes NaN or infinite (or, with ``guard``, the run fails
        otherwise); its ``history`` holds the finished epochs.
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"expected epochs >= 1 and batch_size >= 1, got {epochs} and {batch_size}")
    if patience is not None and validation is None:
        raise ValueError("early stopping (patience) needs a validation set")
    images = np.asarray(train_images).astype(network.dtype, copy=False)
    targets = _targets(network, train_labels)
    labels = _class_labels(targets)
    if len(images) != len(targets):
        raise ValueError(f"expected as many labels as images, got {len(targets)} labels for {len(images)} images")
    if not np.isfinite(images).all():  # checked once, so that a NaN later means divergence
        raise ValueError("the training images contain NaN or infinity")
    if validation is not None:
        if len(validation[0]) == 0:
            raise ValueError("expected at least one validation example, got 0")
        validation_images = np.asarray(validation[0]).astype(network.dtype, copy=False)
        validation_targets = _targets(network, validation[1])
        validation_labels = _class_labels(validation_targets)  # also from one-hot rows
        if len(validation_images) != len(validation_targets):
            raise ValueError(
                f"expected as many validation labels as validation images, got "
                f"{len(validation_targets)} labels for {len(validation_images)} images"
            )
    rng = np.random.default_rng(seed)
    iterations = iterations_per_epoch(len(images), batch_size)[0]
    show = _stream_is_terminal(sys.stderr) if progress is None else progress

    if guard:
        start_parameters = [p.astype(np.float64) for p in network.parameters()]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            start_loss = _loss_of(network, images[:1000], targets[:1000])
    history = History()
    best_accuracy, best_parameters, epochs_without_improvement = -1.0, None, 0
    for epoch in range(epochs):
        if schedule is not None:
            optimizer.learning_rate = schedule(epoch)
        bar = ProgressBar(iterations, label=f"epoch {epoch + 1}/{epochs}", enabled=show)
        start = time.perf_counter()
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                train_loss = train_epoch(
                    network, fastpath.Fast(optimizer), images, targets, batch_size, rng,
                    weight_decay=weight_decay, shuffle=shuffle, augment=augment, on_batch=bar.update,
                )
        except _LossNotFinite as error:
            bar.close()
            message = _diverged_message(error, epoch + 1, optimizer, weight_decay)
            raise TrainingDiverged(message, history, epoch + 1, error.iteration) from None
        seconds = time.perf_counter() - start
        bar.close()

        start = time.perf_counter()
        record = EpochRecord(
            epoch=epoch + 1,
            learning_rate=float(optimizer.learning_rate),
            train_loss=float(train_loss),
            train_accuracy=accuracy_of(network, images, labels) if measure_train_accuracy else None,
            validation_accuracy=None,
            validation_loss=None,
            seconds=seconds,
        )
        if measure_train_loss:
            record.train_loss_end = _loss_of(network, images, targets)
        if validation is not None:
            record.validation_accuracy = accuracy_of(network, validation_images, validation_labels)
            record.validation_loss = _loss_of(network, validation_images, validation_targets)
        record.evaluation_seconds = time.perf_counter() - start
        history.records.append(record)
        stop = on_epoch is not None and on_epoch(record) is True
        if guard:
            failure = _failure(record, start_loss=start_loss, start_parameters=start_parameters,
                               parameters=network.parameters(), steps=(epoch + 1) * iterations,
                               num_classes=max(network.sizes[-1], 2))
            if failure is not None:
                what, diverged = failure
                message = (_diverged_message(what, epoch + 1, optimizer, weight_decay) if diverged
                           else _not_learning_message(what, epoch + 1, optimizer))
                raise TrainingDiverged(message, history, epoch + 1, iterations)

        if validation is not None:  # early stopping on validation accuracy
            if record.validation_accuracy is not None and record.validation_accuracy > best_accuracy:
                best_accuracy, history.best_epoch = record.validation_accuracy, record.epoch
                epochs_without_improvement = 0
                if patience is not None:
                    best_parameters = [p.copy() for p in network.parameters()]
            else:
                epochs_without_improvement += 1
                if patience is not None and epochs_without_improvement >= patience:
                    history.stopped_early = epoch + 1 < epochs
                    break
        if stop:
            history.stopped_early = epoch + 1 < epochs
            break
    if best_parameters is not None:
        for p, best in zip(network.parameters(), best_parameters):
            p[...] = best  # put back the parameters of the best epoch
    return history
# --8<-- [end:train]
