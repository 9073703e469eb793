"""Choosing hyper-parameters: learning-rate sweeps, learning curves and random search.

The chapter *Choosing hyper-parameters* explains these experiments. Every one of them
trains on the first 50,000 training images (or fewer) and measures the 10,000
validation images held out from the end of the training set; the test set plays no
part in any choice. Each setting is trained with several seeds, so that two settings
can be compared with [`neuralbook.stats.compare`][neuralbook.stats.compare].

- a **learning-rate sweep** ([`learning_rate_sweep`][neuralbook.search.learning_rate_sweep]):
  the same short run for every rate of a logarithmic grid ([`log_grid`][neuralbook.search.log_grid]);
- a **learning curve** ([`learning_curve`][neuralbook.search.learning_curve]): validation
  accuracy against the number of training images, every run seeing the same number of
  examples;
- a **coarse-to-fine random search** ([`coarse_to_fine`][neuralbook.search.coarse_to_fine]):
  random settings in a wide box, then in a narrow box around the best, then the
  finalists again with fresh seeds, beside the sweep's choice on the same seeds;
- **Nielsen's halving rule** ([`halving_run`][neuralbook.search.halving_run]): the
  learning rate halved on every plateau of the validation accuracy, on the 1,000-image
  runs of *Training better* ([`write_halving`][neuralbook.search.write_halving] writes
  ``halving.json``).

[`write_results`][neuralbook.search.write_results] runs the first three (and the measured
exercises of the chapter and of the capstone project) and writes ``search.json``.

Examples
--------
>>> log_grid(0.01, 1.0)
[0.01, 0.03, 0.1, 0.3, 1.0]
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from neuralbook.augmentation import shift
from neuralbook.experiments import TrainingConfig, build, dead_fraction, run_to_dict
from neuralbook.rules import LEARNING_RATE_GRID_POINTS_PER_DECADE
from neuralbook.schedules import HalveOnPlateau
from neuralbook.training import TrainingDiverged, accuracy_of, train

__all__ = [
    "SEEDS",
    "SWEEP_BASE",
    "CURVE_BASE",
    "log_grid",
    "split_for_search",
    "validation_run",
    "seeds_of",
    "learning_rate_sweep",
    "learning_rate_range_test",
    "examples_to_epochs",
    "learning_curve",
    "sample_settings",
    "narrow_range",
    "coarse_to_fine",
    "confirm_finalists",
    "rewrite_confirmation",
    "CONFIRMATION_SEEDS",
    "shifted_copies",
    "blas_threads",
    "write_results",
    "RESULT_FILE",
    "CAPSTONE_FILE", "CAPSTONE_BAR", "CAPSTONE_WIDTHS", "capstone_runs", "capstone_study", "write_capstone",
    "HALVING_FILE", "HALVING_BASES", "HALVING_RULE", "halving_run", "write_halving",
]

#: The seeds every setting is trained with (five: enough to see the noise of seeds).
SEEDS = (0, 1, 2, 3, 4)
"""The seeds of every setting of the search: each is trained once with each seed."""

#: The seeds that confirm the search's finalists: fresh ones, used by no trial, so that a
#: finalist chosen for one lucky run is measured again on runs that played no part in
#: choosing it (the trials use the base config's seed, 0).
CONFIRMATION_SEEDS = (5, 6, 7, 8, 9)
"""Fresh seeds for the search's confirmation stage: none of them chose a finalist."""

#: The file [`write_results`][neuralbook.search.write_results] writes into ``neuralbook/results/``.
RESULT_FILE = "search.json"
"""The file of the package's results that [`write_results`][neuralbook.search.write_results] writes."""

# --8<-- [start:sweep_base]
#: The network of the sweeps and of the search: quick to train, plain SGD (whose
#: learning rate matters most), two epochs on the 50,000 training images.
SWEEP_BASE = TrainingConfig(
    sizes=[784, 128, 64, 10], hidden_activation="relu", output="softmax", loss="cross_entropy",
    init="he", optimizer="sgd", learning_rate=0.1, batch_size=64, epochs=2,
)
"""The network of the sweeps and of the search: plain SGD, two epochs on the 50,000 training images."""
# --8<-- [end:sweep_base]

#: The network of the learning curve: the ``quick`` preset's network and optimizer (Adam, batch 64).
CURVE_BASE = TrainingConfig(
    sizes=[784, 128, 64, 10], optimizer="adam", learning_rate=2e-3, batch_size=64, epochs=2,
)
"""The network of the learning curve: the ``quick`` preset's network and optimizer."""


# --8<-- [start:log_grid]
def log_grid(low: float, high: float, points_per_decade: int = LEARNING_RATE_GRID_POINTS_PER_DECADE) -> list[float]:
    """Learning rates from ``low`` to ``high``, evenly spaced on a logarithmic scale.

    With two points per decade the grid is the familiar 1, 3, 10, 30, ...: each value
    is rounded to one significant digit, so that the numbers are easy to read and type.

    Parameters
    ----------
    low, high : float
        The first and last value (both positive, ``low < high``).
    points_per_decade : int
        Values per factor of ten; by default the book's rule,
        [`LEARNING_RATE_GRID_POINTS_PER_DECADE`][neuralbook.rules.LEARNING_RATE_GRID_POINTS_PER_DECADE].

    Returns
    -------
    list of float

    Examples
    --------
    >>> log_grid(0.1, 30)
    [0.1, 0.3, 1.0, 3.0, 10.0, 30.0]
    >>> log_grid(1, 100, points_per_decade=1)
    [1.0, 10.0, 100.0]
    """
    if not 0 < low < high:
        raise ValueError(f"expected 0 < low < high, got low={low} and high={high}")
    if points_per_decade < 1:
        raise ValueError(f"expected at least one point per decade, got {points_per_decade}")
    count = round(points_per_decade * math.log10(high / low)) + 1
    exponents = np.linspace(math.log10(low), math.log10(high), count)
    return [float(f"{10.0 ** e:.0e}") for e in exponents]
# --8<-- [end:log_grid]


def split_for_search(data, validation_size: int = 10_000):
    """Training and validation arrays, cut from MNIST's training set only.

    Returns ``(train_images, train_labels, validation_images, validation_labels)``:
    the first 50,000 training images and the last 10,000 by default. The test images
    are not returned at all, so nothing here can be chosen by them.
    """
    from neuralbook.datasets import train_validation_split

    return train_validation_split(data.train_images, data.train_labels, validation_size=validation_size)


# --8<-- [start:validation_run]
def validation_run(config: TrainingConfig, split, *, measure_train_accuracy: bool = False) -> dict:
    """Train the network of ``config`` and measure it on the validation set only.

    Parameters
    ----------
    config : TrainingConfig
        The run; ``config.train_size`` keeps only the first images of the split.
    split : tuple
        ``(train_images, train_labels, validation_images, validation_labels)``, as
        from [`split_for_search`][neuralbook.search.split_for_search].
    measure_train_accuracy : bool
        Also measure the accuracy on the training images after the last epoch.

    Returns
    -------
    dict
        ``validation_accuracy``, ``validation_loss`` and ``train_loss`` (of the last
        epoch; ``None`` if training diverged, with ``diverged`` true), ``seconds``.
    """
    train_images, train_labels, validation_images, validation_labels = split
    if config.train_size is not None:
        train_images, train_labels = train_images[: config.train_size], train_labels[: config.train_size]
    network, optimizer, schedule = build(config)
    start = time.perf_counter()
    try:
        history = train(
            network, train_images, train_labels, epochs=config.epochs, batch_size=config.batch_size,
            optimizer=optimizer, schedule=schedule, weight_decay=config.weight_decay, seed=config.seed,
            measure_train_accuracy=False, progress=False,
        )
    except TrainingDiverged:
        return {"seed": config.seed, "diverged": True, "validation_accuracy": None, "validation_loss": None,
                "train_loss": None, "seconds": time.perf_counter() - start}
    validation_loss = float(network.loss(validation_images, _one_hot(validation_labels, network)))
    result = {
        "seed": config.seed,
        "diverged": not math.isfinite(validation_loss),
        "validation_accuracy": accuracy_of(network, validation_images, validation_labels),
        "validation_loss": validation_loss if math.isfinite(validation_loss) else None,
        "train_loss": history[-1].train_loss,
        "seconds": time.perf_counter() - start,
    }
    if measure_train_accuracy:
        result["train_accuracy"] = accuracy_of(network, train_images, train_labels)
    if config.hidden_activation in ("relu", "leaky_relu"):
        result["dead_fraction"] = dead_fraction(network, validation_images)
    return result
# --8<-- [end:validation_run]


def _one_hot(labels, network) -> np.ndarray:
    from neuralbook.datasets import one_hot

    return one_hot(labels, num_classes=network.sizes[-1], dtype=network.dtype)


def seeds_of(runs: list[dict], key: str = "validation_accuracy") -> list[float]:
    """One value per seed from a list of runs, leaving out the runs that diverged.

    Examples
    --------
    >>> seeds_of([{"validation_accuracy": 0.9}, {"validation_accuracy": None}, {"validation_accuracy": 0.8}])
    [0.9, 0.8]
    """
    return [run[key] for run in runs if run.get(key) is not None]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --8<-- [start:learning_rate_sweep]
def learning_rate_sweep(base: TrainingConfig, learning_rates, split, seeds=SEEDS, *, progress=False) -> dict:
    """Train ``base`` with every learning rate and every seed; measure validation only.

    Returns
    -------
    dict
        ``{"learning_rates": [...], "runs": {str(rate): [one dict per seed]}}``, each
        run as [`validation_run`][neuralbook.search.validation_run] returns it.
    """
    runs = {}
    for rate in learning_rates:
        runs[str(rate)] = [validation_run(base.replace(learning_rate=rate, seed=seed), split) for seed in seeds]
        if progress:
            _log(f"[search] learning rate {rate}: {seeds_of(runs[str(rate)])}")
    return {"config": base.to_dict(), "learning_rates": list(learning_rates), "seeds": list(seeds), "runs": runs}
# --8<-- [end:learning_rate_sweep]


# --8<-- [start:learning_rate_range_test]
def learning_rate_range_test(config: TrainingConfig, split, *, low: float = 1e-5, high: float = 10.0, steps: int = 300,
                             smoothing: float = 0.98, stop_factor: float = 4.0) -> dict:
    """Smith's learning-rate range test: one short run whose rate grows by the same factor every step.

    Step ``i`` of ``steps`` uses ``low * (high / low) ** (i / (steps - 1))``, on the next
    mini-batch of ``config.batch_size`` images (in an order drawn from ``config.seed``).
    The loss of each batch is smoothed with an exponential average (bias-corrected, as
    Adam's moments are); the test stops early once the smoothed loss is ``stop_factor``
    times its lowest, or not finite. Nothing is measured on the validation images.

    Returns
    -------
    dict
        ``learning_rates`` and ``losses`` (of each step taken), ``smoothed``, and
        ``lowest``: the rate where the smoothed loss was lowest. Smith (2017) and fastai's
        ``lr_find`` suggest a rate somewhat below it, where the loss still falls steeply.

    Examples
    --------
    >>> config = SWEEP_BASE.replace(sizes=[4, 8, 3], batch_size=4)
    >>> rng = np.random.default_rng(0)
    >>> split = (rng.random((64, 4)).astype(np.float32), rng.integers(0, 3, 64), None, None)
    >>> test = learning_rate_range_test(config, split, low=1e-3, high=1.0, steps=4)
    >>> [float(f"{rate:.3g}") for rate in test["learning_rates"]]
    [0.001, 0.01, 0.1, 1.0]
    """
    if not 0 < low < high or steps < 2:
        raise ValueError(f"expected 0 < low < high and at least two steps, got low={low}, high={high}, steps={steps}")
    train_images, train_labels = split[0], split[1]
    network, optimizer, _ = build(config)
    rng = np.random.default_rng(config.seed)
    order = np.concatenate([rng.permutation(len(train_images)) for _ in range(-(-steps * config.batch_size // len(train_images)))])
    rates, losses, smoothed = [], [], []
    average, lowest = 0.0, np.inf
    for i in range(steps):
        optimizer.learning_rate = low * (high / low) ** (i / (steps - 1))
        batch = order[i * config.batch_size : (i + 1) * config.batch_size]
        loss, gradients = network.loss_and_gradients(train_images[batch], train_labels[batch])
        if not np.isfinite(loss):
            break
        optimizer.step(network.parameters(), gradients)
        average = smoothing * average + (1 - smoothing) * loss
        value = average / (1 - smoothing ** (i + 1))
        rates.append(float(optimizer.learning_rate))
        losses.append(float(loss))
        smoothed.append(float(value))
        lowest = min(lowest, value)
        if value > stop_factor * lowest:
            break
    best = int(np.argmin(smoothed))
    return {"config": config.to_dict(), "low": low, "high": high, "steps": steps, "learning_rates": rates,
            "losses": losses, "smoothed": smoothed, "lowest": rates[best]}
# --8<-- [end:learning_rate_range_test]


# --8<-- [start:examples_to_epochs]
def examples_to_epochs(train_size: int, examples: int) -> int:
    """Epochs that show a training set of ``train_size`` images about ``examples`` times in all.

    A learning curve compares training sets of different sizes; giving every run the
    same number of gradient steps keeps the small sets from being under-trained.

    Examples
    --------
    >>> examples_to_epochs(50_000, 100_000), examples_to_epochs(1_000, 100_000)
    (2, 100)
    """
    if train_size < 1 or examples < 1:
        raise ValueError(f"expected a positive train_size and examples, got {train_size} and {examples}")
    return max(1, round(examples / train_size))
# --8<-- [end:examples_to_epochs]


def learning_curve(base: TrainingConfig, train_sizes, split, seeds=SEEDS, *, examples: int = 100_000, progress=False) -> dict:
    """Validation (and training) accuracy for each training-set size, with every seed.

    Each size ``N`` trains for [`examples_to_epochs`][neuralbook.search.examples_to_epochs]
    epochs, so that every run takes about the same number of gradient steps.
    """
    runs = {}
    for size in train_sizes:
        config = base.replace(train_size=size, epochs=examples_to_epochs(size, examples))
        runs[str(size)] = [
            validation_run(config.replace(seed=seed), split, measure_train_accuracy=True) for seed in seeds
        ]
        if progress:
            _log(f"[search] {size} training images, {config.epochs} epochs: {seeds_of(runs[str(size)])}")
    return {"config": base.to_dict(), "train_sizes": list(train_sizes), "examples": examples, "seeds": list(seeds), "runs": runs}


# --8<-- [start:sample_settings]
def sample_settings(rng, count: int, learning_rate_range, batch_sizes) -> list[dict]:
    """Draw ``count`` random settings: a log-uniform learning rate and a batch size.

    A log-uniform draw spends as many trials between 0.01 and 0.1 as between 0.1 and 1:
    what matters about a learning rate is its order of magnitude.

    Parameters
    ----------
    rng : numpy.random.Generator
    count : int
    learning_rate_range : tuple (low, high)
    batch_sizes : sequence of int
        Drawn uniformly.

    Examples
    --------
    >>> settings = sample_settings(np.random.default_rng(0), 2, (0.01, 1.0), [32, 64])
    >>> [(round(s["learning_rate"], 4), s["batch_size"]) for s in settings]
    [(0.1879, 32), (0.0346, 32)]
    """
    low, high = learning_rate_range
    if not 0 < low < high:
        raise ValueError(f"expected a range 0 < low < high, got {learning_rate_range}")
    rates = np.exp(rng.uniform(math.log(low), math.log(high), size=count))
    sizes = rng.choice(np.asarray(batch_sizes), size=count)
    return [{"learning_rate": float(r), "batch_size": int(b)} for r, b in zip(rates, sizes)]
# --8<-- [end:sample_settings]


def narrow_range(best: float, factor: float = 3.0) -> tuple[float, float]:
    """The fine stage's learning-rate range: a factor ``factor`` either side of ``best``.

    Examples
    --------
    >>> narrow_range(0.3)
    (0.1, 0.9)
    """
    if best <= 0 or factor <= 1:
        raise ValueError(f"expected best > 0 and factor > 1, got {best} and {factor}")
    return (round(best / factor, 12), round(best * factor, 12))


def _ranked(trials: list[dict]) -> list[dict]:
    """Trials from best to worst validation accuracy (diverged runs last)."""
    return sorted(trials, key=lambda t: -1.0 if t["validation_accuracy"] is None else t["validation_accuracy"], reverse=True)


# --8<-- [start:coarse_to_fine]
def coarse_to_fine(
    base: TrainingConfig, split, *, seed: int = 0, coarse=(0.001, 3.0), trials: int = 8,
    batch_sizes=(32, 64, 128, 256), finalists: int = 2, seeds=CONFIRMATION_SEEDS, progress=False,
) -> dict:
    """Random search in a wide box, again in a narrow box around the best, then fresh seeds.

    1. *coarse*: ``trials`` random settings (learning rate log-uniform in ``coarse``,
       a batch size from ``batch_sizes``), one seed each (the seed of ``base``);
    2. *fine*: ``trials`` more, with the learning rate within a factor of three of the
       coarse winner's and its batch size or a neighbour;
    3. *confirm*: the ``finalists`` best settings of both stages, and ``base`` itself
       (the setting the search tries to beat), each with every one of ``seeds``: fresh
       seeds, because a run picked for being high is high partly by luck
       (`confirm_finalists`).
    """
    rng = np.random.default_rng(seed)

    def run_all(settings, stage):
        done = []
        for setting in settings:
            done.append(setting | {"stage": stage} | validation_run(base.replace(**setting), split))
            if progress:
                _log(f"[search] {stage}: {setting} -> {done[-1]['validation_accuracy']}")
        return done

    coarse_trials = run_all(sample_settings(rng, trials, coarse, batch_sizes), "coarse")
    best = _ranked(coarse_trials)[0]
    i = list(batch_sizes).index(best["batch_size"])
    neighbours = list(batch_sizes)[max(0, i - 1) : i + 2]
    fine_range = narrow_range(best["learning_rate"])
    fine_trials = run_all(sample_settings(rng, trials, fine_range, neighbours), "fine")
    found = {
        "config": base.to_dict(), "seed": seed, "coarse_range": list(coarse), "fine_range": list(fine_range),
        "batch_sizes": list(batch_sizes), "fine_batch_sizes": neighbours, "trials": coarse_trials + fine_trials,
    }
    return found | confirm_finalists(base, split, found["trials"], finalists=finalists, seeds=seeds, progress=progress)
# --8<-- [end:coarse_to_fine]


# --8<-- [start:confirm_finalists]
def confirm_finalists(base: TrainingConfig, split, trials, *, finalists: int = 2, seeds=CONFIRMATION_SEEDS,
                      progress=False) -> dict:
    """Train the ``finalists`` best of ``trials``, and ``base`` itself, once with each of ``seeds``.

    The seeds must be fresh (none of them ran a trial): the best trial was chosen for
    being high, and part of that is its seed's luck, which fresh seeds do not share.
    Every setting runs with the same seeds, so they compare seed by seed.
    """
    used = {base.seed}
    if used & set(seeds):
        raise ValueError(f"the confirmation seeds {list(seeds)} must be fresh; the trials used seed {base.seed}")

    def with_seeds(setting):
        runs = [validation_run(base.replace(**setting, seed=s), split) for s in seeds]
        if progress:
            _log(f"[search] confirm {setting}: {seeds_of(runs)}")
        return runs

    confirmed = []
    for trial in _ranked(trials)[:finalists]:
        setting = {"learning_rate": trial["learning_rate"], "batch_size": trial["batch_size"]}
        confirmed.append(setting | {"single_run_accuracy": trial["validation_accuracy"], "runs": with_seeds(setting)})
    reference = {"learning_rate": base.learning_rate, "batch_size": base.batch_size}
    return {"finalists": confirmed, "reference": reference | {"runs": with_seeds(reference)}, "seeds": list(seeds)}
# --8<-- [end:confirm_finalists]


def rewrite_confirmation(data, out_dir=None, *, progress=False, validation_size: int = 10_000) -> Path:
    """Re-run only the confirmation stage of the search recorded in ``search.json``, on its trials.

    The trials stay as they were measured; the finalists and the base setting are
    trained again with `CONFIRMATION_SEEDS`, and ``search.json`` is rewritten with them.
    """
    from neuralbook.experiments import results_dir, write_json

    out_dir = Path(out_dir) if out_dir is not None else results_dir()
    path = out_dir / RESULT_FILE
    results = json.loads(path.read_text(encoding="utf-8"))
    search = results["search"]
    base = TrainingConfig.from_dict(search["config"])
    split = split_for_search(data, validation_size=validation_size)
    confirmed = confirm_finalists(base, split, search["trials"], finalists=len(search["finalists"]),
                                  progress=progress)
    results["search"] = search | confirmed
    return write_json(path, results)


# --8<-- [start:shifted_copies]
def shifted_copies(images, shifts) -> np.ndarray:
    """The images, followed by one moved copy of all of them for each ``(dx, dy)`` of ``shifts``.

    A copy is moved ``dx`` pixels right and ``dy`` down by
    [`neuralbook.augmentation.shift`][neuralbook.augmentation.shift], so the pixels
    moved in at the border are blank, not wrapped round from the other side.

    Examples
    --------
    >>> image = np.zeros((1, 784)); image[0, 28 * 5 + 5] = 1.0   # one dot, row 5, column 5
    >>> out = shifted_copies(image, [(2, -1)])
    >>> out.shape, [int(i) for i in np.argwhere(out[1].reshape(28, 28))[0]]
    ((2, 784), [4, 7])
    """
    n = len(images)
    copies = [shift(images, rows=np.full(n, dy), columns=np.full(n, dx)) for dx, dy in shifts]
    return np.concatenate([images, *copies])
# --8<-- [end:shifted_copies]


# --- The measured exercises and the capstone ----------------------------------------------

#: The exercises' version of Nielsen's network (as the ``nielsen`` preset, for fewer epochs).
EXERCISE_EPOCHS = 2
HIDDEN_SIZES = (10, 30, 100, 300)
NIELSEN_LEARNING_RATES = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
#: L2 on 1,000 images: the strengths tried, chosen on validation.
L2_STRENGTHS = (0.0, 1e-4, 1e-3, 1e-2)
L2_EPOCHS = 100
#: The shifted copies of the augmentation exercise: one pixel in each direction.
SHIFTS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def _nielsen(**changes) -> TrainingConfig:
    from neuralbook.experiments import PRESETS

    return PRESETS["nielsen"].replace(**changes)


def _overfitting_base() -> TrainingConfig:
    """Nielsen's network with cross-entropy on 1,000 images (his chapter 3 experiment)."""
    return _nielsen(loss="cross_entropy", learning_rate=0.5, train_size=1000, epochs=L2_EPOCHS)


def _augmentation(split, seeds, progress) -> dict:
    """1,000 images with and without four shifted copies, the same number of steps."""
    train_images, train_labels, validation_images, validation_labels = split
    images, labels = train_images[:1000], train_labels[:1000]
    augmented = shifted_copies(images, SHIFTS)
    augmented_labels = np.tile(labels, 1 + len(SHIFTS))
    plain = _overfitting_base()
    shifted = plain.replace(train_size=None, epochs=L2_EPOCHS // (1 + len(SHIFTS)))
    result = {
        "plain": [validation_run(plain.replace(seed=s), split) for s in seeds],
        "shifted": [
            validation_run(shifted.replace(seed=s), (augmented, augmented_labels, validation_images, validation_labels))
            for s in seeds
        ],
        "plain_config": plain.to_dict(), "shifted_config": shifted.to_dict(), "shifts": [list(s) for s in SHIFTS],
    }
    if progress:
        _log(f"[search] augmentation: {seeds_of(result['plain'])} vs {seeds_of(result['shifted'])}")
    return result


_THREADS_SCRIPT = """
import json, sys
import numpy as np
from neuralbook.datasets import load_mnist
from neuralbook.experiments import PRESETS, build
from neuralbook.search import split_for_search
from neuralbook.training import accuracy_of, train

folder, size, seeds = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3:]]
x, y, vx, vy = split_for_search(load_mnist(progress=False))
out = []
for seed in seeds:
    config = PRESETS["quick"].replace(seed=seed, epochs=1)
    network, optimizer, _ = build(config)
    train(network, x[:size], y[:size], epochs=1, batch_size=config.batch_size, optimizer=optimizer, seed=seed,
          measure_train_accuracy=False, progress=False)
    out.append({"seed": seed, "validation_accuracy": accuracy_of(network, vx, vy)})
    np.savez(f"{folder}/seed-{seed}.npz", *network.parameters())
print(json.dumps(out))
"""


def blas_threads(train_size: int = 10_000, seeds=SEEDS, threads=(1, 2), data_dir=None) -> dict:
    """The quick preset for one epoch on ``train_size`` images with 1 and with 2 BLAS threads.

    Each thread count runs in a fresh Python with ``OMP_NUM_THREADS`` set (the
    number of threads OpenBLAS uses is fixed when NumPy is imported). Returns, per
    seed, each run's validation accuracy and the largest difference of any parameter.
    """
    import tempfile

    results, seconds = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "threads.py"
        script.write_text(_THREADS_SCRIPT, encoding="utf-8")
        for count in threads:
            env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
            env["OMP_NUM_THREADS"] = str(count)
            if data_dir is not None:
                env["NEURALBOOK_DATA"] = str(data_dir)
            out = Path(folder) / f"threads-{count}"
            out.mkdir()
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, str(script), str(out), str(train_size), *map(str, seeds)], env=env,
                capture_output=True, text=True,
            )
            if done.returncode != 0:
                raise RuntimeError(f"the run with {count} BLAS thread(s) failed:\n{done.stderr.strip()}")
            runs = json.loads(done.stdout.strip().splitlines()[-1])
            for run in runs:
                with np.load(out / f"seed-{run['seed']}.npz", allow_pickle=False) as saved:
                    run["parameters"] = [saved[name] for name in saved.files]
            results[count] = runs
            seconds[count] = time.perf_counter() - start
    first, second = threads
    per_seed = []
    for a, b in zip(results[first], results[second]):
        difference = max(float(np.max(np.abs(p - q))) for p, q in zip(a["parameters"], b["parameters"]))
        identical = all(np.array_equal(p, q) for p, q in zip(a["parameters"], b["parameters"]))
        per_seed.append({
            "seed": a["seed"], f"validation_accuracy_{first}": a["validation_accuracy"],
            f"validation_accuracy_{second}": b["validation_accuracy"],
            "largest_parameter_difference": difference, "identical": identical,
        })
    return {
        "train_size": train_size, "epochs": 1, "preset": "quick", "threads": list(threads), "runs": per_seed,
        "seconds": {str(count): value for count, value in seconds.items()},
    }


# --8<-- [start:write_results]
def write_results(data, out_dir=None, *, progress=False, data_dir=None) -> list[Path]:
    """Run every experiment of *Choosing hyper-parameters* and of the capstone; write ``search.json``.

    Parameters
    ----------
    data : neuralbook.datasets.MnistData
        MNIST, as [`load_mnist`][neuralbook.datasets.load_mnist] returns it.
    out_dir : str or os.PathLike, optional
        Default: the package's ``results`` folder.
    progress : bool
        Print a line per setting on stderr.
    data_dir : str or os.PathLike, optional
        Where the MNIST files are, for the fresh Pythons of `blas_threads` (else they
        look where [`load_mnist`][neuralbook.datasets.load_mnist] looks).

    Returns
    -------
    list of pathlib.Path
        The file written.
    """
    from neuralbook.experiments import machine, results_dir, write_json

    out_dir = Path(out_dir) if out_dir is not None else results_dir()
    started = time.perf_counter()
    split = split_for_search(data)
    seconds = {}

    def timed(name, function, *args, **kwargs):
        start = time.perf_counter()
        value = function(*args, **kwargs)
        seconds[name] = time.perf_counter() - start
        if progress:
            _log(f"[search] {name}: {seconds[name]:.1f} s")
        return value

    results = {"machine": machine(), "written": time.strftime("%Y-%m-%d"), "seeds": list(SEEDS)}
    results["learning_rate_sweep"] = timed(
        "learning_rate_sweep", learning_rate_sweep, SWEEP_BASE, log_grid(0.001, 3.0), split, progress=progress
    )
    results["learning_curve"] = timed(
        "learning_curve", learning_curve, CURVE_BASE, (1000, 2000, 5000, 10_000, 25_000, 50_000), split,
        progress=progress,
    )
    results["search"] = timed("search", coarse_to_fine, SWEEP_BASE, split, progress=progress)
    exercises = {}
    exercises["hidden_sizes"] = timed("hidden_sizes", lambda: {
        "epochs": EXERCISE_EPOCHS,
        "runs": {str(h): [validation_run(_nielsen(sizes=[784, h, 10], epochs=EXERCISE_EPOCHS, seed=s), split) for s in SEEDS]
                 for h in HIDDEN_SIZES},
    })
    exercises["nielsen_learning_rates"] = timed(
        "nielsen_learning_rates", learning_rate_sweep, _nielsen(epochs=EXERCISE_EPOCHS), NIELSEN_LEARNING_RATES, split,
        progress=progress,
    )
    exercises["l2"] = timed("l2", lambda: {
        "config": _overfitting_base().to_dict(),
        "runs": {str(lam): [validation_run(_overfitting_base().replace(weight_decay=lam, seed=s), split) for s in SEEDS]
                 for lam in L2_STRENGTHS},
    })
    exercises["augmentation"] = timed("augmentation", _augmentation, split, SEEDS, progress)
    results["exercises"] = exercises
    results["blas_threads"] = timed("blas_threads", blas_threads, data_dir=data_dir)
    seconds["total"] = time.perf_counter() - started
    results["seconds"] = seconds
    return [write_json(out_dir / RESULT_FILE, results)]
# --8<-- [end:write_results]



# --- The capstone written from scratch (neuralbook.capstone) ------------------------------

#: The file [`write_capstone`][neuralbook.search.write_capstone] writes into ``neuralbook/results/``.
CAPSTONE_FILE = "capstone.json"
"""The file of the package's results that `write_capstone` writes."""
#: The capstone's bar: the validation accuracy that every seed of the solution must clear.
CAPSTONE_BAR = 0.975
"""The validation accuracy that every seed of the capstone's solution clears."""
#: The capstone's bonus questions: other hidden widths, and a cosine schedule over the same epochs.
CAPSTONE_WIDTHS = (32, 128)
"""The hidden widths of the capstone's first bonus question, beside its 64."""


def capstone_runs(data, seeds=SEEDS, *, test=False, sizes=None, cosine=False, progress=False) -> list[dict]:
    """Train [`neuralbook.capstone`][neuralbook.capstone] once per seed; the validation accuracy after every epoch.

    ``test=True`` for final models only: each is then measured once on the test set.
    ``sizes`` replaces the network's layers; ``cosine=True`` lowers η from its value to
    zero over the epochs with [`CosineAnnealing`][neuralbook.schedules.CosineAnnealing].
    """
    from neuralbook import capstone
    from neuralbook.datasets import train_validation_split
    from neuralbook.schedules import CosineAnnealing

    x, labels, validation_x, validation_labels = train_validation_split(data.train_images, data.train_labels)
    schedule = CosineAnnealing(capstone.LEARNING_RATE, total_epochs=capstone.EPOCHS) if cosine else None
    runs = []
    for seed in seeds:
        W, b, history = capstone.train(x, labels, validation_x, validation_labels, sizes=sizes or capstone.SIZES,
                                       seed=seed, schedule=schedule)
        run = {"seed": seed, "validation_accuracy_per_epoch": history, "validation_accuracy": history[-1]}
        if test:  # the final model, measured once
            run["test_accuracy"] = capstone.accuracy(W, b, data.test_images.astype(np.float32), data.test_labels)
        runs.append(run)
        if progress:
            _log(f"[capstone] sizes {sizes or capstone.SIZES} cosine {cosine} seed {seed}: {history[-1]}")
    return runs


def capstone_study(data, seeds=SEEDS, *, progress=False) -> dict:
    """The capstone's network with every seed (test set once per final model), and its bonus questions.

    The bonus runs use the same seeds, so each compares with the capstone seed by seed:
    the hidden widths of `CAPSTONE_WIDTHS`, and a cosine schedule for the same epochs.
    Both are measured on the validation set only.
    """
    from neuralbook import capstone

    return {
        "config": {"sizes": capstone.SIZES, "learning_rate": capstone.LEARNING_RATE, "beta": capstone.BETA,
                   "batch_size": capstone.BATCH_SIZE, "epochs": capstone.EPOCHS},
        "runs": capstone_runs(data, seeds, test=True, progress=progress),
        "widths": {str(n): capstone_runs(data, seeds, sizes=[784, n, 10], progress=progress) for n in CAPSTONE_WIDTHS},
        "cosine": capstone_runs(data, seeds, cosine=True, progress=progress),
    }


def write_capstone(data, out_dir=None, *, progress=False) -> Path:
    """Run `capstone_study` and write ``capstone.json`` (the results part ``capstone``)."""
    from neuralbook.experiments import machine, results_dir, write_json

    out_dir = Path(out_dir) if out_dir is not None else results_dir()
    started = time.perf_counter()
    study = capstone_study(data, progress=progress)
    stamp = {"machine": machine(), "written": time.strftime("%Y-%m-%d"), "seeds": list(SEEDS)}
    return write_json(out_dir / CAPSTONE_FILE, stamp | study | {"seconds": time.perf_counter() - started})


# --- Nielsen's halving rule, measured (Choosing hyper-parameters) ---------------------------

#: The file [`write_halving`][neuralbook.search.write_halving] writes into ``neuralbook/results/``.
HALVING_FILE = "halving.json"
"""The file of the package's results that `write_halving` writes."""

#: The runs of ``regularisation.json`` (the 1,000-image run of *Training better*) that
#: Nielsen's halving rule is tried on: the same config and seeds, the rate halved on every
#: plateau instead of held constant, the run's 400 epochs only a cap.
HALVING_BASES = ("none", "l2-0.001")
"""The runs of ``regularisation.json`` that the halving rule is tried on, with every seed."""

#: Nielsen's rule as his chapter 3 states it: halve η after ten epochs without a better
#: validation accuracy, and stop once η has dropped to 1/128 of its start.
HALVING_RULE = {"patience": 10, "smallest": 1 / 128}
"""Nielsen's rule: ten epochs without a better validation accuracy halve η; stop at η₀/128."""


# --8<-- [start:halving_run]
def halving_run(config: TrainingConfig, data, *, patience: int = 10, smallest: float = 1 / 128) -> dict:
    """Train the network of ``config`` with Nielsen's rule: halve η on every plateau, stop at η₀ · ``smallest``.

    The data, network, seed and batches are those of
    [`experiments.run`][neuralbook.experiments.run] with the same config, so on the same
    computer the run follows the constant-rate run exactly until the rule first fires
    (another computer may round the last digits differently). ``config.epochs``
    is only a cap. The validation accuracy that the rule watches is the one recorded.

    Returns
    -------
    dict
        The run as [`run_to_dict`][neuralbook.experiments.run_to_dict] describes it, with
        ``drops`` (the epochs after which η was halved), ``finished`` (whether the rule,
        not the cap, ended the run) and ``weight_rms`` (the root mean square of each
        layer's weights at the end, biases left out).
    """
    from neuralbook.experiments import run  # here: several functions of this module name a local ``run``

    if config.schedule != "constant":
        raise ValueError(f"expected a config with a constant schedule (the rule sets the rate), got {config.schedule!r}")
    rule = HalveOnPlateau(config.learning_rate, patience=patience, smallest=smallest)
    result = run(config, data, measure_test=False, progress=False, schedule=rule,
                 on_epoch=lambda record: rule.observe(record.validation_accuracy))
    weight_rms = [float(np.sqrt(np.mean(np.square(layer.W, dtype=np.float64)))) for layer in result.network.layers]
    return run_to_dict(result, "halving") | {"drops": rule.drops, "finished": rule.finished, "weight_rms": weight_rms}
# --8<-- [end:halving_run]


def write_halving(data, out_dir=None, *, seeds=SEEDS, progress=False) -> Path:
    """Run `halving_run` on each of `HALVING_BASES` with every seed; write ``halving.json``.

    Each base is the config of that run in ``regularisation.json``
    (``experiments.REGULARISATION``), so the two files compare the same networks, seed
    by seed, with a halved and a constant rate.
    """
    from neuralbook.experiments import REGULARISATION, machine, results_dir, write_json

    out_dir = Path(out_dir) if out_dir is not None else results_dir()
    started = time.perf_counter()
    runs = {}
    for name in HALVING_BASES:
        description, config = REGULARISATION[name]
        found = []
        for seed in seeds:
            found.append(halving_run(config.replace(seed=seed), data, patience=int(HALVING_RULE["patience"]),
                                     smallest=HALVING_RULE["smallest"]))
            if progress:
                _log(f"[halving] {name} seed {seed}: {found[-1]['epochs_trained']} epochs, "
                     f"{found[-1]['final_validation_accuracy']:.4f}")
        runs[name] = {"description": f"{description}, learning rate halved on every plateau", "seeds": list(seeds),
                      "validation_accuracy": [r["final_validation_accuracy"] for r in found], "runs": found}
    stamp = {"machine": machine(), "written": time.strftime("%Y-%m-%d"), "seeds": list(seeds)}
    rule = HALVING_RULE | {"factor": HalveOnPlateau(1.0).factor}  # it halves
    return write_json(out_dir / HALVING_FILE, stamp | {"rule": rule, "runs": runs, "seconds": time.perf_counter() - started})
