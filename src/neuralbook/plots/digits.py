"""Figures of the chapter *Draw your own digit*, and the sample digits behind them.

The book is built without the MNIST files, so the few test digits these figures need
ship with the package in ``results/digit-samples.npz`` (the first
[`SAMPLE_COUNT`][neuralbook.plots.digits.SAMPLE_COUNT] test images as bytes, written by [`write_digit_samples`][neuralbook.plots.digits.write_digit_samples]).
A "photo" of a digit is made from one of them by [`photo_of`][neuralbook.plots.digits.photo_of]: the digit blown up
ten times, drawn in dark ink on slightly uneven grey paper, away from the centre, as a
phone would see a digit written on a sheet.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from neuralbook.plots._style import COLORS, new_figure
from neuralbook.preprocessing import (
    BOX_SIZE,
    CENTER,
    FIELD_SIZE,
    area_resize,
    center_by_mass,
    center_of_mass,
    crop_to_ink,
    fit_in_box,
    invert_if_needed,
    preprocessing_steps,
    read_grayscale,
    remove_background,
    scale_to_unit,
)

RESULTS = Path(__file__).resolve().parent.parent / "results"
#: The file of sample digits, in the package's results folder.
SAMPLES_PATH = RESULTS / "digit-samples.npz"
#: The trained model that the chapter asks for predictions, if it has been trained.
MODEL_PATH = RESULTS / "modern.npz"
#: How many MNIST test digits ship with the package (the first ones of the test set).
SAMPLE_COUNT = 100
#: The digit that the chapter follows through every step (an index into the samples).
FEATURED = 18


def write_digit_samples(path=None, data_dir=None) -> Path:
    """Store the first [`SAMPLE_COUNT`][neuralbook.plots.digits.SAMPLE_COUNT] MNIST test digits as a small ``.npz``.

    Needs the MNIST files (``data_dir`` or ``$NEURALBOOK_DATA``); never downloads.
    The file holds ``images`` (uint8, (100, 28, 28)), ``labels`` and ``indices`` (their
    places in the test set).
    """
    from neuralbook.datasets import load_mnist

    data = load_mnist(data_dir, download=False, progress=False)
    images = np.round(data.test_images[:SAMPLE_COUNT] * 255).astype(np.uint8).reshape(-1, FIELD_SIZE, FIELD_SIZE)
    path = Path(path) if path is not None else SAMPLES_PATH
    np.savez_compressed(path, images=images, labels=data.test_labels[:SAMPLE_COUNT], indices=np.arange(SAMPLE_COUNT))
    return path


@lru_cache(maxsize=1)
def digit_samples() -> tuple[np.ndarray, np.ndarray]:
    """The shipped sample digits: images (100, 28, 28) float64 in [0, 1], and labels (100,)."""
    with np.load(SAMPLES_PATH, allow_pickle=False) as data:
        return data["images"] / 255.0, data["labels"].astype(np.int64)


def first_of_each_class() -> list[int]:
    """Indices (into the samples) of the first digit of each class 0-9."""
    labels = digit_samples()[1]
    return [int(np.flatnonzero(labels == digit)[0]) for digit in range(10)]


# --8<-- [start:photo_of]
def photo_of(digit: np.ndarray, seed: int = 0, canvas=(360, 440), top: int = 24, left: int = 130) -> np.ndarray:
    """A 28 × 28 MNIST digit as a phone photo of ink on paper: uint8, dark on light.

    The digit is blown up ten times (bicubic), drawn as dark ink (``paper × (1 − 0.8 ×
    ink)``) on paper that brightens from 0.84 to 0.92 across the sheet with a little
    noise (``seed``), with its top-left corner at (``top``, ``left``).
    """
    from PIL import Image

    pixels = Image.fromarray(np.round(digit * 255).astype(np.uint8))
    big = np.asarray(pixels.resize((280, 280), Image.Resampling.BICUBIC)) / 255.0
    rows, columns = np.indices(canvas)
    paper = 0.84 + 0.08 * (rows / canvas[0] + columns / canvas[1]) / 2
    paper = paper + np.random.default_rng(seed).normal(0.0, 0.01, canvas)
    ink = np.zeros(canvas)
    ink[top : top + 280, left : left + 280] = big
    return np.round(np.clip(paper * (1 - 0.8 * ink), 0, 1) * 255).astype(np.uint8)
# --8<-- [end:photo_of]


def featured_photo() -> np.ndarray:
    """The photo that the chapter follows step by step."""
    images, _ = digit_samples()
    return photo_of(images[FEATURED])


# --8<-- [start:without_steps]
def without_steps(image) -> dict[str, np.ndarray]:
    """The same picture prepared with steps left out, each as a (784,) input.

    * ``"no preprocessing"``: the whole picture shrunk to 28 × 28, dark on light;
    * ``"inverted only"``: made white on black, background removed, then shrunk whole;
    * ``"not centred"``: cropped and fitted to 20 × 20, but put in the top-left corner;
    * ``"full pipeline"``: [`preprocess_image`][neuralbook.preprocessing.preprocess_image].
    """
    grey = read_grayscale(image)
    ink = remove_background(invert_if_needed(grey))
    fitted = fit_in_box(crop_to_ink(ink))
    corner = np.zeros((FIELD_SIZE, FIELD_SIZE))
    corner[: fitted.shape[0], : fitted.shape[1]] = fitted
    return {
        "no preprocessing": area_resize(grey, FIELD_SIZE, FIELD_SIZE).astype(np.float32).ravel(),
        "inverted only": scale_to_unit(area_resize(ink, FIELD_SIZE, FIELD_SIZE)),
        "not centred": scale_to_unit(corner),
        "full pipeline": scale_to_unit(center_by_mass(fitted)),
    }
# --8<-- [end:without_steps]


def trained_network():
    """The book's trained model, shipped as ``results/modern.npz`` (``neuralbook results`` writes it)."""
    from neuralbook.serialization import load_model

    return load_model(MODEL_PATH).network


@lru_cache(maxsize=1)
def variant_predictions() -> dict[str, np.ndarray]:
    """For each way of preparing the sample photos, the trained model's predicted digits.

    Every sample digit is photographed by
    [`photo_of`][neuralbook.plots.digits.photo_of] (seed = its index) and prepared the four ways of [`without_steps`][neuralbook.plots.digits.without_steps].
    """
    network = trained_network()
    images, _ = digit_samples()
    prepared = [without_steps(photo_of(image, seed=i)) for i, image in enumerate(images)]
    return {name: network.forward(np.stack([p[name] for p in prepared])).argmax(axis=1) for name in prepared[0]}


def _show(ax, image, title=None):
    # Each panel uses its full grey range, brightest pixel white, as a screen would show it.
    ax.imshow(image, cmap="gray", vmin=0, vmax=float(image.max()) or 1.0, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def _mark_centres(ax, image):
    """A cross at the field's centre and a dot at the image's centre of mass."""
    ax.plot(CENTER[1], CENTER[0], "+", color=COLORS["accent"], markersize=14, markeredgewidth=1.5)
    row, column = center_of_mass(image)
    ax.plot(column, row, "o", color=COLORS["derivative"], markersize=4)


def plot_mnist_conventions():
    """A real MNIST digit: the 28 × 28 field, the 20 × 20 box and the centre of mass."""
    images, labels = digit_samples()
    figure, axes = new_figure(ncols=3, width=7.5, height=3.3)
    for ax, index in zip(axes, (FEATURED, first_of_each_class()[7], first_of_each_class()[1])):
        image = images[index]
        _show(ax, image, f"MNIST test digit {index}: a {labels[index]}")
        rows = np.flatnonzero(image.any(axis=1))
        columns = np.flatnonzero(image.any(axis=0))
        ax.add_patch(
            _rectangle(rows[0], columns[0], rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1, COLORS["good"])
        )
        _mark_centres(ax, image)
    figure.supxlabel("green: the box of the ink;  orange +: the centre (14, 14) of the field;  pink dot: the centre of mass", fontsize=8)
    return figure


def _rectangle(top, left, height, width, color):
    from matplotlib.patches import Rectangle

    return Rectangle((left - 0.5, top - 0.5), width, height, fill=False, edgecolor=color, linewidth=1.5)


def plot_pipeline():
    """The featured photo through every step of [`preprocess_image`][neuralbook.preprocessing.preprocess_image]."""
    steps = preprocessing_steps(featured_photo())
    figure, axes = new_figure(ncols=3, nrows=2, width=7.5, height=5.6)
    axes = axes.ravel()
    cleaned = steps["background removed"]
    strong = cleaned > 0.2 * cleaned.max()
    rows, columns = np.flatnonzero(strong.any(axis=1)), np.flatnonzero(strong.any(axis=0))
    shown = [
        ("grey", "1. the photo, in grey levels"),
        ("inverted", "2. inverted: white on black"),
        ("background removed", "3. background removed, ink box"),
        ("cropped", "4. cropped to the ink"),
        ("fitted", f"5. fitted to {BOX_SIZE} × {BOX_SIZE}"),
        ("input", f"6. centred by mass in {FIELD_SIZE} × {FIELD_SIZE}"),
    ]
    for ax, (key, title) in zip(axes, shown):
        _show(ax, steps[key], title)
        height, width = steps[key].shape
        ax.set_xlabel(f"{height} × {width} pixels", fontsize=8)
    axes[2].add_patch(_rectangle(rows[0], columns[0], rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1, COLORS["good"]))
    _mark_centres(axes[5], steps["input"])
    return figure


def plot_without_steps():
    """The featured photo prepared with steps left out, with the trained model's answers."""
    variants = without_steps(featured_photo())
    network = trained_network()
    figure, axes = new_figure(ncols=4, width=8.0, height=2.6)
    for ax, (name, x) in zip(axes, variants.items()):
        probabilities = network.forward(x[None, :])[0]
        guess = int(probabilities.argmax())
        _show(ax, x.reshape(FIELD_SIZE, FIELD_SIZE), f"{name}\nsays {guess} ({probabilities[guess]:.0%})")
    return figure


def plot_ten_digits():
    """One photo of each digit (top) and what preprocessing makes of it (bottom)."""
    images, _ = digit_samples()
    figure, axes = new_figure(ncols=10, nrows=2, width=8.0, height=2.0)
    for column, index in enumerate(first_of_each_class()):
        photo = photo_of(images[index], seed=index)
        _show(axes[0, column], photo / 255.0)
        _show(axes[1, column], preprocessing_steps(photo)["input"])
    axes[0, 0].set_ylabel("photo", fontsize=8)
    axes[1, 0].set_ylabel("input", fontsize=8)
    return figure


FIGURES = {
    "digit-mnist-conventions.svg": plot_mnist_conventions,
    "digit-pipeline.svg": plot_pipeline,
    "digit-without-steps.svg": plot_without_steps,
    "digit-ten-photos.svg": plot_ten_digits,
}
