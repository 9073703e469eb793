"""Figures of the chapter *The MNIST data set*.

They are drawn from the summary of the real data that ships with the package
(``neuralbook/results/mnist-summary.npz``, written by
[`neuralbook.datasets.write_summary`][neuralbook.datasets.write_summary]), so the book builds without the data.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from neuralbook.datasets import load_summary
from neuralbook.plots._style import COLORS, new_figure


@lru_cache(maxsize=1)
def _summary() -> dict:
    return load_summary()


def _digit(ax, image, title: str | None = None) -> None:
    """One digit in grey, ink dark on white paper, as it was written."""
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=255 if image.dtype == np.uint8 else 1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=9, pad=2)


def plot_samples(rows: int = 4, cols: int = 10):
    """The first ``rows * cols`` training images with their labels."""
    summary = _summary()
    figure, axes = new_figure(ncols=cols, nrows=rows, width=7.0, height=0.8 * rows + 0.3)
    for index, ax in enumerate(np.ravel(axes)):
        _digit(ax, summary["sample_images"][index], str(int(summary["sample_labels"][index])))
    figure.suptitle(f"The first {rows * cols} training images and their labels", fontsize=10)
    return figure


def plot_class_means():
    """The average training image of each digit."""
    summary = _summary()
    figure, axes = new_figure(ncols=10, nrows=1, width=7.0, height=1.15)
    for digit, ax in enumerate(axes):
        _digit(ax, summary["class_mean_images"][digit], str(digit))
    figure.suptitle("The average training image of each digit", fontsize=10)
    return figure


def plot_class_counts():
    """How many images of each digit the training and test sets hold."""
    summary = _summary()
    digits = np.arange(10)
    figure, (left, right) = new_figure(ncols=2, width=7.0, height=2.8)
    for ax, split, color in ((left, "train", COLORS["function"]), (right, "test", COLORS["accent"])):
        counts = summary[f"{split}_class_counts"]
        ax.bar(digits, counts, color=color)
        ax.axhline(counts.mean(), color=COLORS["grey"], linestyle="--", linewidth=1, label="mean")
        ax.set_xticks(digits)
        ax.set_xlabel("digit")
        ax.set_title(f"{'training' if split == 'train' else 'test'} set ({counts.sum():,} images)", fontsize=10)
        ax.set_ylim(0, counts.max() * 1.12)
        ax.grid(True, axis="y", alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    left.set_ylabel("images")
    return figure


def plot_pixel_histogram():
    """How often each pixel value 0-255 occurs in the training images (log scale)."""
    summary = _summary()
    histogram = summary["train_pixel_histogram"]
    figure, ax = new_figure(width=6.0, height=2.8)
    ax.bar(np.arange(256), histogram, width=1.0, color=COLORS["function"])
    ax.set_yscale("log")
    ax.set_xlim(-2, 257)
    ax.set_xlabel("pixel value (0 = paper, 255 = ink)")
    ax.set_ylabel("number of pixels")
    share = histogram[0] / histogram.sum()
    ax.set_title(f"Pixel values of all training images: {share:.0%} are exactly 0", fontsize=10)
    ax.grid(True, axis="y", alpha=0.3)
    return figure


def plot_flatten():
    """The first training image as a 28×28 grid and as the row of 784 numbers a network sees."""
    summary = _summary()
    image = summary["sample_images"][0]
    figure = new_figure(width=7.0, height=2.6)[0]
    figure.clf()
    grid = figure.add_gridspec(1, 2, width_ratios=[1, 2.6])
    left, right = figure.add_subplot(grid[0]), figure.add_subplot(grid[1])
    _digit(left, image, f"28 × 28 image (label {int(summary['sample_labels'][0])})")
    left.set_xticks([0, 27])
    left.set_yticks([0, 27])
    flat = image.reshape(-1) / 255.0
    right.bar(np.arange(784), flat, width=1.0, color=COLORS["function"])
    for row in range(0, 785, 28):
        right.axvline(row - 0.5, color=COLORS["grey"], linewidth=0.3, alpha=0.6)
    right.set_xlim(-1, 784)
    right.set_ylim(0, 1.05)
    right.set_xlabel("position in the flattened row (28 rows of 28 pixels, one after the other)")
    right.set_ylabel("pixel / 255")
    right.set_title("the same image as 784 numbers in [0, 1]", fontsize=9)
    return figure


FIGURES = {
    "mnist-samples.svg": plot_samples,
    "mnist-class-means.svg": plot_class_means,
    "mnist-class-counts.svg": plot_class_counts,
    "mnist-pixel-histogram.svg": plot_pixel_histogram,
    "mnist-flatten.svg": plot_flatten,
}
