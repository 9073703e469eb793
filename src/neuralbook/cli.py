"""The ``neuralbook`` command: a thin layer over the package.

Everything a command does is a function of the package that a reader can call from
Python; this module only turns command-line words into those calls.

| command | what it calls |
|---|---|
| ``neuralbook train`` | [`neuralbook.experiments.run`][neuralbook.experiments.run] (a preset or any options) |
| ``neuralbook evaluate`` | [`neuralbook.evaluation.evaluate`][neuralbook.evaluation.evaluate] on the test set |
| ``neuralbook predict`` | [`neuralbook.preprocessing.preprocess_image`][neuralbook.preprocessing.preprocess_image], then the network, as [`neuralbook.evaluation.predict_image`][neuralbook.evaluation.predict_image] |
| ``neuralbook export-web`` | [`neuralbook.web.export_web`][neuralbook.web.export_web] |
| ``neuralbook results`` | [`neuralbook.reproduce.write_results`][neuralbook.reproduce.write_results] |

Every command that needs MNIST takes ``--data-dir``; without it the files come from
``$NEURALBOOK_DATA``, then the cache, then a download.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

from neuralbook import __version__
from neuralbook.augmentation import MAX_SHIFT
from neuralbook.files import cleanup_on_termination

if TYPE_CHECKING:
    from neuralbook.experiments import TrainingConfig
    from neuralbook.network import Network


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 784,128,64,10, got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected at least two positive sizes like 784,30,10, got {text!r}")
    if sizes[0] != 784 or sizes[-1] != 10:
        raise argparse.ArgumentTypeError(
            f"expected 784 inputs (28x28 pixels) first and 10 outputs (the digits) last, like 784,30,10, got {text!r}"
        )
    from neuralbook.serialization import parameter_shapes

    try:
        parameter_shapes(sizes)  # arithmetic only: a network that cannot fit is refused before it is allocated
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return sizes


def _number(kind, check, expected: str):
    """An argparse type: ``kind(text)`` if it is finite and passes ``check``."""

    def convert(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not math.isfinite(value) or not check(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return convert


_positive_int = _number(int, lambda n: n >= 1, "a whole number >= 1")
_count = _number(int, lambda n: n >= 0, "a whole number >= 0")
_positive_float = _number(float, lambda x: x > 0, "a number > 0")
_decay_factor = _number(float, lambda x: 0 < x <= 1, "a number > 0 and <= 1")
_nonnegative_float = _number(float, lambda x: x >= 0, "a number >= 0")
_shift = _number(int, lambda n: 0 <= n <= MAX_SHIFT, f"a whole number of pixels from 0 to {MAX_SHIFT} (the border MNIST leaves around its 20x20 digit box)")
_fraction = _number(float, lambda x: 0 <= x < 1, "a number from 0 up to (not including) 1")


#: How every command writes a file: said once, in ``neuralbook --help``.
OUTPUT_NOTE = (
    "Every file is written whole or not at all: into a temporary file beside it, then renamed over it. "
    "Before any work, the folder is checked to accept a new file. A symbolic link is followed (the link stays, "
    "the file it points to is replaced); a device, FIFO or socket (such as /dev/null) is refused."
)

#: The epilog of every command that writes a file: a pointer to `OUTPUT_NOTE`.
OUTPUT_POINTER = "Every file is written whole or not at all, never over an input; `neuralbook --help` says how."

#: The top-level help's examples, the maintainer's command and `OUTPUT_NOTE`.
MAIN_EPILOG = (
    "examples:\n"
    "  neuralbook train --preset quick --out model.npz   train a network (well under a minute)\n"
    "  neuralbook evaluate model.npz                     its accuracy and confusion matrix on the test set\n"
    "  neuralbook predict my-digit.png                   read a photo with the model that ships with the package\n"
    "  neuralbook predict my-digit.png --model model.npz read it with your own model\n"
    "  neuralbook train --help                           every option of a command\n\n"
    "for the book's maintainers:\n"
    "  results             re-run every measured result of the book and rewrite src/neuralbook/results/\n\n"
)


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", metavar="DIR", default=None,
        help="folder holding the four MNIST files, .gz or uncompressed; verified copies are kept in the cache, "
        "so later commands need no --data-dir (default: $NEURALBOOK_DATA, then the cache, then a download)",
    )


def _add_train_parser(commands) -> None:
    from neuralbook.experiments import (
        OPTIMIZERS,
        PRESET_DESCRIPTIONS,
        PRESETS,
        SCHEDULES,
        TrainingConfig,
    )
    from neuralbook.initializers import INITIALIZERS
    from neuralbook.network import HIDDEN_ACTIVATIONS, LOSSES, OUTPUTS

    presets = "\n".join(f"  {name:<13} {PRESET_DESCRIPTIONS[name]}" for name in PRESETS)
    parser = commands.add_parser(
        "train",
        help="train a network on MNIST and save it",
        description=(
            "Train a network on MNIST with mini-batch gradient descent and save it as a .npz model.\n"
            "Start from a preset and change any option; every option not given keeps the preset's value.\n"
            "The same options and --seed give the same model file, byte for byte (on the same machine and thread\n"
            "count): the file holds no wall-clock times (--history keeps them).\n\n"
            f"presets:\n{presets}"
        ),
        epilog=OUTPUT_POINTER,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    default = TrainingConfig()
    parser.add_argument("--preset", choices=sorted(PRESETS), default="quick", help="starting configuration (default: quick)")
    parser.add_argument("--out", "-o", metavar="FILE", default="model.npz", help="where to save the trained model (default: model.npz)")
    network = parser.add_argument_group("network")
    network.add_argument("--sizes", type=_sizes, metavar="N,N,...", help=f"neurons per layer, input first (e.g. {','.join(map(str, default.sizes))})")
    network.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, help="activation of the hidden layers")
    network.add_argument("--output", choices=OUTPUTS, help="activation of the output layer")
    network.add_argument("--loss", choices=LOSSES, help="the cost: quadratic (Nielsen's), cross_entropy, ...")
    network.add_argument("--init", choices=sorted(INITIALIZERS), help="weight initialisation (he for ReLU, xavier for sigmoid/tanh)")
    network.add_argument("--dropout", type=_fraction, metavar="P", help="probability of dropping a hidden activation while training (0 = off)")
    network.add_argument("--dtype", choices=("float32", "float64"), help="float32 (fast, default) or float64 (exact)")
    learning = parser.add_argument_group("learning")
    learning.add_argument("--optimizer", choices=OPTIMIZERS,
                          help=f"{', '.join(OPTIMIZERS[:-1])} or {OPTIMIZERS[-1]} (adamw: Adam with decoupled weight decay)")
    learning.add_argument("--learning-rate", "--lr", type=_positive_float, metavar="ETA", help="learning rate eta (the initial one with a schedule)")
    learning.add_argument("--momentum", type=_fraction, metavar="BETA", help="momentum beta of momentum and nesterov (Adam's beta1), default 0.9")
    learning.add_argument("--schedule", choices=SCHEDULES, help="learning rate over the epochs: constant, step, exponential or cosine")
    learning.add_argument("--decay-factor", type=_decay_factor, metavar="F", help="step: multiply eta by F every --decay-every epochs; exponential: every epoch")
    learning.add_argument("--decay-every", type=_positive_int, metavar="E", help="epochs between two drops of the step schedule")
    learning.add_argument("--weight-decay", "--l2", type=_nonnegative_float, metavar="LAMBDA", help="L2 regularisation: adds (lambda/2) * sum of squared weights to the loss")
    learning.add_argument("--batch-size", type=_positive_int, metavar="N", help="examples per mini-batch")
    learning.add_argument("--epochs", type=_positive_int, metavar="N", help="passes over the training set (the most, with --patience)")
    learning.add_argument("--patience", type=_positive_int, metavar="N", help="early stopping: stop after N epochs without a better validation accuracy")
    learning.add_argument("--seed", type=_count, help="seed of the weights, the shuffling, dropout and augmentation: same seed, same result, "
                          "but only with the same NumPy/BLAS build and the same number of BLAS threads "
                          "(OMP_NUM_THREADS); elsewhere the weights differ, and the accuracy may too")
    data = parser.add_argument_group("data")
    _add_data_dir(data)
    data.add_argument("--validation-size", type=_count, metavar="N", help="images held out from the 60,000 for validation (default 10000; 0 = none)")
    data.add_argument("--train-size", type=_positive_int, metavar="N", help="train on only the first N images (to see overfitting)")
    data.add_argument("--augment", type=_shift, nargs="?", const=2, metavar="PIXELS",
                      help="data augmentation: move every training image by a random shift of up to PIXELS pixels "
                           f"each way, anew every epoch (default when given alone: 2; 0 = off; at most {MAX_SHIFT}, the border "
                           "MNIST leaves around its 20x20 digit box)")
    output = parser.add_argument_group("output")
    output.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors (no progress bar, no epoch lines)")
    output.add_argument("--history", metavar="FILE", help="also write the run (config, per-epoch table; the test accuracy only with --test) as JSON")
    output.add_argument("--test", action="store_true",
                        help="also measure the test set, once, at the end: only for a final model, after every choice "
                             "is made (otherwise train reports validation only; `neuralbook evaluate` measures a saved model)")
    parser.set_defaults(run=_train)


_OPTION_FIELDS = {
    "sizes": "sizes", "activation": "hidden_activation", "output": "output", "loss": "loss", "init": "init",
    "dropout": "dropout", "dtype": "dtype", "optimizer": "optimizer", "learning_rate": "learning_rate",
    "momentum": "momentum", "schedule": "schedule", "decay_factor": "decay_factor", "decay_every": "decay_every",
    "weight_decay": "weight_decay", "batch_size": "batch_size", "epochs": "epochs", "patience": "patience",
    "seed": "seed", "validation_size": "validation_size", "train_size": "train_size", "augment": "augment",
}


def config_from_args(args: argparse.Namespace) -> TrainingConfig:
    """The [`TrainingConfig`][neuralbook.experiments.TrainingConfig] that ``neuralbook train`` options describe.

    Examples
    --------
    >>> args = build_parser().parse_args(["train", "--preset", "nielsen", "--epochs", "3"])
    >>> config = config_from_args(args)
    >>> config.sizes, config.learning_rate, config.epochs
    ([784, 30, 10], 3.0, 3)
    """
    from neuralbook.experiments import PRESETS

    changes = {field: getattr(args, option) for option, field in _OPTION_FIELDS.items() if getattr(args, option) is not None}
    return PRESETS[args.preset].replace(**changes)


def _check_outputs(*paths) -> None:
    """Refuse output paths that cannot be written (a folder, a file as a folder) before any work."""
    from neuralbook.files import check_writable

    for path in paths:
        if path is not None:
            check_writable(path)


def _same_file(first, second) -> bool:
    """Whether two paths name one file: the same file once links are followed, or the same resolved path."""
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist yet
        return os.path.realpath(first) == os.path.realpath(second)


def check_distinct(inputs: dict, outputs: dict) -> None:
    """Refuse, before any work, an output that names an input or another output.

    ``inputs`` and ``outputs`` map an option's name (as the reader typed it) to its
    path, or to ``None`` when not given. Otherwise ``train --out X --history X`` would
    save the model, then rename the history over it, and ``export-web M --out M``
    would replace the model it reads.

    Examples
    --------
    >>> check_distinct({"MODEL": "a.npz"}, {"--out": "./a.npz"})
    Traceback (most recent call last):
    ...
    ValueError: --out names the same file as MODEL (a.npz): an output never replaces an input; choose another name
    """
    given_outputs = [(name, path) for name, path in outputs.items() if path is not None]
    given_inputs = [(name, path) for name, path in inputs.items() if path is not None]
    for i, (name, path) in enumerate(given_outputs):
        for other, other_path in given_inputs + given_outputs[:i]:
            if _same_file(path, other_path):
                kind = "an input" if (other, other_path) in given_inputs else "another output"
                raise ValueError(f"{name} names the same file as {other} ({other_path}): "
                                 f"an output never replaces {kind}; choose another name")


def _data_files(data_dir: str | None) -> dict[str, str]:
    """The MNIST files a command may read, as inputs that no output may replace.

    Those of ``--data-dir`` (else of ``$NEURALBOOK_DATA``) and those of the cache, where
    the files are looked for next.
    """
    from neuralbook.datasets import DATA_ENV, MNIST_FILES, default_cache_dir

    folders = {"the data file": data_dir if data_dir is not None else os.environ.get(DATA_ENV) or None,
               "the cached data file": default_cache_dir()}
    names = [name + suffix for name in MNIST_FILES for suffix in (".gz", "")]
    return {f"{what} {name}": os.path.join(os.path.expanduser(folder), name)
            for what, folder in folders.items() if folder is not None for name in names}


def _check_readable(path, what: str) -> None:
    """Refuse, before opening it, an input that is no regular file: a FIFO would block the command forever."""
    if path is None:
        return
    file = Path(path)
    if file.is_dir():
        raise ValueError(f"cannot read {path}: a folder, not {what}")
    if not file.exists():
        raise FileNotFoundError(f"cannot read {path}: no such file")
    if not file.is_file():
        raise ValueError(f"cannot read {path}: not a regular file (a device, FIFO or socket), so not {what}")


def _load_mnist_model(path):
    """The network of a model file, refused in the command line's words unless it reads MNIST digits."""
    from neuralbook.serialization import load_model

    network = load_model(path).network
    sizes = network.sizes
    if sizes[0] != 784:
        raise ValueError(f"{path} takes {sizes[0]} inputs, but an MNIST image (or a picture, once "
                         f"preprocessed) has 784 pixels (28 x 28): it is not a digit model (its sizes are {sizes})")
    if sizes[-1] != 10:
        raise ValueError(f"{path} gives {sizes[-1]} outputs, but a digit model gives 10, one per digit "
                         f"(its sizes are {sizes})")
    return network


def _percent(value) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def describe_training(config: TrainingConfig) -> str:
    """One line naming every setting of a run that changes its arithmetic.

    Examples
    --------
    >>> from neuralbook.experiments import PRESETS
    >>> describe_training(PRESETS["modern"])
    '[784, 128, 64, 10] relu/softmax, cross_entropy, he init; adam eta=0.001, cosine schedule, dropout 0.1, batch 128, 30 epochs'
    >>> describe_training(PRESETS["nielsen"].replace(weight_decay=1e-4, dtype="float64"))
    '[784, 30, 10] sigmoid/sigmoid, quadratic, standard_normal init; sgd eta=3.0, L2 lambda=0.0001, batch 10, 30 epochs, float64'
    """
    network = f"{config.sizes} {config.hidden_activation}/{config.output}, {config.loss}, {config.init} init"
    training = [f"{config.optimizer} eta={config.learning_rate}"]
    if config.optimizer in ("momentum", "nesterov"):
        training[0] += f" beta={config.momentum}"
    if config.schedule != "constant":
        training.append(f"{config.schedule} schedule")
    if config.weight_decay:
        training.append(f"L2 lambda={config.weight_decay}")
    if config.dropout:
        training.append(f"dropout {config.dropout}")
    training += [f"batch {config.batch_size}", f"{config.epochs} epochs"]
    if config.dtype != "float32":
        training.append(config.dtype)
    return f"{network}; {', '.join(training)}"


#: Arrays of the parameters' size each optimizer keeps besides the parameters and their gradients.
_OPTIMIZER_COPIES = {"sgd": 0, "momentum": 1, "nesterov": 1, "adagrad": 1, "rmsprop": 1, "adam": 2, "adamw": 2}


def memory_needed(config: TrainingConfig) -> int:
    """Bytes a training run of ``config`` needs at least, the data set aside.

    The parameters, their gradients and the optimizer's copies (two for Adam), one
    more copy with early stopping, and a batch's activations kept for backpropagation
    (z and a of every layer).

    Examples
    --------
    >>> from neuralbook.experiments import PRESETS
    >>> # 23,850,010 float32 parameters kept four times, and 2 x 64 x 30,794 activations: in MB
    >>> round(memory_needed(PRESETS["quick"].replace(sizes=[784, 30000, 10])) / 1e6)
    397
    """
    from neuralbook.serialization import parameter_shapes

    itemsize = 8 if config.dtype == "float64" else 4
    count = sum(math.prod(shape) for shape in parameter_shapes(config.sizes))
    copies = 2 + _OPTIMIZER_COPIES.get(config.optimizer, 2) + (1 if config.patience else 0)
    batch = min(config.batch_size, config.train_size or _MNIST_TRAINING_IMAGES)  # no batch outgrows the images
    activations = 2 * batch * sum(config.sizes)
    return itemsize * (copies * count + activations)


#: The images of MNIST's training files (``train-images-idx3-ubyte``), the most a batch can hold.
_MNIST_TRAINING_IMAGES = 60_000


def _physical_memory() -> int | None:
    """This machine's memory in bytes, or ``None`` where the system does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _check_fits(config: TrainingConfig) -> None:
    """Refuse, before any work, a network whose training cannot fit in this machine's memory."""
    needed, available = memory_needed(config), _physical_memory()
    if available is not None and needed > available:
        raise ValueError(
            f"the network {config.sizes} trained with {config.optimizer} needs at least {needed / 1e9:.1f} GB "
            f"of memory, more than this machine's {available / 1e9:.1f} GB: use fewer neurons (--sizes), "
            f"a smaller --batch-size, or --optimizer sgd"
        )


#: The per-epoch fields that are wall-clock times, not results of the arithmetic.
TIMING_FIELDS = ("seconds", "evaluation_seconds")


def without_timings(history: dict) -> dict:
    """A history as the model file keeps it: every record without its wall-clock times.

    The times differ from one run to the next even when every weight is the same, so
    they stay out of the model file (``--history`` keeps them): the same seed, on the
    same machine, then gives the same file, byte for byte.

    Examples
    --------
    >>> without_timings({"records": [{"epoch": 1, "train_loss": 0.5, "seconds": 2.5, "evaluation_seconds": 0.1}]})
    {'records': [{'epoch': 1, 'train_loss': 0.5}]}
    """
    records = [{key: value for key, value in record.items() if key not in TIMING_FIELDS}
               for record in history.get("records", [])]
    return {**history, "records": records}


def _check_train_size(config, available: int) -> None:
    """Refuse a ``--train-size`` larger than the training images left after the validation set."""
    if config.validation_size >= available:
        raise ValueError(
            f"--validation-size {config.validation_size:,} holds out every one of the {available:,} training images: "
            f"it can be at most {available - 1:,} (the book uses 10,000)"
        )
    left = available - config.validation_size
    if config.train_size is not None and config.train_size > left:
        raise ValueError(
            f"--train-size {config.train_size} is more than the {left:,} training images there are: "
            f"{config.validation_size:,} of the {available:,} are held out for validation (--validation-size), "
            f"so --train-size can be at most {left}"
        )


def _train(args) -> int:
    from neuralbook.datasets import load_mnist
    from neuralbook.experiments import run, run_to_dict, write_json
    from neuralbook.serialization import save_model

    config = config_from_args(args)
    check_distinct(_data_files(args.data_dir), {"--out": args.out, "--history": args.history})
    _check_fits(config)
    _check_outputs(args.out, args.history)  # before minutes of training, not after
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    data = load_mnist(args.data_dir, progress=not args.quiet, remember=True)
    _check_train_size(config, len(data.train_images))
    say(f"training {describe_training(config)}")
    say(f"{'epoch':>5} {'loss':>8} {'train':>8} {'valid':>8} {'seconds':>8}")

    def on_epoch(record):
        say(f"{record.epoch:>5} {record.train_loss:>8.4f} {_percent(record.train_accuracy):>8} "
            f"{_percent(record.validation_accuracy):>8} {record.seconds:>8.2f}")

    result = run(config, data, measure_test=args.test, progress=False if args.quiet else None, on_epoch=on_epoch,
                 guard=True)  # a run that failed with a finite loss is stopped too, and never saved
    if result.diverged:
        print(f"error: {result.diverged}", file=sys.stderr)
        return 1
    if result.history.stopped_early:
        say(f"early stopping: no better validation accuracy for {config.patience} epochs; kept epoch {result.history.best_epoch}")
    if config.validation_size:
        kept = result.history.best_validation_accuracy if result.history.stopped_early else result.history[-1].validation_accuracy
        say(f"validation accuracy: {_percent(kept)}")
    elif not args.test:
        say("no validation set (--validation-size 0): measure the final model with `neuralbook evaluate` or train with --test")
    if args.test:
        say(f"test accuracy: {_percent(result.test_accuracy)}")
    metadata = {"config": config.to_dict(), "preset": args.preset}
    if args.test:
        metadata["test_accuracy"] = result.test_accuracy
    save_model(args.out, cast("Network", result.network), history=without_timings(result.history.to_dict()), metadata=metadata)
    say(f"saved {args.out}")
    if args.history:
        write_json(args.history, run_to_dict(result, args.preset))
    return 0


def _add_evaluate_parser(commands) -> None:
    parser = commands.add_parser(
        "evaluate", help="accuracy, per-class accuracy and confusion matrix of a saved model on the test set",
        description="Evaluate a saved model on the 10,000 MNIST test images: accuracy, accuracy per digit, "
        "the confusion matrix (as text, and as a figure with --figure) and the most-confused pairs. "
        "Only the two test files of MNIST are needed.",
        epilog=OUTPUT_POINTER,
    )
    parser.add_argument("model", metavar="MODEL", help="a model saved by `neuralbook train` (.npz)")
    _add_data_dir(parser)
    parser.add_argument("--figure", metavar="FILE", help="also draw the confusion matrix into FILE (.svg, .png or .pdf)")
    parser.add_argument("--top", type=_count, default=5, metavar="N", help="how many most-confused pairs to list (default 5)")
    parser.set_defaults(run=_evaluate)


def _evaluate(args) -> int:
    from neuralbook import evaluation
    from neuralbook.datasets import load_test_set

    check_distinct({"MODEL": args.model} | _data_files(args.data_dir), {"--figure": args.figure})
    network = _load_mnist_model(args.model)
    _check_figure(args.figure)
    test_images, test_labels = load_test_set(args.data_dir, remember=True)  # the training files are not needed
    report = evaluation.evaluate(network, test_images, test_labels)
    print(f"test accuracy: {_percent(report.accuracy)} ({report.num_errors} errors in {report.num_examples} images)")
    print("accuracy per digit:")
    for digit, value in enumerate(report.per_class_accuracy):
        print(f"  {digit}: {_percent(float(value))}")
    print("confusion matrix (rows: true digit, columns: predicted):")
    print(evaluation.format_confusion_matrix(report.confusion_matrix))
    print("most confused (true -> predicted: count):")
    for true, predicted, count in evaluation.most_confused_pairs(report.confusion_matrix, top=args.top):
        print(f"  {true} -> {predicted}: {count}")
    if args.figure:
        from neuralbook.plots.evaluation import save_confusion_matrix

        print(f"saved {save_confusion_matrix(report.confusion_matrix, args.figure)}")
    return 0


_FIGURE_SUFFIXES = (".svg", ".png", ".pdf")


def _check_figure(path) -> None:
    """Refuse a ``--figure`` that cannot be drawn before the evaluation, not after it."""
    if path is None:
        return
    _check_outputs(path)
    if Path(path).suffix.lower() not in _FIGURE_SUFFIXES:
        raise ValueError(f"cannot draw a figure into {path}: expected a name ending in {', '.join(_FIGURE_SUFFIXES)}")


def shipped_model() -> Path:
    """The trained network that ships with the package: ``neuralbook/results/modern.npz``.

    Examples
    --------
    >>> shipped_model().name, shipped_model().parent.name
    ('modern.npz', 'results')
    """
    return Path(__file__).resolve().parent / "results" / "modern.npz"


def _add_predict_parser(commands) -> None:
    parser = commands.add_parser(
        "predict", help="the probability of each digit for a picture",
        usage="neuralbook predict [-h] [--model MODEL] [--json] [--save-input FILE] [MODEL] IMAGE",
        description="Classify a picture of a handwritten digit (PNG or JPEG, dark ink on light paper or the "
        "reverse): it is preprocessed like MNIST (cropped, scaled into 20x20, centred by mass in 28x28) "
        "and the model's probability of each digit is printed. Without a model, the book's trained network "
        "that ships with the package (neuralbook/results/modern.npz) reads it.",
        epilog=OUTPUT_POINTER,
    )
    parser.add_argument("paths", nargs="+", metavar="[MODEL] IMAGE",
                        help="a picture of one digit, after the model to use if one is named "
                        "(`predict MODEL IMAGE` is the same as `predict IMAGE --model MODEL`)")
    parser.add_argument("--model", "-m", metavar="MODEL", help="a model saved by `neuralbook train` (.npz); "
                        "default: the model that ships with the package")
    parser.add_argument("--json", action="store_true", help="print the probabilities as JSON")
    parser.add_argument("--save-input", metavar="FILE", help="also save the 28x28 image the network sees, "
                        "after preprocessing, as a PNG (bright digit on black, as in MNIST): to see why a photo was misread")
    parser.set_defaults(run=_predict)


def _predict_paths(args) -> tuple[str, str]:
    """``(model, image)`` from ``predict [MODEL] IMAGE [--model MODEL]``."""
    if len(args.paths) > 2:
        raise ValueError(f"expected an image, or a model then an image, got {len(args.paths)} paths: "
                         f"{' '.join(args.paths)}")
    if len(args.paths) == 2:
        if args.model is not None:
            raise ValueError("a model was named twice: give it either before the image or with --model, not both")
        return args.paths[0], args.paths[1]
    return (args.model if args.model is not None else str(shipped_model())), args.paths[0]


def _save_input(x, path) -> None:
    """Write the 784 values the network reads as a 28x28 greyscale PNG (0 black, 1 white)."""
    import numpy as np
    from PIL import Image

    from neuralbook.files import atomic_write

    pixels = np.clip(np.round(np.asarray(x, dtype=np.float64).reshape(28, 28) * 255), 0, 255).astype(np.uint8)
    with atomic_write(path) as file:
        Image.fromarray(pixels, mode="L").save(file, format="PNG")


def _predict(args) -> int:
    import numpy as np

    from neuralbook.evaluation import check_finite_outputs
    from neuralbook.preprocessing import preprocess_image

    model, image = _predict_paths(args)
    check_distinct({"MODEL": model, "IMAGE": image}, {"--save-input": args.save_input})
    if args.save_input is not None:
        _check_outputs(args.save_input)
        if Path(args.save_input).suffix.lower() != ".png":
            raise ValueError(f"cannot save {args.save_input} as a PNG: expected a name ending in .png")
    _check_readable(image, "an image")  # before the model, which may take seconds to load
    network = _load_mnist_model(model)
    x = preprocess_image(image)  # what predict_image does, keeping the network's input to save it
    if args.save_input is not None:
        _save_input(x, args.save_input)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below
        probabilities = check_finite_outputs(network.forward(x[None, :]), "images")[0]
    best = int(probabilities.argmax())
    if args.json:
        print(json.dumps({"prediction": best, "probabilities": [float(p) for p in probabilities]}, allow_nan=False))
        return 0
    print(f"prediction: {best}")
    for digit, p in enumerate(probabilities):
        print(f"  {digit}: {float(p):.4f}  {'#' * int(round(40 * float(p)))}")
    if args.save_input is not None:
        print(f"saved {args.save_input}")
    return 0


def _add_export_parser(commands) -> None:
    parser = commands.add_parser(
        "export-web", help="write a model as the weights file of the book's in-page digit widget",
        description="Write a saved model as the compact JSON file that the chapter 'Draw your own digit' runs in the browser.",
        epilog=OUTPUT_POINTER,
    )
    parser.add_argument("model", metavar="MODEL", help="a model saved by `neuralbook train` (.npz)")
    parser.add_argument(
        "--out", "-o", metavar="FILE",
        help="where to write (default: docs/assets/digit-model.json under the current folder, "
        "the widget's file when run at the root of the book's checkout)",
    )
    parser.set_defaults(run=_export_web)


def _export_web(args) -> int:
    from neuralbook import web

    out = Path(args.out) if args.out is not None else web.SITE_MODEL
    check_distinct({"MODEL": args.model}, {"--out": out})
    _check_outputs(out)
    network = _load_mnist_model(args.model)
    web.check_widget_network(network)
    path = web.export_web(args.model, out)
    print(f"wrote {path}")
    return 0


def _add_results_parser(commands) -> None:
    from neuralbook.reproduce import RESULT_PARTS as parts
    from neuralbook.reproduce import whole_run_minutes

    parser = commands.add_parser(  # no help=: listed apart, as the maintainers' command, in the epilog
        "results",
        description="Re-run every training result the book reports and rewrite the package's results folder "
        "(src/neuralbook/results/), which the chapters cite: the model selection (30 epochs, five seeds, on the "
        "validation set), the presets and Nielsen's network over five seeds (the only runs measured on the test "
        "set), the baselines, the ablations, weight decay, the 1,000-image regularisation runs, the common "
        "mistakes, the modern model and its evaluation, the MNIST summary, the web export, the hyper-parameter "
        "search and the photo measurements. Every comparison is trained with five seeds. Needs the MNIST files "
        f"(--data-dir, $NEURALBOOK_DATA or the cache). Its last whole run took about {whole_run_minutes()} minutes "
        "on a two-core machine with --jobs 2 (the default there); expect longer with --jobs 1, and many times "
        "longer beside other heavy work. It logs every run with the time elapsed.",
    )
    _add_data_dir(parser)
    parser.add_argument("--out-dir", metavar="DIR", help="write here instead of the package's results folder")
    parser.add_argument("--only", nargs="+", choices=parts, metavar="PART", help=f"only some parts: {', '.join(parts)}")
    parser.add_argument("--web-out", metavar="FILE", help="where the widget's weights go (default: docs/assets/digit-model.json in a checkout)")
    parser.add_argument("--progress", action="store_true", help="show progress bars")
    parser.add_argument(
        "--jobs", type=_positive_int, default=min(2, os.cpu_count() or 1), metavar="N",
        help="2: run the parts in two processes side by side, the ablations, weight decay and regularisation in one, "
        "each with one BLAS thread, as the book's results were written (default: 2 on a machine with two "
        "cores or more); 1: all in this process, with its threads",
    )
    parser.set_defaults(run=_results)


def _results(args) -> int:
    from neuralbook.experiments import RESULT_FILES, results_dir
    from neuralbook.files import check_folder_writable
    from neuralbook.reproduce import write_results

    out_dir = Path(args.out_dir) if args.out_dir is not None else results_dir()
    results = {f"the result file {name}": out_dir / name for name in RESULT_FILES.values()}  # the model exported is one
    check_distinct(_data_files(args.data_dir) | results, {"--web-out": args.web_out})
    _check_outputs(args.web_out)  # before minutes of work, not after
    if args.out_dir is not None:
        check_folder_writable(args.out_dir)
    for path in write_results(args.data_dir, args.out_dir, only=args.only, progress=args.progress, web_path=args.web_out, jobs=args.jobs):
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``neuralbook`` with all its subcommands."""
    import textwrap

    parser = argparse.ArgumentParser(
        prog="neuralbook",
        description="Neural Networks from Scratch: train, evaluate and use the book's networks.",
        epilog=MAIN_EPILOG + textwrap.fill(OUTPUT_NOTE, 100),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"neuralbook {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_train_parser(commands)
    _add_evaluate_parser(commands)
    _add_predict_parser(commands)
    _add_export_parser(commands)
    _add_results_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Examples
    --------
    >>> main(["--help"])  # doctest: +ELLIPSIS
    usage: neuralbook [-h] [--version] COMMAND ...
    ...
    """
    from neuralbook.training import TrainingDiverged

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 0
    if sys.stdout is None:  # started with stdout closed (`neuralbook ... >&-`): say so before any work
        if sys.stderr is not None:
            print("error: the standard output is closed, so nothing could be printed; "
                  "redirect it to a file or to /dev/null instead", file=sys.stderr)
        return 1
    _never_fail_to_print()
    try:
        with cleanup_on_termination():  # a SIGTERM removes temporary files, like Ctrl-C
            status = int(args.run(args) or 0)
            sys.stdout.flush()  # a closed pipe is found here, not at exit
            return status
    except BrokenPipeError:  # `neuralbook predict ... | head -1`: the reader has what it wanted
        _silence_stdout()
        return 141  # 128 + SIGPIPE, the status of a program a closed pipe ends
    except MemoryError:
        print("error: not enough memory for this command; try a smaller network (--sizes) or batch (--batch-size)",
              file=sys.stderr)
        return 1
    except (OSError, TrainingDiverged, ValueError) as error:  # missing files, no download, bad input
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _never_fail_to_print() -> None:
    """Print what the terminal's encoding cannot show (a file name in another encoding) as escapes.

    Otherwise a command that has done its work, say saved a model, would fail on
    the line that names the file.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, io.UnsupportedOperation):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]  # a TextIOWrapper, or skipped


def _silence_stdout() -> None:
    """Point stdout at the null device, so that Python's final flush does not complain again."""
    with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
