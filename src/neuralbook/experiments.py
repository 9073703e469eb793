"""The book's training runs: presets, ablations, and the results the chapters cite.

A run is described by a [`TrainingConfig`][neuralbook.experiments.TrainingConfig]: the network (layer sizes,
activation, output, loss, initialisation, dropout), the optimizer and its learning
rate and schedule, L2 weight decay, batch size, epochs, seed and dtype, and how the
data are split. [`run`][neuralbook.experiments.run] trains it with [`neuralbook.training.train`][neuralbook.training.train] on MNIST
and, when asked (for a final model), measures the test accuracy once, at the end.
Every comparison the book draws is run with each of the seeds `SEEDS`;
[`run_seeds`][neuralbook.experiments.run_seeds] keeps every seed's run.

| preset | what it trains |
|---|---|
| ``quick`` | a first run: [784, 128, 64, 10], Adam, two epochs, well under a minute |
| ``nielsen`` | Nielsen's chapter-1 ``network.py``: [784, 30, 10], sigmoid, quadratic cost, every weight and bias from N(0, 1), SGD η = 3.0, batch 10, 30 epochs, trained on 50,000 images |
| ``nielsen-wide`` | the same with 100 hidden neurons |
| ``modern`` | [784, 128, 64, 10], ReLU, softmax + cross-entropy, He, Adam, batch 128, cosine schedule, dropout 0.1 (chosen on the validation set), 30 epochs on all 60,000 images |

[`write_results`][neuralbook.reproduce.write_results] (the command ``neuralbook results``) re-runs every measured
result of the book and writes them into ``neuralbook/results/``; [`load_result`][neuralbook.experiments.load_result]
reads one back (the chapters use it in their checks).

Examples
--------
>>> config = PRESETS["nielsen"]
>>> config.sizes, config.optimizer, config.learning_rate, config.batch_size, config.epochs
([784, 30, 10], 'sgd', 3.0, 10, 30)
>>> network, optimizer, schedule = build(config)
>>> network.parameter_count
23860
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neuralbook.files import atomic_write

from neuralbook.training import History, TrainingDiverged, accuracy_of, iterations_per_epoch, train

if TYPE_CHECKING:
    from neuralbook.network import Network

__all__ = [
    "TrainingConfig",
    "RunResult",
    "PRESETS",
    "ABLATIONS",
    "build",
    "make_optimizer",
    "make_schedule",
    "prepare_data",
    "run",
    "run_seeds",
    "run_to_dict",
    "SEEDS",
    "load_result",
    "RESULT_FILES",
    "choice_flattery",
    "COST_SEEDS",
    "TEST_CHOICE_SPLITS",
]

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")

#: The seeds of every comparison: each setting the book compares is trained once with each.
SEEDS = (0, 1, 2, 3, 4)
"""The seeds of every comparison: each setting the book compares is trained once with each."""
SCHEDULES = ("constant", "step", "exponential", "cosine")


# --8<-- [start:config]
@dataclass(frozen=True)
class TrainingConfig:
    """Everything that decides a training run.

    Attributes
    ----------
    sizes : list of int
        Neurons per layer, input first.
    hidden_activation, output, loss, init : str
        As for [`neuralbook.network.Network`][neuralbook.network.Network].
    optimizer : str
        ``"sgd"``, ``"momentum"``, ``"nesterov"`` (Nesterov momentum), ``"adagrad"``,
        ``"rmsprop"``, ``"adam"`` or ``"adamw"`` (Adam with decoupled weight decay).
    learning_rate : float
        The (initial) learning rate η.
    momentum : float
        β of the momentum optimizer (and β₁ of Adam).
    schedule : str
        ``"constant"``, ``"step"`` (× ``decay_factor`` every ``decay_every`` epochs),
        ``"exponential"`` (× ``decay_factor`` every epoch) or ``"cosine"`` (to 0 over
        ``epochs``).
    weight_decay : float
        L2 strength λ: the cost gains (λ/2) Σ w². With ``"adamw"`` it is the
        decoupled decay rate instead: each step also shrinks every weight by
        η · weight_decay · w, outside Adam's scaling, and no L2 term is added.
    dropout : float
        Probability of dropping a hidden activation during training.
    batch_size, epochs, seed : int
    dtype : str
        ``"float32"`` (fast) or ``"float64"`` (exact).
    validation_size : int
        Examples held out from the end of the 60,000 training images for validation
        (0: train on all 60,000, no validation).
    train_size : int or None
        Use only the first ``train_size`` training images (after the split).
    patience : int or None
        Early stopping patience (epochs without a better validation accuracy).
    shuffle : bool
        Reshuffle every epoch.
    pixel_scale : float
        Multiplies the pixels (1.0: values in [0, 1]; 255.0 shows what happens
        without normalisation).
    sort_by_label : bool
        Sort the training set by digit (with ``shuffle=False``, every batch holds a single digit).
    validate_on_test : bool
        Measure the *test* set after every epoch in place of the validation set: only
        to show how choosing by the test set flatters the result. Never do it otherwise.
    augment : int
        Data augmentation: move every training image of every batch by a random shift
        of up to this many pixels in each direction (0: off).
    """

    sizes: list = field(default_factory=lambda: [784, 128, 64, 10])
    hidden_activation: str = "relu"
    output: str = "softmax"
    loss: str = "cross_entropy"
    init: str = "he"
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.9
    schedule: str = "constant"
    decay_factor: float = 0.5
    decay_every: int = 10
    weight_decay: float = 0.0
    dropout: float = 0.0
    batch_size: int = 128
    epochs: int = 10
    seed: int = 0
    dtype: str = "float32"
    validation_size: int = 10_000
    train_size: int | None = None
    patience: int | None = None
    shuffle: bool = True
    pixel_scale: float = 1.0
    sort_by_label: bool = False
    validate_on_test: bool = False
    augment: int = 0

    def replace(self, **changes) -> TrainingConfig:
        """A copy with some fields changed (and its own list of sizes, shared with no other config)."""
        return dataclasses.replace(self, **({"sizes": list(self.sizes)} | changes))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainingConfig:
        """The config a results file recorded; fields added to the class since take their defaults.

        Examples
        --------
        >>> stored = PRESETS["quick"].to_dict()
        >>> del stored["augment"]  # a file written before augmentation existed
        >>> TrainingConfig.from_dict(stored) == PRESETS["quick"]
        True
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown config fields {unknown}; expected some of: {', '.join(sorted(names))}")
        return cls(**data)
# --8<-- [end:config]


# --8<-- [start:presets]
PRESETS = {
    "quick": TrainingConfig(
        sizes=[784, 128, 64, 10], optimizer="adam", learning_rate=2e-3, batch_size=64, epochs=2,
    ),
    # Nielsen's chapter-1 network.py: every weight and bias from N(0, 1) (np.random.randn).
    "nielsen": TrainingConfig(
        sizes=[784, 30, 10], hidden_activation="sigmoid", output="sigmoid", loss="quadratic",
        init="standard_normal", optimizer="sgd", learning_rate=3.0, batch_size=10, epochs=30,
    ),
    "nielsen-wide": TrainingConfig(
        sizes=[784, 100, 10], hidden_activation="sigmoid", output="sigmoid", loss="quadratic",
        init="standard_normal", optimizer="sgd", learning_rate=3.0, batch_size=10, epochs=30,
    ),
    # The relu-adam ablation row with a cosine schedule (a default, checked: SCHEDULE_CHECK) and
    # dropout 0.1 (chosen on the validation set: MODERN_CANDIDATES), then trained on all 60,000 images.
    "modern": TrainingConfig(
        sizes=[784, 128, 64, 10], hidden_activation="relu", output="softmax", loss="cross_entropy",
        init="he", optimizer="adam", learning_rate=1e-3, schedule="cosine", dropout=0.1,
        batch_size=128, epochs=30, validation_size=0,
    ),
}
# --8<-- [end:presets]
"""The trainer's named configurations, name -> `TrainingConfig` (`neuralbook train --preset NAME`)."""

#: One line about each preset, for ``neuralbook train --help``.
PRESET_DESCRIPTIONS = {
    "quick": "a first run: [784, 128, 64, 10], ReLU, Adam, 2 epochs (well under a minute)",
    "nielsen": "Nielsen's network.py: [784, 30, 10], sigmoid, quadratic cost, N(0, 1) start, SGD eta=3.0, batch 10, 30 epochs",
    "nielsen-wide": "the same with 100 hidden neurons: [784, 100, 10]",
    "modern": "[784, 128, 64, 10], ReLU, softmax + cross-entropy, He, Adam, cosine schedule, dropout 0.1, 30 epochs on all 60,000 images",
}


def make_optimizer(config: TrainingConfig):
    """The optimizer a config names, with its learning rate.

    Examples
    --------
    >>> [type(make_optimizer(PRESETS["quick"].replace(optimizer=name))).__name__ for name in OPTIMIZERS]
    ['SGD', 'Momentum', 'Nesterov', 'AdaGrad', 'RMSProp', 'Adam', 'AdamW']
    """
    from neuralbook.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp

    if config.optimizer == "sgd":
        return SGD(config.learning_rate)
    if config.optimizer == "momentum":
        return Momentum(config.learning_rate, beta=config.momentum)
    if config.optimizer == "nesterov":
        return Nesterov(config.learning_rate, beta=config.momentum)
    if config.optimizer == "adagrad":
        return AdaGrad(config.learning_rate)
    if config.optimizer == "rmsprop":
        return RMSProp(config.learning_rate)  # its own beta (0.9), for the squared gradients
    if config.optimizer == "adam":
        return Adam(config.learning_rate, beta1=config.momentum)
    if config.optimizer == "adamw":
        from neuralbook.optimizers import AdamW

        return AdamW(config.learning_rate, beta1=config.momentum, weight_decay=config.weight_decay)
    raise ValueError(f"unknown optimizer {config.optimizer!r}; expected one of: {', '.join(OPTIMIZERS)}")


def make_schedule(config: TrainingConfig):
    """The learning-rate schedule a config names (``None`` for a constant rate)."""
    from neuralbook.schedules import CosineAnnealing, ExponentialDecay, StepDecay

    if config.schedule == "constant":
        return None
    if config.schedule == "step":
        return StepDecay(config.learning_rate, factor=config.decay_factor, every=config.decay_every)
    if config.schedule == "exponential":
        return ExponentialDecay(config.learning_rate, rate=config.decay_factor)
    if config.schedule == "cosine":
        return CosineAnnealing(config.learning_rate, total_epochs=config.epochs)
    raise ValueError(f"unknown schedule {config.schedule!r}; expected one of: {', '.join(SCHEDULES)}")


def build(config: TrainingConfig):
    """The network, optimizer and schedule of a config: ``(network, optimizer, schedule)``."""
    from neuralbook.network import Network

    network = Network(
        config.sizes, hidden_activation=config.hidden_activation, output=config.output, loss=config.loss,
        init=config.init, seed=config.seed, dtype=np.dtype(config.dtype), dropout=config.dropout,
    )
    return network, make_optimizer(config), make_schedule(config)


@dataclass
class Split:
    """Training, validation and test arrays for one run."""

    train_images: np.ndarray
    train_labels: np.ndarray
    validation_images: np.ndarray | None
    validation_labels: np.ndarray | None
    test_images: np.ndarray
    test_labels: np.ndarray


def prepare_data(config: TrainingConfig, data) -> Split:
    """Cut MNIST (a [`neuralbook.datasets.MnistData`][neuralbook.datasets.MnistData]) as ``config`` says."""
    from neuralbook.datasets import train_validation_split

    images, labels = data.train_images, data.train_labels
    if config.validation_size:
        images, labels, validation_images, validation_labels = train_validation_split(
            images, labels, validation_size=config.validation_size
        )
    else:
        validation_images = validation_labels = None
    if config.train_size is not None:
        images, labels = images[: config.train_size], labels[: config.train_size]
    if config.sort_by_label:
        order = np.argsort(labels, kind="stable")
        images, labels = images[order], labels[order]
    test_images = data.test_images
    if config.validate_on_test:
        validation_images, validation_labels = data.test_images, data.test_labels
    if config.pixel_scale != 1.0:
        scale = np.float32(config.pixel_scale)
        images, test_images = images * scale, test_images * scale
        if validation_images is not None:
            validation_images = validation_images * scale
    return Split(images, labels, validation_images, validation_labels, test_images, data.test_labels)


@dataclass
class RunResult:
    """A trained network, its history, and its accuracy on the test set (if measured)."""

    config: TrainingConfig
    network: Network
    history: History
    test_accuracy: float | None
    train_size: int
    diverged: str | None = None
    diverged_epoch: int | None = None
    diverged_iteration: int | None = None


# --8<-- [start:run]
def run(config: TrainingConfig, data, *, measure_test=True, measure_train_loss=False, measure_train_accuracy=True, progress=None, on_epoch=None,
        guard=False, schedule=None) -> RunResult:
    """Train the network of ``config`` on ``data`` (MNIST); measure the test set only if asked.

    ``measure_test=False`` is for every run that takes part in a choice or a
    comparison: its test accuracy is never computed (``test_accuracy`` is ``None``).
    Only a final model, once nothing is left to choose, is measured on the test set.
    ``measure_train_loss`` also measures the loss on the whole training set after
    every epoch, on the same terms as the validation loss. If training diverges (NaN
    loss), the result says so in ``diverged`` instead of raising, with the epoch and
    iteration where it happened. ``guard`` also stops a run that fails while its loss
    stays finite (see [`train`][neuralbook.training.train]). ``schedule`` replaces the
    config's own, for a rule that no config names (one that watches the validation
    accuracy through ``on_epoch``).
    """
    split = prepare_data(config, data)
    network, optimizer, config_schedule = build(config)
    schedule = config_schedule if schedule is None else schedule
    validation = None
    if split.validation_images is not None:
        validation = (split.validation_images, split.validation_labels)
    l2 = 0.0 if config.optimizer == "adamw" else config.weight_decay  # AdamW decays the weights itself
    try:
        history = train(
            network, split.train_images, split.train_labels, epochs=config.epochs, batch_size=config.batch_size,
            optimizer=optimizer, validation=validation, schedule=schedule, weight_decay=l2,
            patience=config.patience, seed=config.seed, shuffle=config.shuffle, augment=config.augment,
            measure_train_loss=measure_train_loss, measure_train_accuracy=measure_train_accuracy,
            progress=progress, on_epoch=on_epoch, guard=guard,
        )
    except TrainingDiverged as error:
        return RunResult(config, network, error.history, None, len(split.train_images), str(error), error.epoch, error.iteration)
    test_accuracy = accuracy_of(network, split.test_images, split.test_labels) if measure_test else None
    return RunResult(config, network, history, test_accuracy, len(split.train_images))
# --8<-- [end:run]


def run_to_dict(result: RunResult, name: str = "") -> dict:
    """Plain data (for JSON) describing a run: config, per-epoch table, test accuracy if measured."""
    config = result.config
    iterations, full_batches, last_batch = iterations_per_epoch(result.train_size, config.batch_size)
    history = result.history.to_dict()
    entry = {
        "name": name,
        "config": config.to_dict(),
        "parameter_count": int(result.network.parameter_count),
        "train_size": result.train_size,
        "iterations_per_epoch": iterations,
        "full_batches": full_batches,
        "last_batch": last_batch,
        "history": history,
        "epochs_trained": len(result.history),
        "test_accuracy": result.test_accuracy,
        "final_validation_accuracy": result.history[-1].validation_accuracy if len(result.history) else None,
        "best_validation_accuracy": result.history.best_validation_accuracy,
        "seconds_per_epoch": (
            float(np.mean([r.seconds for r in result.history])) if len(result.history) else None
        ),
        "total_seconds": float(sum(r.seconds + r.evaluation_seconds for r in result.history)),
        "diverged": result.diverged,
        "diverged_epoch": result.diverged_epoch,
        "diverged_iteration": result.diverged_iteration,
    }
    if result.test_accuracy is None and result.diverged is None:
        del entry["test_accuracy"]  # never measured: a run that takes part in a choice
    return entry


# --- Ablations: one change at a time ---------------------------------------------------

#: The epochs of every ablation row: the presets' full budget, so each row says where a
#: change leaves the network, not only how fast it starts. The histories keep every epoch,
#: so the table can show each row after its first epochs as well (see `EARLY_EPOCHS`).
ABLATION_EPOCHS = 30

#: The early point of the ablation table, a tenth of its budget: how fast a change starts to pay.
EARLY_EPOCHS = 3

_SIGMOID_BASE = PRESETS["nielsen"].replace(epochs=ABLATION_EPOCHS)
_RELU_BASE = PRESETS["modern"].replace(schedule="constant", dropout=0.0, epochs=ABLATION_EPOCHS, validation_size=10_000)
_CH3 = _SIGMOID_BASE.replace(loss="cross_entropy", learning_rate=0.5, init="nielsen_ch3")

# --8<-- [start:ablations]
#: name -> (what changes, config). Each row changes one thing from the row that
#: ABLATION_BASELINES names (the cost comes with its own learning rate), except the
#: first row of each of the two blocks: ``relu-sgd`` is a new baseline, not a one-change row.
ABLATIONS = {
    "quadratic": ("Nielsen's chapter-1 network: N(0, 1) start, sigmoid, quadratic cost, SGD eta=3.0, batch 10", _SIGMOID_BASE),
    "cross-entropy": ("cross-entropy cost instead of quadratic (with Nielsen's eta=0.5)", _SIGMOID_BASE.replace(loss="cross_entropy", learning_rate=0.5)),
    "ch3-init": ("Nielsen's chapter-3 start: weights from N(0, 1/n_in)", _CH3),
    "softmax": ("a softmax output layer instead of ten sigmoids", _CH3.replace(output="softmax")),
    "xavier": ("Xavier initialisation, biases 0", _CH3.replace(output="softmax", init="xavier")),
    "relu-sgd": ("a new baseline: [784, 128, 64, 10], ReLU, He init, softmax, plain SGD eta=0.1, batch 128", _RELU_BASE.replace(optimizer="sgd", learning_rate=0.1)),
    "relu-momentum": ("momentum (beta=0.9) instead of plain SGD", _RELU_BASE.replace(optimizer="momentum", learning_rate=0.1)),
    "relu-adam": ("Adam (eta=0.001) instead of momentum", _RELU_BASE),
    "adam-l2": ("Adam with L2 regularisation lambda=1e-4", _RELU_BASE.replace(weight_decay=1e-4)),
    "adam-dropout": ("Adam with dropout 0.1", _RELU_BASE.replace(dropout=0.1)),
    "adam-cosine": ("Adam with a cosine learning-rate schedule", _RELU_BASE.replace(schedule="cosine")),
}
# --8<-- [end:ablations]
"""name -> (what changes, config); each row changes one thing from the row it names."""

#: The first row of each block of the table: a baseline of its own, compared with no row
#: (``relu-sgd`` changes the architecture, activation, initialisation, batch and rate at once).
ABLATION_BLOCKS = ("quadratic", "relu-sgd")

#: The row each ablation is compared with (every row but the first of each block).
ABLATION_BASELINES = {
    "cross-entropy": "quadratic",
    "ch3-init": "cross-entropy",
    "softmax": "ch3-init",
    "xavier": "softmax",
    "relu-momentum": "relu-sgd",
    "relu-adam": "relu-momentum",
    "adam-l2": "relu-adam",
    "adam-dropout": "relu-adam",
    "adam-cosine": "relu-adam",
}

#: Decoupled weight decay (AdamW) on the ``relu-adam`` row, at two strengths, to compare
#: with coupled L2 (the ``adam-l2`` row: the gradient gains lambda*w, then Adam rescales
#: it). AdamW applies the decay outside Adam's scaling, to every parameter it updates.
DECAY = {
    "adamw-0.01": ("AdamW, weight decay 0.01", _RELU_BASE.replace(optimizer="adamw", weight_decay=0.01)),
    "adamw-0.1": ("AdamW, weight decay 0.1", _RELU_BASE.replace(optimizer="adamw", weight_decay=0.1)),
}

#: The epochs of each candidate of the selection: the final budget, the presets' 30, because
#: the choice is about the final network (a choice after fewer epochs would be a choice about
#: which candidate starts faster).
SELECTION_EPOCHS = 30

#: Where the search for the ``modern`` preset started: the ``relu-adam`` ablation with a
#: cosine schedule.
_MODERN_START = TrainingConfig(
    sizes=[784, 128, 64, 10], hidden_activation="relu", output="softmax", loss="cross_entropy",
    init="he", optimizer="adam", learning_rate=1e-3, schedule="cosine", batch_size=128, epochs=SELECTION_EPOCHS,
)
#: The candidates the ``modern`` preset was chosen from: each trained on 50,000 images
#: for `SELECTION_EPOCHS` epochs with every seed of `SEEDS`; the one with the best *mean*
#: validation accuracy after its last epoch wins, and is then trained for 30 epochs on all
#: 60,000 images. The test set plays no part in the choice (the candidates' test accuracy
#: is never measured).
MODERN_CANDIDATES = {
    "no-dropout": ("Adam, cosine schedule", _MODERN_START),
    "dropout-0.1": ("the same with dropout 0.1", _MODERN_START.replace(dropout=0.1)),
}

#: A default the selection did not choose, checked at the same budget on the validation set:
#: the cosine schedule of every candidate against a constant learning rate (no dropout).
SCHEDULE_CHECK = {"constant": ("Adam, constant learning rate", _MODERN_START.replace(schedule="constant"))}

# --- The final networks, over the seeds, and what they must beat -------------------------

#: Nielsen's network (the ``nielsen`` preset) once with each seed of `SEEDS`: final models,
#: so each is measured on the test set, to compare with the numbers Nielsen published.
NIELSEN_SEEDS = {"nielsen": (PRESET_DESCRIPTIONS["nielsen"], PRESETS["nielsen"])}

#: The networks with no hidden layer, each one change from a network of the book: Nielsen's
#: own exercise (his chapter-1 network without its hidden layer) and softmax regression
#: (the ``softmax`` ablation row without its hidden layer). Same 50,000 images, same 30
#: epochs, every seed of `SEEDS`, measured on the validation set.
NO_HIDDEN_LAYER = {
    "nielsen-no-hidden": ("Nielsen's network with no hidden layer: [784, 10], sigmoid, quadratic cost, SGD eta=3.0", PRESETS["nielsen"].replace(sizes=[784, 10])),
    "softmax-regression": ("softmax regression: [784, 10], softmax + cross-entropy, SGD eta=0.5", _CH3.replace(output="softmax", sizes=[784, 10], epochs=PRESETS["nielsen"].epochs)),
}

#: The baselines Nielsen reports on the test set (his chapter 1), in percent: each digit's
#: average darkness, and scikit-learn's SVM with its default settings.
NIELSEN_BASELINES = {"darkness": 22.25, "svm": 94.35}


# --- Nielsen's chapter 3: regularisation where it matters ---------------------------------

#: Epochs of the 1,000-image runs: Nielsen's 400.
OVERFITTING_EPOCHS = 400

#: The deliberately overfitting run (Nielsen's experiment in his chapter 3, with his
#: settings there): the ``cross-entropy`` ablation's network (N(0, 1) start, as his
#: ``large_weight_initializer`` draws it, cross-entropy, eta=0.5, batch 10) on only the
#: first 1,000 images.
OVERFITTING = ABLATIONS["cross-entropy"][1].replace(train_size=1000, epochs=OVERFITTING_EPOCHS)

#: Nielsen's L2 strength for the 1,000-image run, in his units: his cost adds
#: (lambda / 2n) sum w**2 with n the training-set size, so in the book's units
#: (the cost adds (lambda / 2) sum w**2) it is 0.1 / 1000.
NIELSEN_LAMBDA = 0.1
NIELSEN_LAMBDA_IN_BOOK_UNITS = NIELSEN_LAMBDA / 1000

#: The L2 strengths tried on the 1,000-image run; the validation set picks one.
L2_GRID = (1e-4, 1e-3)

#: The 1,000-image run and its cures, each with every seed of `SEEDS`.
REGULARISATION = {
    "none": ("no regularisation", OVERFITTING),
    **{f"l2-{lam:g}": (f"L2, lambda={lam:g}", OVERFITTING.replace(weight_decay=lam)) for lam in L2_GRID},
    "dropout-0.2": ("dropout 0.2 on the hidden layer", OVERFITTING.replace(dropout=0.2)),
    "shift-2": ("every image moved by a random shift of up to 2 pixels each way, every epoch", OVERFITTING.replace(augment=2)),
}

#: The first debugging step: a fresh network must be able to learn one small batch by heart.
ONE_BATCH = PRESETS["quick"].replace(train_size=64, batch_size=64, epochs=100, learning_rate=1e-3)

#: Common mistakes, each measured on the validation set: what goes wrong and by how much.
MISTAKES = {
    "baseline": ("the quick preset, done right", PRESETS["quick"]),
    "no-normalisation": ("pixels 0-255 instead of 0-1", PRESETS["quick"].replace(pixel_scale=255.0)),
    "sorted-no-shuffle": (
        "training set sorted by digit and never shuffled",
        PRESETS["quick"].replace(sort_by_label=True, shuffle=False),
    ),
    "sorted-shuffled": ("the same sorted set, shuffled every epoch", PRESETS["quick"].replace(sort_by_label=True)),
    "shuffled-once": ("shuffled once, then the same order every epoch", PRESETS["quick"].replace(shuffle=False)),
    "too-high-learning-rate": (
        "Nielsen's network with eta=300 instead of 3",
        PRESETS["nielsen"].replace(epochs=2, learning_rate=300.0),
    ),
    "too-high-learning-rate-relu": (
        "the ReLU network with SGD eta=5",
        PRESETS["quick"].replace(optimizer="sgd", learning_rate=5.0),
    ),
    "nan-learning-rate": (
        "a leaky-ReLU network with SGD eta=5",
        PRESETS["quick"].replace(hidden_activation="leaky_relu", optimizer="sgd", learning_rate=5.0),
    ),
    "nan-fixed": (
        "the same with eta=0.1",
        PRESETS["quick"].replace(hidden_activation="leaky_relu", optimizer="sgd", learning_rate=0.1),
    ),
}

#: The mistakes that are comparisons (run with every seed); the others are shown with
#: seed 0 only: a run that ends at chance level, or diverges, needs no error bar.
MISTAKE_COMPARISONS = ("baseline", "no-normalisation", "shuffled-once")

#: Tuning on the test set: the same early-stopping rule (patience 10), applied once to
#: the validation accuracy (honest) and once to the test accuracy (leaked).
LEAKAGE_PATIENCE = 10
LEAKAGE = {
    "honest": ("early stopping on the validation set, then the test set once", OVERFITTING.replace(patience=LEAKAGE_PATIENCE)),
    "leaked": ("early stopping on the test set itself", OVERFITTING.replace(patience=LEAKAGE_PATIENCE, validate_on_test=True)),
}


#: How many random halvings of the test set `choice_flattery` averages over.
TEST_CHOICE_SPLITS = 200
"""How many random halvings of the test set `choice_flattery` averages over."""


# --8<-- [start:choice_flattery]
def choice_flattery(validation_accuracy, test_correct, *, splits: int = TEST_CHOICE_SPLITS, seed: int = 0) -> dict:
    """What choosing among runs by the test set does to the score it reports.

    For each of ``splits`` random halvings of the test set into a half A and a half B:
    the *leaked* choice is the run with the best accuracy on A, which reports that
    accuracy; the *honest* choice is the run with the best validation accuracy. Both
    winners are then scored on B, which neither choice saw.

    Parameters
    ----------
    validation_accuracy : sequence of float
        One validation accuracy per run.
    test_correct : array of bool, shape (runs, test images)
        Whether each run reads each test image right.

    Returns
    -------
    dict
        Per halving: ``leaked`` (index of the run chosen on A), ``leaked_reported`` (its
        accuracy on A), ``leaked_fresh`` (on B), ``honest`` (index chosen on
        validation) and ``honest_fresh`` (its accuracy on B).

    Examples
    --------
    >>> right = np.array([[1, 1, 0, 0], [1, 0, 1, 0]], dtype=bool)  # two runs, four test images
    >>> out = choice_flattery([0.5, 0.6], right, splits=1, seed=0)
    >>> out["honest"], out["honest_fresh"] == [right[1][half].mean() for half in [out["half_b"][0]]]
    ([1], True)
    """
    test_correct = np.asarray(test_correct, dtype=bool)
    validation_accuracy = np.asarray(validation_accuracy, dtype=np.float64)
    if test_correct.ndim != 2 or test_correct.shape[0] != validation_accuracy.size or test_correct.shape[1] < 2:
        raise ValueError(f"expected one row of test results per run, got {test_correct.shape} for {validation_accuracy.size} runs")
    rng = np.random.default_rng(seed)
    honest = int(np.argmax(validation_accuracy))
    out = {key: [] for key in ("leaked", "leaked_reported", "leaked_fresh", "honest", "honest_fresh", "half_b")}
    for _ in range(splits):
        order = rng.permutation(test_correct.shape[1])
        half_a, half_b = order[: len(order) // 2], order[len(order) // 2 :]
        on_a, on_b = test_correct[:, half_a].mean(axis=1), test_correct[:, half_b].mean(axis=1)
        leaked = int(np.argmax(on_a))
        out["leaked"].append(leaked)
        out["leaked_reported"].append(float(on_a[leaked]))
        out["leaked_fresh"].append(float(on_b[leaked]))
        out["honest"].append(honest)
        out["honest_fresh"].append(float(on_b[honest]))
        out["half_b"].append(half_b)
    return out
# --8<-- [end:choice_flattery]


#: The quadratic and cross-entropy ablation rows, at the ablation's budget, over twenty
#: shared seeds: enough to count how often one cost wins, since one slow seed in five
#: says little about how often a cost starts slowly.
COST_SEEDS = tuple(range(20))
"""The twenty shared seeds of the quadratic and cross-entropy rows, to count how often one cost wins."""

#: The budget of the twenty-seed comparison of the two costs: the early epochs, where the
#: quadratic cost's learning slowdown shows (at the full budget see the ablation table).
COST_EPOCHS = EARLY_EPOCHS

#: The epochs the slowest quadratic-cost seed is followed for, to see whether it is
#: stuck or only slow to start.
COST_SLOW_EPOCHS = 30


# --- Reading and writing results -------------------------------------------------------

#: The files [`write_results`][neuralbook.reproduce.write_results] writes into ``neuralbook/results/``,
#: by part: the names [`load_result`][neuralbook.experiments.load_result] reads them by.
RESULT_FILES = {
    "presets": "presets.json",
    "nielsen-model": "nielsen.npz",
    "ablations": "ablations.json",
    "decay": "decay.json",
    "overfitting": "overfitting.json",
    "regularisation": "regularisation.json",
    "one-batch": "one-batch.json",
    "mistakes": "mistakes.json",
    "leakage": "leakage.json",
    "threads": "threads.json",
    "modern-evaluation": "modern-evaluation.json",
    "modern-model": "modern.npz",
    "speed": "speed.json",
    "selection": "selection.json",
    "nielsen-seeds": "nielsen-seeds.json",
    "baselines": "baselines.json",
    "sanity": "sanity.json",
    "lr-range": "lr-range.json",
    "cost-seeds": "cost-seeds.json",
    "test-choice": "test-choice.json",
    "capstone": "capstone.json",
    "halving": "halving.json",
}
"""The files [`write_results`][neuralbook.reproduce.write_results] writes into `neuralbook/results/`, by part: the names `load_result` reads."""


def load_result(name: str) -> dict:
    """Read a result shipped with the package, e.g. ``load_result("presets")``.

    Examples
    --------
    >>> presets = load_result("presets")
    >>> sorted(presets["runs"])
    ['modern', 'nielsen', 'nielsen-wide', 'quick']
    """
    file = RESULT_FILES.get(name, name)
    with resources.files("neuralbook.results").joinpath(file).open("r", encoding="utf-8") as handle:
        return json.load(handle)


def results_dir() -> Path:
    """The folder of the package's results (``src/neuralbook/results`` in a checkout)."""
    return Path(__file__).resolve().parent / "results"


def write_json(path, data) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    path = Path(path)
    with atomic_write(path, "w", encoding="utf-8") as file:
        json.dump(data, file, indent=1, sort_keys=False)
        file.write("\n")
    return path


def machine() -> dict:
    """Where a result was measured, and with how many BLAS threads (``OMP_NUM_THREADS``; ``None``: not set)."""
    return {
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
    }


def dead_fraction(network, images) -> list[float]:
    """For each hidden layer, the fraction of neurons that output 0 for every image.

    A ReLU neuron whose weighted input is negative for every input is *dead*: its
    gradient is zero, so it can never recover.
    """
    fractions = []
    a = images
    for layer in network.layers[:-1]:
        z, a = layer.forward(a)
        fractions.append(float(np.mean(np.all(a == 0, axis=0))))
    return fractions


_START = time.perf_counter()


def _log(message: str) -> None:
    minutes, seconds = divmod(int(time.perf_counter() - _START), 60)
    print(f"[results {minutes:3d}:{seconds:02d}] {message}", file=sys.stderr, flush=True)


def run_seeds(configs: dict, data, *, seeds=SEEDS, progress=False, measure_train_loss=False, measure_test=False, measure_train_accuracy=True, keep=None, reuse=None) -> dict:
    """Train every config of ``configs`` (name -> (description, config)) once per seed.

    Returns name -> ``{"description", "seeds", "validation_accuracy", "runs"}``: the
    final validation accuracy of each seed, and each seed's whole run (config, history,
    validation accuracy) as [`run_to_dict`][neuralbook.experiments.run_to_dict] gives it.
    The test set is not measured (``measure_test=False``) unless the comparison is
    about the test set itself. ``reuse`` (a list of `RunResult`) holds runs already
    trained with the same measurements: a config and seed found there is not trained
    again (its test accuracy, if measured, is left out unless ``measure_test``).
    """
    done = {json.dumps(result.config.to_dict(), sort_keys=True): result for result in (reuse or [])}
    out = {}
    for name, (description, config) in configs.items():
        entry = {"description": description, "seeds": list(seeds), "validation_accuracy": [], "runs": []}
        for seed in seeds:
            result = done.get(json.dumps(config.replace(seed=seed).to_dict(), sort_keys=True))
            if result is None:
                result = run(
                    config.replace(seed=seed), data, measure_test=measure_test, measure_train_loss=measure_train_loss,
                    measure_train_accuracy=measure_train_accuracy, progress=progress,
                )
            elif not measure_test and result.test_accuracy is not None:
                result = dataclasses.replace(result, test_accuracy=None)
            if keep is not None:
                keep[(name, seed)] = result
            record = run_to_dict(result, name)
            if config.hidden_activation in ("relu", "leaky_relu") and result.diverged is None and config.validation_size:
                # On the validation images as this run saw them (scaled, for the no-normalisation run).
                record["dead_fraction"] = dead_fraction(result.network, prepare_data(config, data).validation_images)
            entry["runs"].append(record)
            entry["validation_accuracy"].append(record["final_validation_accuracy"])
            _log(f"{name} seed {seed}: validation {record['final_validation_accuracy']}, {record['total_seconds']:.1f} s")
        out[name] = entry
    return out


def border_weights(network, side: int = 28, width: int = 1) -> np.ndarray:
    """The first layer's weights from the pixels of the image's border, ``width`` pixels wide.

    On MNIST these pixels are blank in (almost) every image, so the data give their
    weights no gradient at all: only weight decay moves them.
    """
    mask = np.zeros((side, side), dtype=bool)
    mask[:width, :] = mask[-width:, :] = mask[:, :width] = mask[:, -width:] = True
    return network.layers[0].W[:, mask.ravel()]
