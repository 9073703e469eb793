"""The book's training runs: presets, ablations, and the results the chapters cite.

A run is described by a [`TrainingConfig`][neuralbook.experiments.TrainingConfig]: the network (layer sizes,
activation, output, loss, initialisation, dropout), the optimizer and its learning
rate and schedule, L2 weight decay, batch size, epochs, seed and dtype, and how the
data are split. [`run`][neuralbook.experiments.run] trains it with [`neuralbook.training.train`][neuralbook.training.train] on MNIST
and measures the test accuracy once, at the end.

| preset | what it trains |
|---|---|
| ``quick`` | a first run: [784, 128, 64, 10], Adam, two epochs, well under a minute |
| ``nielsen`` | Nielsen's classic: [784, 30, 10], sigmoid, quadratic cost, SGD η = 3.0, batch 10, 30 epochs, trained on 50,000 images |
| ``nielsen-wide`` | the same with 100 hidden neurons |
| ``modern`` | [784, 128, 64, 10], ReLU, softmax + cross-entropy, He, Adam, batch 128, cosine schedule, dropout 0.1, 30 epochs (chosen on the validation set, then trained on all 60,000 images) |

[`write_results`][neuralbook.experiments.write_results] (the command ``neuralbook results``) re-runs every measured
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

import numpy as np

from neuralbook.files import atomic_write

from neuralbook.training import History, TrainingDiverged, accuracy_of, iterations_per_epoch, train

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
    "run_to_dict",
    "load_result",
    "write_results",
    "RESULT_FILES",
    "RESULT_PARTS",
]

OPTIMIZERS = ("sgd", "momentum", "adam")
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
        ``"sgd"``, ``"momentum"`` or ``"adam"``.
    learning_rate : float
        The (initial) learning rate η.
    momentum : float
        β of the momentum optimizer (and β₁ of Adam).
    schedule : str
        ``"constant"``, ``"step"`` (× ``decay_factor`` every ``decay_every`` epochs),
        ``"exponential"`` (× ``decay_factor`` every epoch) or ``"cosine"`` (to 0 over
        ``epochs``).
    weight_decay : float
        L2 strength λ.
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

    def replace(self, **changes) -> TrainingConfig:
        """A copy with some fields changed (and its own list of sizes, shared with no other config)."""
        return dataclasses.replace(self, **({"sizes": list(self.sizes)} | changes))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
# --8<-- [end:config]


# --8<-- [start:presets]
PRESETS = {
    "quick": TrainingConfig(
        sizes=[784, 128, 64, 10], optimizer="adam", learning_rate=2e-3, batch_size=64, epochs=2,
    ),
    "nielsen": TrainingConfig(
        sizes=[784, 30, 10], hidden_activation="sigmoid", output="sigmoid", loss="quadratic",
        init="nielsen", optimizer="sgd", learning_rate=3.0, batch_size=10, epochs=30,
    ),
    "nielsen-wide": TrainingConfig(
        sizes=[784, 100, 10], hidden_activation="sigmoid", output="sigmoid", loss="quadratic",
        init="nielsen", optimizer="sgd", learning_rate=3.0, batch_size=10, epochs=30,
    ),
    # Chosen on the validation set (see MODERN_CANDIDATES), then trained on all 60,000 images.
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
    "nielsen": "Nielsen's network: [784, 30, 10], sigmoid, quadratic cost, SGD eta=3.0, batch 10, 30 epochs",
    "nielsen-wide": "the same with 100 hidden neurons: [784, 100, 10]",
    "modern": "[784, 128, 64, 10], ReLU, softmax + cross-entropy, He, Adam, cosine schedule, dropout 0.1, 30 epochs on all 60,000 images",
}


def make_optimizer(config: TrainingConfig):
    """The optimizer a config names, with its learning rate."""
    from neuralbook.optimizers import SGD, Adam, Momentum

    if config.optimizer == "sgd":
        return SGD(config.learning_rate)
    if config.optimizer == "momentum":
        return Momentum(config.learning_rate, beta=config.momentum)
    if config.optimizer == "adam":
        return Adam(config.learning_rate, beta1=config.momentum)
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
    """A trained network, its history, and its accuracy on the test set."""

    config: TrainingConfig
    network: object
    history: History
    test_accuracy: float | None
    train_size: int
    diverged: str | None = None
    diverged_epoch: int | None = None
    diverged_iteration: int | None = None


# --8<-- [start:run]
def run(config: TrainingConfig, data, *, progress=None, on_epoch=None) -> RunResult:
    """Train the network of ``config`` on ``data`` (MNIST) and measure its test accuracy.

    If training diverges (NaN loss), the result says so in ``diverged`` instead of
    raising, with the epoch and iteration where it happened.
    """
    split = prepare_data(config, data)
    network, optimizer, schedule = build(config)
    validation = None
    if split.validation_images is not None:
        validation = (split.validation_images, split.validation_labels)
    try:
        history = train(
            network, split.train_images, split.train_labels, epochs=config.epochs, batch_size=config.batch_size,
            optimizer=optimizer, validation=validation, schedule=schedule, weight_decay=config.weight_decay,
            patience=config.patience, seed=config.seed, shuffle=config.shuffle, progress=progress,
            on_epoch=on_epoch,
        )
    except TrainingDiverged as error:
        return RunResult(config, network, error.history, None, len(split.train_images), str(error), error.epoch, error.iteration)
    test_accuracy = accuracy_of(network, split.test_images, split.test_labels)
    return RunResult(config, network, history, test_accuracy, len(split.train_images))
# --8<-- [end:run]


def run_to_dict(result: RunResult, name: str = "") -> dict:
    """Plain data (for JSON) describing a run: config, per-epoch table, test accuracy."""
    config = result.config
    iterations, full_batches, last_batch = iterations_per_epoch(result.train_size, config.batch_size)
    history = result.history.to_dict()
    return {
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


# --- Ablations: one change at a time ---------------------------------------------------

#: The baseline of the chapter *Training better*: Nielsen's network, but for 10 epochs.
ABLATION_EPOCHS = 10

_SIGMOID_BASE = PRESETS["nielsen"].replace(epochs=ABLATION_EPOCHS)
_RELU_BASE = PRESETS["modern"].replace(schedule="constant", dropout=0.0, epochs=ABLATION_EPOCHS, validation_size=10_000)

# --8<-- [start:ablations]
#: name -> (what changes, config). Each row changes one thing from the row it names.
ABLATIONS = {
    "quadratic": ("Nielsen's network: sigmoid, quadratic cost, SGD eta=3.0, batch 10", _SIGMOID_BASE),
    "cross-entropy": (
        "cross-entropy cost instead of quadratic (eta=0.5)",
        _SIGMOID_BASE.replace(loss="cross_entropy", learning_rate=0.5),
    ),
    "softmax": (
        "softmax output + cross-entropy, Xavier init (eta=0.5)",
        _SIGMOID_BASE.replace(output="softmax", loss="cross_entropy", init="xavier", learning_rate=0.5),
    ),
    "naive-init": (
        "the same with standard-normal weights (no 1/sqrt(n) scaling)",
        _SIGMOID_BASE.replace(output="softmax", loss="cross_entropy", init="standard_normal", learning_rate=0.5),
    ),
    "relu-sgd": (
        "[784, 128, 64, 10], ReLU, He init, plain SGD eta=0.1, batch 128",
        _RELU_BASE.replace(optimizer="sgd", learning_rate=0.1),
    ),
    "relu-momentum": ("momentum (beta=0.9) instead of plain SGD", _RELU_BASE.replace(optimizer="momentum", learning_rate=0.1)),
    "relu-adam": ("Adam (eta=0.001) instead of momentum", _RELU_BASE),
    "adam-l2": ("Adam with L2 weight decay lambda=1e-4", _RELU_BASE.replace(weight_decay=1e-4)),
    "adam-dropout": ("Adam with dropout 0.1", _RELU_BASE.replace(dropout=0.1)),
    "adam-cosine": ("Adam with a cosine learning-rate schedule", _RELU_BASE.replace(schedule="cosine")),
}
# --8<-- [end:ablations]
"""name -> (what changes, config); each row changes one thing from the row it names."""

#: Where the search for the ``modern`` preset started: the ``relu-adam`` ablation with a
#: cosine schedule, for 20 epochs.
_MODERN_START = TrainingConfig(
    sizes=[784, 128, 64, 10], hidden_activation="relu", output="softmax", loss="cross_entropy",
    init="he", optimizer="adam", learning_rate=1e-3, schedule="cosine", batch_size=128, epochs=20,
)
#: The candidates the ``modern`` preset was chosen from: each trained on 50,000 images
#: with seed 0; the one with the best validation accuracy after its last epoch wins, and
#: is then trained again on all 60,000 images. The test set plays no part in the choice.
MODERN_CANDIDATES = {
    "adam-cosine": ("Adam, cosine schedule, 20 epochs", _MODERN_START),
    "l2": ("the same with L2 weight decay lambda=5e-5", _MODERN_START.replace(weight_decay=5e-5)),
    "learning-rate-0.002": ("the same with learning rate 0.002", _MODERN_START.replace(learning_rate=2e-3)),
    "30-epochs": ("the same for 30 epochs", _MODERN_START.replace(epochs=30)),
    "dropout-0.1": ("dropout 0.1, 30 epochs", _MODERN_START.replace(dropout=0.1, epochs=30)),
    "dropout-0.2": ("dropout 0.2, 40 epochs", _MODERN_START.replace(dropout=0.2, epochs=40)),
}

#: The seeds of the spread measurement: the ``relu-adam`` ablation with other seeds.
SPREAD_SEEDS = (1, 2, 3)

#: The deliberately overfitting run: Nielsen's network on only 1,000 images.
OVERFITTING = PRESETS["nielsen"].replace(
    train_size=1000, loss="cross_entropy", learning_rate=0.5, epochs=300, batch_size=10
)

#: Common mistakes, each measured: what goes wrong and by how much.
MISTAKES = {
    "baseline": ("the quick preset, done right", PRESETS["quick"]),
    "no-normalisation": ("pixels 0-255 instead of 0-1", PRESETS["quick"].replace(pixel_scale=255.0)),
    "sorted-no-shuffle": (
        "training set sorted by digit and never shuffled",
        PRESETS["quick"].replace(sort_by_label=True, shuffle=False),
    ),
    "sorted-shuffled": ("the same sorted set, shuffled every epoch", PRESETS["quick"].replace(sort_by_label=True)),
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
    "test-set-leakage": (
        "the overfitting run, measured on the test set after every epoch",
        OVERFITTING.replace(validate_on_test=True),
    ),
}


# --- Reading and writing results -------------------------------------------------------

#: The files [`write_results`][neuralbook.experiments.write_results] writes into ``neuralbook/results/``.
RESULT_FILES = {
    "presets": "presets.json",
    "ablations": "ablations.json",
    "overfitting": "overfitting.json",
    "mistakes": "mistakes.json",
    "modern-evaluation": "modern-evaluation.json",
    "modern-model": "modern.npz",
    "speed": "speed.json",
    "seeds": "seeds.json",
    "selection": "selection.json",
}
"""The files `write_results` writes into `neuralbook/results/`, by part."""

#: The parts of [`write_results`][neuralbook.experiments.write_results], in the order they run.
RESULT_PARTS = ("presets", "ablations", "overfitting", "selection", "seeds", "mistakes", "modern", "summary", "web")
"""The parts of `write_results`, in the order they run."""


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
    """Where a result was measured."""
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
    }


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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


def _runs(configs: dict, data, progress, keep=None) -> dict:
    runs = {}
    for name, (description, config) in configs.items():
        _log(f"[results] {name}: {description}")
        result = run(config, data, progress=progress)
        if keep is not None:
            keep[name] = result
        runs[name] = run_to_dict(result, name) | {"description": description}
        if config.hidden_activation in ("relu", "leaky_relu") and result.diverged is None:
            # On the test images as this run saw them (scaled, for the no-normalisation run).
            runs[name]["dead_fraction"] = dead_fraction(result.network, prepare_data(config, data).test_images)
        _log(f"[results]   test accuracy {result.test_accuracy}, {runs[name]['total_seconds']:.1f} s")
    return runs


def evaluate_model(network, data, examples: int = 24) -> dict:
    """Test-set evaluation of a trained network, with what the book's figures need.

    The confusion matrix, per-class accuracy, the most-confused pairs, and the first
    ``examples`` misclassified test images (as bytes 0-255) with their labels,
    predictions and probabilities.
    """
    from neuralbook import evaluation

    report = evaluation.evaluate(network, data.test_images, data.test_labels)
    probabilities = network.forward(data.test_images)
    predictions = report.predicted
    wrong = np.flatnonzero(predictions != data.test_labels)
    shown = wrong[:examples]
    return {
        "accuracy": report.accuracy,
        "errors": report.num_errors,
        "test_size": report.num_examples,
        "confusion_matrix": report.confusion_matrix.tolist(),
        "per_class_accuracy": [float(v) for v in report.per_class_accuracy],
        "most_confused": [[int(t), int(p), int(c)] for t, p, c in evaluation.most_confused_pairs(report.confusion_matrix, top=10)],
        "misclassified": {
            "index": shown.tolist(),
            "label": data.test_labels[shown].tolist(),
            "predicted": predictions[shown].tolist(),
            "probability": [float(probabilities[i, predictions[i]]) for i in shown],
            "probability_of_label": [float(probabilities[i, data.test_labels[i]]) for i in shown],
            "images": np.rint(data.test_images[shown] * 255).astype(np.uint8).tolist(),
        },
    }


# --8<-- [start:write_results]
def write_results(data_dir=None, out_dir=None, *, only=None, progress=False, web_path=None) -> list[Path]:
    """Re-run every measured result of the book and write it into ``out_dir``.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Where the MNIST files are (else ``$NEURALBOOK_DATA``, the cache, a download).
    out_dir : str or os.PathLike, optional
        Default: the package's ``results`` folder (``src/neuralbook/results``).
    only : iterable of str, optional
        A subset of `RESULT_PARTS` (default: all of them).
    progress : bool
        Progress bars while training.
    web_path : str or os.PathLike, optional
        Where the in-page digit widget's weights go (default: the one the
        chapter *Draw your own digit* reads).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from neuralbook.datasets import load_mnist

    out_dir = Path(out_dir) if out_dir is not None else results_dir()
    parts = set(only or RESULT_PARTS)
    unknown = parts - set(RESULT_PARTS)
    if unknown:
        raise ValueError(f"unknown result parts {sorted(unknown)}; expected some of: {', '.join(RESULT_PARTS)}")
    data = load_mnist(data_dir, progress=progress)
    written = []
    stamp = {"machine": machine(), "written": time.strftime("%Y-%m-%d")}

    if "presets" in parts:
        configs = {name: (PRESET_DESCRIPTIONS[name], config) for name, config in PRESETS.items()}
        trained = {}
        written.append(write_json(out_dir / RESULT_FILES["presets"], stamp | {"runs": _runs(configs, data, progress, trained)}))
    if "ablations" in parts:
        runs = _runs(ABLATIONS, data, progress)
        written.append(write_json(out_dir / RESULT_FILES["ablations"], stamp | {"epochs": ABLATION_EPOCHS, "runs": runs}))
    if "overfitting" in parts:
        runs = _runs({"overfitting": ("Nielsen's network on 1,000 images", OVERFITTING)}, data, progress)
        written.append(write_json(out_dir / RESULT_FILES["overfitting"], stamp | runs["overfitting"]))
    if "selection" in parts:
        runs = _runs(MODERN_CANDIDATES, data, progress)
        chosen = max(runs, key=lambda name: runs[name]["final_validation_accuracy"])
        written.append(write_json(out_dir / RESULT_FILES["selection"], stamp | {"chosen": chosen, "runs": runs}))
    if "seeds" in parts:
        description, base = ABLATIONS["relu-adam"]
        configs = {f"seed-{seed}": (f"{description}, seed {seed}", base.replace(seed=seed)) for seed in SPREAD_SEEDS}
        written.append(write_json(out_dir / RESULT_FILES["seeds"], stamp | {"runs": _runs(configs, data, progress)}))
    if "mistakes" in parts:
        written.append(write_json(out_dir / RESULT_FILES["mistakes"], stamp | {"runs": _runs(MISTAKES, data, progress)}))
    if "modern" in parts:  # "web" alone exports the model already in out_dir
        from neuralbook.serialization import save_model

        config = PRESETS["modern"]
        if "presets" in parts:
            result = trained["modern"]  # the run of the presets above: same config, same seed
        else:
            _log("[results] modern model")
            result = run(config, data, progress=progress)
        model_path = out_dir / RESULT_FILES["modern-model"]
        metadata = {"preset": "modern", "config": config.to_dict(), "test_accuracy": result.test_accuracy}
        save_model(model_path, result.network, history=result.history.to_dict(), metadata=metadata)
        evaluation = evaluate_model(result.network, data) | {"run": run_to_dict(result, "modern")}
        written += [model_path, write_json(out_dir / RESULT_FILES["modern-evaluation"], stamp | evaluation)]
    if "summary" in parts:
        from neuralbook.datasets import write_summary

        written.append(write_summary(out_dir / "mnist-summary.npz", data_dir))
    if "web" in parts:
        from neuralbook import web

        target = web_path
        if target is None and (Path(__file__).resolve().parents[2] / "docs").is_dir():  # in a checkout
            target = Path(__file__).resolve().parents[2] / web.SITE_MODEL
        if target is not None:
            written.append(web.export_web(out_dir / RESULT_FILES["modern-model"], target))
    return written
# --8<-- [end:write_results]
