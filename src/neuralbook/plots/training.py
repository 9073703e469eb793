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


def plot_overfitting():
    """The deliberately overfitting run: 1,000 training images, many epochs."""
    from neuralbook.experiments import load_result

    run = load_result("overfitting")
    records = run["history"]["records"]
    epochs = np.array([r["epoch"] for r in records])
    figure, (left, right) = new_figure(ncols=2, width=9.0, height=3.6)
    left.plot(epochs, [r["train_loss"] for r in records], color=COLORS["function"], label="training loss")
    left.plot(epochs, [r["validation_loss"] for r in records], color=COLORS["derivative"], label="validation loss")
    best = run["history"]["best_epoch"]
    left.set_xscale("log")
    left.set_xlabel("epoch (logarithmic scale)")
    left.set_title("Loss")
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


def plot_ablations():
    """Validation accuracy per epoch of every ablation of *Training better*."""
    from neuralbook.experiments import load_result

    runs = load_result("ablations")["runs"]
    figure, (left, right) = new_figure(ncols=2, width=10.0, height=4.0)
    sigmoid_runs = ["quadratic", "cross-entropy", "softmax", "naive-init"]
    palette = [COLORS["function"], COLORS["derivative"], COLORS["accent"], COLORS["good"], COLORS["bad"], COLORS["grey"]]
    for ax, names, title in (
        (left, sigmoid_runs, "[784, 30, 10], sigmoid hidden layer"),
        (right, [n for n in runs if n not in sigmoid_runs], "[784, 128, 64, 10], ReLU"),
    ):
        for color, name in zip(palette, names):
            records = runs[name]["history"]["records"]
            ax.plot([r["epoch"] for r in records], [r["validation_accuracy"] for r in records], marker=".", color=color, label=name)
        ax.set_xlabel("epoch")
        ax.set_ylabel("validation accuracy")
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
    "ablations.svg": plot_ablations,
    "confusion-matrix.svg": plot_modern_confusion_matrix,
    "misclassified.svg": plot_misclassified,
}
