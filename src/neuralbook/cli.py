"""The ``neuralbook`` command: a thin layer over the package.

Everything a command does is a function of the package that a reader can call from
Python; this module only turns command-line words into those calls.

| command | what it calls |
|---|---|
| ``neuralbook train`` | [`neuralbook.experiments.run`][neuralbook.experiments.run] (a preset or any options) |
| ``neuralbook evaluate`` | [`neuralbook.evaluation.evaluate`][neuralbook.evaluation.evaluate] on the test set |
| ``neuralbook predict`` | [`neuralbook.evaluation.predict_image`][neuralbook.evaluation.predict_image] |
| ``neuralbook export-web`` | [`neuralbook.web.export_web`][neuralbook.web.export_web] |
| ``neuralbook results`` | [`neuralbook.experiments.write_results`][neuralbook.experiments.write_results] |

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

from neuralbook import __version__
from neuralbook.files import cleanup_on_termination


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
_fraction = _number(float, lambda x: 0 <= x < 1, "a number from 0 up to (not including) 1")


#: The epilog of every command that writes a file.
OUTPUT_NOTE = (
    "Every file is written whole or not at all: into a temporary file beside it, then renamed over it. "
    "Before any work, the folder is checked to accept a new file. A symbolic link is followed (the link stays, "
    "the file it points to is replaced); a device, FIFO or socket (such as /dev/null) is refused."
)


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", metavar="DIR", default=None,
        help="folder holding the four MNIST files, .gz or uncompressed; verified copies are kept in the cache, "
        "so later commands need no --data-dir (default: $NEURALBOOK_DATA, then the cache, then a download)",
    )


def _add_train_parser(commands) -> None:
    from neuralbook.experiments import OPTIMIZERS, PRESET_DESCRIPTIONS, PRESETS, SCHEDULES, TrainingConfig
    from neuralbook.initializers import INITIALIZERS
    from neuralbook.network import HIDDEN_ACTIVATIONS, LOSSES, OUTPUTS

    presets = "\n".join(f"  {name:<13} {PRESET_DESCRIPTIONS[name]}" for name in PRESETS)
    parser = commands.add_parser(
        "train",
        help="train a network on MNIST and save it",
        description=(
            "Train a network on MNIST with mini-batch gradient descent and save it as a .npz model.\n"
            "Start from a preset and change any option; every option not given keeps the preset's value.\n\n"
            f"presets:\n{presets}"
        ),
        epilog=OUTPUT_NOTE,
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
    learning.add_argument("--optimizer", choices=OPTIMIZERS, help="sgd, momentum or adam")
    learning.add_argument("--learning-rate", "--lr", type=_positive_float, metavar="ETA", help="learning rate eta (the initial one with a schedule)")
    learning.add_argument("--momentum", type=_fraction, metavar="BETA", help="momentum beta (Adam's beta1), default 0.9")
    learning.add_argument("--schedule", choices=SCHEDULES, help="learning rate over the epochs: constant, step, exponential or cosine")
    learning.add_argument("--decay-factor", type=_decay_factor, metavar="F", help="step: multiply eta by F every --decay-every epochs; exponential: every epoch")
    learning.add_argument("--decay-every", type=_positive_int, metavar="E", help="epochs between two drops of the step schedule")
    learning.add_argument("--weight-decay", "--l2", type=_nonnegative_float, metavar="LAMBDA", help="L2 regularisation: adds (lambda/2) * sum of squared weights to the loss")
    learning.add_argument("--batch-size", type=_positive_int, metavar="N", help="examples per mini-batch")
    learning.add_argument("--epochs", type=_positive_int, metavar="N", help="passes over the training set (the most, with --patience)")
    learning.add_argument("--patience", type=_positive_int, metavar="N", help="early stopping: stop after N epochs without a better validation accuracy")
    learning.add_argument("--seed", type=_count, help="seed of the weights, the shuffling, dropout and augmentation: same seed, same result, "
                          "but only with the same NumPy/BLAS build and the same number of BLAS threads "
                          "(OMP_NUM_THREADS); elsewhere expect accuracies a few hundredths of a point apart")
    data = parser.add_argument_group("data")
    _add_data_dir(data)
    data.add_argument("--validation-size", type=_count, metavar="N", help="images held out from the 60,000 for validation (default 10000; 0 = none)")
    data.add_argument("--train-size", type=_positive_int, metavar="N", help="train on only the first N images (to see overfitting)")
    data.add_argument("--augment", type=_count, nargs="?", const=2, metavar="PIXELS",
                      help="data augmentation: move every training image by a random shift of up to PIXELS pixels "
                           "each way, anew every epoch (default when given alone: 2; 0 = off)")
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


def config_from_args(args):
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


def _percent(value) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def describe_training(config) -> str:
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
    if config.optimizer == "momentum":
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


def _train(args) -> int:
    from neuralbook.datasets import load_mnist
    from neuralbook.experiments import run, run_to_dict, write_json
    from neuralbook.serialization import save_model

    config = config_from_args(args)
    _check_outputs(args.out, args.history)  # before minutes of training, not after
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    data = load_mnist(args.data_dir, progress=not args.quiet, remember=True)
    say(f"training {describe_training(config)}")
    say(f"{'epoch':>5} {'loss':>8} {'train':>8} {'valid':>8} {'seconds':>8}")

    def on_epoch(record):
        say(f"{record.epoch:>5} {record.train_loss:>8.4f} {_percent(record.train_accuracy):>8} "
            f"{_percent(record.validation_accuracy):>8} {record.seconds:>8.2f}")

    result = run(config, data, measure_test=args.test, progress=False if args.quiet else None, on_epoch=on_epoch)
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
    save_model(args.out, result.network, history=result.history.to_dict(), metadata=metadata)
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
        epilog=OUTPUT_NOTE,
    )
    parser.add_argument("model", metavar="MODEL", help="a model saved by `neuralbook train` (.npz)")
    _add_data_dir(parser)
    parser.add_argument("--figure", metavar="FILE", help="also draw the confusion matrix into FILE (.svg, .png or .pdf)")
    parser.add_argument("--top", type=_count, default=5, metavar="N", help="how many most-confused pairs to list (default 5)")
    parser.set_defaults(run=_evaluate)


def _evaluate(args) -> int:
    from neuralbook import evaluation
    from neuralbook.datasets import load_test_set
    from neuralbook.serialization import load_model

    network = load_model(args.model).network
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


def _add_predict_parser(commands) -> None:
    parser = commands.add_parser(
        "predict", help="the probability of each digit for a picture",
        description="Classify a picture of a handwritten digit (PNG or JPEG, dark ink on light paper or the "
        "reverse): it is preprocessed like MNIST (cropped, scaled into 20x20, centred by mass in 28x28) "
        "and the model's probability of each digit is printed.",
    )
    parser.add_argument("model", metavar="MODEL", help="a model saved by `neuralbook train` (.npz)")
    parser.add_argument("image", metavar="IMAGE", help="a picture of one digit")
    parser.add_argument("--json", action="store_true", help="print the probabilities as JSON")
    parser.set_defaults(run=_predict)


def _predict(args) -> int:
    from neuralbook.evaluation import predict_image
    from neuralbook.serialization import load_model

    network = load_model(args.model).network
    probabilities = predict_image(network, args.image)
    best = int(probabilities.argmax())
    if args.json:
        print(json.dumps({"prediction": best, "probabilities": [float(p) for p in probabilities]}, allow_nan=False))
        return 0
    print(f"prediction: {best}")
    for digit, p in enumerate(probabilities):
        print(f"  {digit}: {float(p):.4f}  {'#' * int(round(40 * float(p)))}")
    return 0


def _add_export_parser(commands) -> None:
    parser = commands.add_parser(
        "export-web", help="write a model as the weights file of the book's in-page digit widget",
        description="Write a saved model as the compact JSON file that the chapter 'Draw your own digit' runs in the browser.",
        epilog=OUTPUT_NOTE,
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
    _check_outputs(out)
    path = web.export_web(args.model, out)
    print(f"wrote {path}")
    return 0


def _add_results_parser(commands) -> None:
    from neuralbook.experiments import RESULT_PARTS as parts

    parser = commands.add_parser(
        "results", help="re-run every measured result of the book and rewrite src/neuralbook/results/ (needs the MNIST data)",
        description="Re-run every training result the book reports and rewrite the package's results folder "
        "(src/neuralbook/results/), which the chapters cite: the model selection (30 epochs, five seeds, on the "
        "validation set), the presets and Nielsen's network over five seeds (the only runs measured on the test "
        "set), the baselines, the ablations, weight decay, the 1,000-image regularisation runs, the common "
        "mistakes, the modern model and its evaluation, the MNIST summary, the web export, the hyper-parameter "
        "search and the photo measurements. Every comparison is trained with five seeds. Needs the MNIST files "
        "(--data-dir, $NEURALBOOK_DATA or the cache). Takes about half an hour on a quiet two-core machine "
        "with --jobs 2 (the default there), about 50 minutes with --jobs 1, and many times longer beside other "
        "heavy work; it logs every run with the time elapsed.",
    )
    _add_data_dir(parser)
    parser.add_argument("--out-dir", metavar="DIR", help="write here instead of the package's results folder")
    parser.add_argument("--only", nargs="+", choices=parts, metavar="PART", help=f"only some parts: {', '.join(parts)}")
    parser.add_argument("--web-out", metavar="FILE", help="where the widget's weights go (default: docs/assets/digit-model.json in a checkout)")
    parser.add_argument("--progress", action="store_true", help="show progress bars")
    parser.add_argument(
        "--jobs", type=_positive_int, default=min(2, os.cpu_count() or 1), metavar="N",
        help="2: run the parts in two processes side by side, the regularisation and search parts in one, "
        "each with one BLAS thread, as the book's results were written (default: 2 on a machine with two "
        "cores or more); 1: all in this process, with its threads",
    )
    parser.set_defaults(run=_results)


def _results(args) -> int:
    from neuralbook.experiments import write_results
    from neuralbook.files import check_folder_writable

    _check_outputs(args.web_out)  # before minutes of work, not after
    if args.out_dir is not None:
        check_folder_writable(args.out_dir)
    for path in write_results(args.data_dir, args.out_dir, only=args.only, progress=args.progress, web_path=args.web_out, jobs=args.jobs):
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``neuralbook`` with all its subcommands."""
    parser = argparse.ArgumentParser(
        prog="neuralbook",
        description="Neural Networks from Scratch: train, evaluate and use the book's networks.",
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
            stream.reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    """Point stdout at the null device, so that Python's final flush does not complain again."""
    with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
