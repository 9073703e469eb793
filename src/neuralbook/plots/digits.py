"""Figures of the chapter *Draw your own digit*, and the sample digits behind them.

The book is built without the MNIST files, so the few test digits these figures need
ship with the package in ``results/digit-samples.npz`` (the first
[`SAMPLE_COUNT`][neuralbook.plots.digits.SAMPLE_COUNT] test images as bytes, written by [`write_digit_samples`][neuralbook.plots.digits.write_digit_samples]).
The photos are *synthetic*: [`neuralbook.photos.photo`][neuralbook.photos.photo] draws a test digit onto
unevenly lit paper with noise, blur and a slant, as a phone might see it. The figures
of the measured photos read ``results/photos.json`` and ``results/photos-failures.npz``.
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
    center_by_mass,
    center_of_mass,
    crop_to_ink,
    fit_in_box,
    flatten_background,
    ink_mask,
    invert_photo_if_needed,
    preprocess_drawing,
    preprocessing_steps,
    read_grayscale,
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
#: The seed of the featured digit's synthetic photo.
FEATURED_SEED = 1


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


def featured_photo() -> np.ndarray:
    """The synthetic photo that the chapter follows step by step: (480, 640, 3) uint8."""
    from neuralbook.photos import photo

    images, _ = digit_samples()
    return photo(images[FEATURED], np.random.default_rng(FEATURED_SEED))[0]


def sample_photo(index: int) -> np.ndarray:
    """A synthetic photo of shipped sample digit ``index``, drawn with ``default_rng(index)``."""
    from neuralbook.photos import photo

    images, _ = digit_samples()
    return photo(images[index], np.random.default_rng(index))[0]


# --8<-- [start:without_steps]
def without_steps(image) -> dict[str, np.ndarray]:
    """The same picture prepared with steps left out, each as a (784,) input.

    * ``"no preprocessing"``: the whole picture shrunk to 28 × 28, dark on light;
    * ``"drawing path"``: [`preprocess_drawing`][neuralbook.preprocessing.preprocess_drawing], which only subtracts the border's median;
    * ``"not centred"``: the photo pipeline, but the fitted digit put in the top-left corner;
    * ``"photo pipeline"``: [`preprocess_image`][neuralbook.preprocessing.preprocess_image].
    """
    from neuralbook.photos import no_preprocessing

    mask = ink_mask(flatten_background(invert_photo_if_needed(read_grayscale(image))))
    fitted = fit_in_box(crop_to_ink(mask.astype(np.float64)))
    corner = np.zeros((FIELD_SIZE, FIELD_SIZE))
    corner[: fitted.shape[0], : fitted.shape[1]] = fitted
    return {
        "no preprocessing": no_preprocessing(image),
        "drawing path": preprocess_drawing(image),
        "not centred": scale_to_unit(corner),
        "photo pipeline": scale_to_unit(center_by_mass(fitted)),
    }
# --8<-- [end:without_steps]


def trained_network():
    """The book's trained model, shipped as ``results/modern.npz`` (``neuralbook results`` writes it)."""
    from neuralbook.serialization import load_model

    return load_model(MODEL_PATH).network


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
    """The featured photo through the steps of [`preprocess_image`][neuralbook.preprocessing.preprocess_image]."""
    steps = preprocessing_steps(featured_photo())
    figure, axes = new_figure(ncols=3, nrows=2, width=7.5, height=5.0)
    axes = axes.ravel()
    mask = steps["mask"]
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    shown = [
        ("grey", "1. the photo, in grey levels"),
        ("background", "2. inverted; the paper, by opening"),
        ("flattened", "3. flattened: paper reads 0"),
        ("mask", "4. Otsu's threshold, blobs, box"),
        ("fitted", f"5. fitted to {BOX_SIZE} × {BOX_SIZE}"),
        ("input", f"6. centred by mass in {FIELD_SIZE} × {FIELD_SIZE}"),
    ]
    for ax, (key, title) in zip(axes, shown):
        image = steps[key].astype(np.float64)
        ax.imshow(image, cmap="gray", vmin=0, vmax=1 if key in ("grey", "background") else float(image.max()) or 1.0,
                  interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=9)
        height, width = image.shape
        ax.set_xlabel(f"{height} × {width} pixels", fontsize=8)
    axes[3].add_patch(_rectangle(rows[0], columns[0], rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1, COLORS["good"]))
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
    """One synthetic photo of each digit (top) and what the photo pipeline makes of it (bottom)."""
    figure, axes = new_figure(ncols=10, nrows=2, width=8.0, height=1.9)
    for column, index in enumerate(first_of_each_class()):
        photo = sample_photo(index)
        axes[0, column].imshow(photo, interpolation="antialiased")
        axes[0, column].set_xticks([])
        axes[0, column].set_yticks([])
        _show(axes[1, column], preprocessing_steps(photo)["input"])
    axes[0, 0].set_ylabel("photo", fontsize=8)
    axes[1, 0].set_ylabel("input", fontsize=8)
    return figure


def condition_photos() -> list[tuple[str, np.ndarray]]:
    """One synthetic photo of each condition of the benchmark, then a flagged one and a crossed seven.

    The condition photos show the first sample digits of classes 0, 2, 3, 4, 5 and 6, each
    drawn with ``default_rng`` of its position; the letterforms, the first sample one and
    seven, with the first seed that gives them their letterform.
    """
    from neuralbook.photos import CONDITIONS, LETTERFORMS, photo

    images, _ = digit_samples()
    first = first_of_each_class()
    shown = []
    for k, (condition, digit) in enumerate(zip(CONDITIONS, (0, 2, 3, 4, 5, 6))):
        shown.append((condition, photo(images[first[digit]], np.random.default_rng(k), condition=condition)[0]))
    for digit, name in LETTERFORMS.items():
        seed = 0
        while True:
            image, drawn = photo(images[first[digit]], np.random.default_rng(seed), label=digit)
            if drawn["letterform"] == name:
                break
            seed += 1
        shown.append((name, image))
    return shown


def plot_conditions():
    """One synthetic photo of each condition and letterform (top) and what the photo pipeline makes of it (bottom)."""
    from neuralbook.preprocessing import BlankImageError

    shown = condition_photos()
    figure, axes = new_figure(ncols=len(shown), nrows=2, width=8.0, height=2.3)
    for column, (name, photo) in enumerate(shown):
        axes[0, column].imshow(photo, interpolation="antialiased")
        axes[0, column].set_xticks([])
        axes[0, column].set_yticks([])
        axes[0, column].set_title(name, fontsize=8)
        try:
            x = preprocessing_steps(photo)["input"]
        except BlankImageError:
            x = np.zeros((FIELD_SIZE, FIELD_SIZE))
        _show(axes[1, column], x)
    axes[0, 0].set_ylabel("photo", fontsize=8)
    axes[1, 0].set_ylabel("input", fontsize=8)
    return figure


def plot_shifts():
    """Accuracy of the book's model on MNIST test digits moved by 0 to 3 pixels, from ``results/photos.json``."""
    from neuralbook.experiments import load_result

    result = load_result("photos.json")
    shifts = [int(s) for s in result["shifts"]]
    accuracy = [100 * result["shifts"][str(s)] for s in shifts]
    figure, ax = new_figure(width=5.0, height=3.0)
    ax.plot(shifts, accuracy, "o-", color=COLORS["accent"])
    for s, a in zip(shifts, accuracy):
        ax.annotate(f"{a:.1f}%", (s, a), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.set_xticks(shifts)
    ax.set_xlabel("shift without centring (pixels, in each of eight directions)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    return figure


def plot_photo_failures():
    """The synthetic photos that the photo pipeline and the model read wrong: photo, input, true and read digit."""
    with np.load(RESULTS / "photos-failures.npz", allow_pickle=False) as data:
        thumbnails, inputs = data["thumbnails"], data["inputs"]
        labels, predictions = data["labels"], data["predictions"]
        conditions = data["conditions"] if "conditions" in data else np.full(len(labels), "")
        letterforms = data["letterforms"] if "letterforms" in data else np.full(len(labels), "plain")
    count = min(len(labels), 12)
    columns = 6
    rows = 2 * -(-count // columns)
    figure, axes = new_figure(ncols=columns, nrows=rows, width=8.0, height=1.45 * rows)
    axes = np.atleast_2d(axes)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
        ax.axis("off")
    for k in range(count):
        top, column = 2 * (k // columns), k % columns
        axes[top, column].imshow(thumbnails[k], cmap="gray", vmin=0, vmax=255, interpolation="antialiased")
        trouble = str(conditions[k]) + {"flagged one": ", flag", "crossed seven": ", bar"}.get(str(letterforms[k]), "")
        axes[top, column].set_title(f"a {labels[k]}, read {predictions[k]}\n{trouble}", fontsize=8)
        _show(axes[top + 1, column], inputs[k] / 255.0)
    return figure


FIGURES = {
    "digit-mnist-conventions.svg": plot_mnist_conventions,
    "digit-pipeline.svg": plot_pipeline,
    "digit-without-steps.svg": plot_without_steps,
    "digit-ten-photos.svg": plot_ten_digits,
    "digit-conditions.svg": plot_conditions,
    "digit-shifts.svg": plot_shifts,
    "digit-photo-failures.svg": plot_photo_failures,
}
