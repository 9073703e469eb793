"""Figures of the chapters *Training your first network on MNIST* and *Training better*.

Every figure is drawn from the results measured by ``neuralbook results``
([`neuralbook.experiments.load_result`][neuralbook.experiments.load_result]), so building the book needs no data and
no training.
"""

from __future__ import annotations

import numpy as np

from neuralbook.plots._style import COLORS, new_figure


def _percent_axis(ax, decimals: int = 0) -> None:
    ax.yaxis.set_major_formatter(lambda value, _: f"{100 * value:.{decimals}f}%")


def plot_nielsen_curve():
    """Training and validation accuracy of Nielsen's network, epoch by epoch."""
    from neuralbook.experiments import load_result

    run = load_result("presets")["runs"]["nielsen"]
    records = run["history"]["records"]
    epochs = [r["epoch"] for r in records]
    figure, ax = new_figure()
    config = run["config"]
    ax.plot(epochs, [r["train_accuracy"] for r in records], color=COLORS["function"], marker=".", label=f"training ({run['train_size']:,})")
    ax.plot(epochs, [r["validation_accuracy"] for r in records], color=COLORS["derivative"], marker=".", label=f"validation ({config['validation_size']:,})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_title(f"Nielsen's {config['sizes']} network, SGD η = {config['learning_rate']}, batch {config['batch_size']}")
    ax.grid(True, alpha=0.3)
    _percent_axis(ax)
    ax.legend(loc="lower right")
    return figure


def _curves(entry, column):
    """Epochs, and the mean and standard deviation over the seeds of one history column."""
    runs = [r for r in entry["runs"] if r["history"]["records"]]
    length = min(len(r["history"]["records"]) for r in runs)
    values = np.array([[rec[column] for rec in r["history"]["records"][:length]] for r in runs], dtype=float)
    std = values.std(axis=0, ddof=1) if len(runs) > 1 else np.zeros(length)
    return np.arange(1, length + 1), values.mean(axis=0), std


def _band(ax, entry, column, color, label, linestyle="-"):
    epochs, mean, std = _curves(entry, column)
    ax.plot(epochs, mean, color=color, linestyle=linestyle, label=label)
    ax.fill_between(epochs, mean - std, mean + std, color=color, alpha=0.2, linewidth=0)


def plot_overfitting():
    """The deliberately overfitting run: 1,000 training images, many epochs (seed 0)."""
    from neuralbook.experiments import load_result

    run = load_result("regularisation")["runs"]["none"]["runs"][0]
    records = run["history"]["records"]
    epochs = np.array([r["epoch"] for r in records])
    figure, (left, right) = new_figure(ncols=2, width=9.0, height=3.6)
    left.plot(epochs, [r["train_loss_end"] for r in records], color=COLORS["function"], label="training loss")
    left.plot(epochs, [r["validation_loss"] for r in records], color=COLORS["derivative"], label="validation loss")
    best = run["history"]["best_epoch"]
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("epoch (logarithmic scale)")
    left.set_title("Loss after each epoch (log scale)")
    left.grid(True, alpha=0.3)
    left.legend()
    right.plot(epochs, [r["train_accuracy"] for r in records], color=COLORS["function"], label=f"training ({run['train_size']:,})")
    right.plot(epochs, [r["validation_accuracy"] for r in records], color=COLORS["derivative"], label=f"validation ({run['config']['validation_size']:,})")
    right.axvline(best, color=COLORS["grey"], linestyle=":", label=f"best validation: epoch {best}")
    right.set_xscale("log")
    right.set_xlabel("epoch (logarithmic scale)")
    right.set_title("Accuracy")
    right.grid(True, alpha=0.3)
    _percent_axis(right)
    right.legend(loc="lower right")
    return figure


def plot_regularisation():
    """The 1,000-image run and its three cures: losses and accuracies, mean ± sd over seeds."""
    from neuralbook.experiments import load_result

    result = load_result("regularisation")
    runs = result["runs"]
    chosen = result["chosen_l2"]
    shown = [("none", "no regularisation", COLORS["grey"]), (chosen, "L2, λ = " + chosen[3:], COLORS["function"]),
             ("dropout-0.2", "dropout 0.2", COLORS["accent"]), ("shift-2", "shifts of up to 2 pixels", COLORS["good"])]
    figure, (left, right) = new_figure(ncols=2, width=10.0, height=4.0)
    for name, label, color in shown:
        _band(left, runs[name], "train_loss_end", color, f"{label}: training", linestyle="--")
        _band(left, runs[name], "validation_loss", color, f"{label}: validation")
        _band(right, runs[name], "validation_accuracy", color, label)
    left.set_yscale("log")
    left.set_xlabel("epoch")
    left.set_title("Loss after each epoch, no dropout, no shifts")
    left.grid(True, alpha=0.3)
    left.legend(fontsize="x-small", ncol=2)
    right.set_xlabel("epoch")
    right.set_title("Validation accuracy (mean ± sd over seeds)")
    right.grid(True, alpha=0.3)
    _percent_axis(right)
    right.legend(loc="lower right", fontsize="small")
    return figure


def plot_initialisation():
    """Validation accuracy in the first epochs from Nielsen's two starts, mean ± sd over seeds."""
    from neuralbook.experiments import load_result

    runs = load_result("ablations")["runs"]
    figure, ax = new_figure()
    for name, label, color in (
        ("quadratic", "chapter 1: N(0, 1) start, quadratic cost", COLORS["grey"]),
        ("cross-entropy", "N(0, 1) start, cross-entropy", COLORS["derivative"]),
        ("ch3-init", "chapter 3: N(0, 1/n_in) start, cross-entropy", COLORS["function"]),
    ):
        _band(ax, runs[name], "validation_accuracy", color, label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy")
    ax.set_title("[784, 30, 10] sigmoid network, mean ± sd over seeds")
    ax.grid(True, alpha=0.3)
    _percent_axis(ax, decimals=1)
    ax.legend(loc="lower right", fontsize="small")
    return figure


def plot_hidden_neurons(count: int = 10):
    """What a hidden neuron looks for: first-layer weights drawn as 28 × 28 images.

    The top row shows the first ``count`` hidden neurons of Nielsen's network (the
    ``nielsen`` preset, N(0, 1) start), the bottom row those of the modern network.
    Each image has its own colour scale, symmetric about zero.
    """
    from importlib import resources

    from neuralbook.serialization import load_model

    rows = []
    for preset in ("nielsen", "modern"):
        with resources.as_file(resources.files("neuralbook.results") / f"{preset}.npz") as path:
            rows.append((preset, load_model(path).network.layers[0].W))
    figure, axes = new_figure(ncols=count, nrows=len(rows), width=10.0, height=2.6)
    for (preset, W), row in zip(rows, axes):
        for n, ax in enumerate(row):
            limit = float(np.abs(W[n]).max())
            ax.imshow(W[n].reshape(28, 28), cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(preset, fontsize=9)
    figure.suptitle(
        f"first-layer weights of hidden neurons 1 to {count}: Nielsen's network (top), the modern network (bottom); "
        "red positive, blue negative", fontsize=9,
    )
    return figure


def plot_ablations():
    """Validation accuracy per epoch of every ablation of *Training better* (mean over seeds)."""
    from neuralbook.experiments import load_result

    runs = load_result("ablations")["runs"]
    figure, (left, right) = new_figure(ncols=2, width=10.0, height=4.0)
    sigmoid_runs = [n for n in runs if runs[n]["runs"][0]["config"]["hidden_activation"] == "sigmoid"]
    palette = [COLORS["function"], COLORS["derivative"], COLORS["accent"], COLORS["good"], COLORS["bad"], COLORS["grey"]]
    for ax, names, title in (
        (left, sigmoid_runs, "[784, 30, 10], sigmoid hidden layer"),
        (right, [n for n in runs if n not in sigmoid_runs], "[784, 128, 64, 10], ReLU"),
    ):
        for color, name in zip(palette, names):
            epochs, mean, _ = _curves(runs[name], "validation_accuracy")
            ax.plot(epochs, mean, marker=".", color=color, label=name)
        ax.set_xlabel("epoch")
        ax.set_ylabel("validation accuracy (mean over seeds)")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        _percent_axis(ax)
        ax.legend(loc="lower right", fontsize="small")
    right.set_ylim(0.95, 0.985)
    _percent_axis(right, decimals=1)
    return figure


def plot_modern_confusion_matrix():
    """The confusion matrix of the modern network on the 10,000 test images."""
    from neuralbook.experiments import load_result
    from neuralbook.plots.evaluation import plot_confusion_matrix

    matrix = load_result("modern-evaluation")["confusion_matrix"]
    return plot_confusion_matrix(matrix, title="the modern network on the test set")


def plot_misclassified():
    """Test digits the modern network gets wrong, with its answer and confidence."""
    from neuralbook.experiments import load_result

    wrong = load_result("modern-evaluation")["misclassified"]
    count = min(12, len(wrong["index"]))
    figure, axes = new_figure(ncols=6, nrows=2, width=8.0, height=3.6)
    for n, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if n >= count:
            continue
        image = np.asarray(wrong["images"][n], dtype=np.uint8).reshape(28, 28)
        ax.imshow(image, cmap="gray_r")
        ax.set_title(f"{wrong['label'][n]} → {wrong['predicted'][n]} ({100 * wrong['probability'][n]:.0f}%)", fontsize=9)
    figure.suptitle("true → predicted (the network's probability for its answer)")
    return figure


FIGURES = {
    "nielsen-curve.svg": plot_nielsen_curve,
    "overfitting.svg": plot_overfitting,
    "regularisation.svg": plot_regularisation,
    "initialisation.svg": plot_initialisation,
    "hidden-neurons.svg": plot_hidden_neurons,
    "ablations.svg": plot_ablations,
    "confusion-matrix.svg": plot_modern_confusion_matrix,
    "misclassified.svg": plot_misclassified,
}
