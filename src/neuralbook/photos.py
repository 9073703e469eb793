"""Synthetic photos of handwritten digits, and how well the book's model reads them.

The photos are *synthetic*: each is an MNIST test digit drawn onto a 640 × 480 sheet of
paper the way a phone would see a digit written on it. [`photo`][neuralbook.photos.photo] draws
one, with every nuisance a real photo has, each drawn at random from a seeded
``numpy.random.Generator``:

* **pen**: the enlarged digit is cut at a random grey level (a high level leaves a thin
  stroke, a low one a thick stroke), and one photo in three gets its strokes widened
  further;
* **size, place and slant**: the digit is 150 to 330 pixels tall, rotated by up to
  12 degrees either way, anywhere on the sheet;
* **light**: paper of brightness 0.55 to 0.95, tinted a little, lit unevenly by a
  gradient in a random direction (up to 0.35 from one side to the other) and a
  vignette darkening the corners;
* **ink**: dark grey to black, not quite opaque;
* **camera**: a Gaussian blur of up to 2.5 pixels, sensor noise of up to 0.04, and
  JPEG compression at quality 85.

Each photo of the benchmark also has one *condition* of `CONDITIONS`, drawn at random:
``"plain"`` paper as above, or one trouble more: ``"dim"`` (an under-exposed photo, the
paper below 0.5), ``"ruled"`` or ``"squared"`` paper (printed lines, two pixels wide),
a hard-edged ``"shadow"`` across the sheet, or ``"pencil"`` (light grey strokes). Half
of its ones and sevens are written as MNIST's writers rarely wrote them: a *flagged*
one, a *crossed* seven ([`with_letterform`][neuralbook.photos.with_letterform]).

[`measure`][neuralbook.photos.measure] runs the trained model on such photos and on
the same digits shifted without centring, and [`write_results`][neuralbook.photos.write_results]
stores everything in ``results/photos.json``, which the chapter *Draw your own digit*
cites.
"""

from __future__ import annotations

import io
import math
import time
from pathlib import Path

import numpy as np

from neuralbook.preprocessing import (
    FIELD_SIZE,
    _sliding,
    area_resize,
    invert_if_needed,
    invert_photo_if_needed,
    preprocess_drawing,
    preprocess_image,
    read_grayscale,
)

#: The size of a photo, (height, width) in pixels: a phone's 640 × 480 picture.
PHOTO_SHAPE = (480, 640)
#: How many MNIST test digits [`write_results`][neuralbook.photos.write_results] photographs per seed.
PHOTOS_PER_SEED = 100
#: The seeds of the photo sets; seed ``k`` photographs test digits ``k * PHOTOS_PER_SEED`` onwards.
SEEDS = (0, 1, 2, 3, 4)
#: The shifts of the shift experiment, in pixels.
SHIFTS = (0, 1, 2, 3)
#: The range of the digit's height in a photo (its 20-pixel box, enlarged), in pixels.
DIGIT_HEIGHTS = (150, 330)
#: The largest slant of a digit, in degrees either way.
MAX_ANGLE = 12
#: The range of the paper's brightness.
PAPER_LEVELS = (0.55, 0.95)
#: The largest fall of the light from one side of the sheet to the other.
MAX_GRADIENT = 0.35
#: The largest radius of the camera's Gaussian blur, in pixels.
MAX_BLUR = 2.5
#: The range of the sensor noise's standard deviation.
MIN_NOISE, MAX_NOISE = 0.005, 0.04
#: The troubles a photo may have besides uneven light, blur and noise; each photo of the benchmark has one.
CONDITIONS = ("plain", "dim", "ruled", "squared", "shadow", "pencil")
#: The range of the paper's brightness in an under-exposed (``"dim"``) photo.
DIM_PAPER_LEVELS = (0.3, 0.5)
#: Pencil absorbs this fraction of the light that ink would (its strokes are light grey).
PENCIL_FACTORS = (0.3, 0.5)
#: The spacing of the lines of ruled and squared paper, in pixels.
LINE_SPACINGS = (20, 40)
#: The width of a printed line, in pixels.
LINE_WIDTH = 2
#: How much light a printed line absorbs.
LINE_DEPTHS = (0.1, 0.3)
#: How much light a hard-edged shadow takes away.
SHADOW_DEPTHS = (0.25, 0.5)
#: The letterforms MNIST rarely has, by the digit they change.
LETTERFORMS = {1: "flagged one", 7: "crossed seven"}
#: The ways of preparing a photo that [`measure`][neuralbook.photos.measure] compares.
PREPARATIONS = ("no preprocessing", "drawing path", "photo pipeline")


# --8<-- [start:photo]
def photo(digit: np.ndarray, rng: np.random.Generator, shape=PHOTO_SHAPE, condition: str = "plain",
          label: int | None = None) -> tuple[np.ndarray, dict]:
    """A 28 × 28 MNIST digit as a synthetic phone photo of ink on paper.

    Parameters
    ----------
    digit : numpy.ndarray
        Shape (28, 28) or (784,), values in [0, 1] (white ink on black, as MNIST).
    rng : numpy.random.Generator
        Draws every nuisance of the photo (see the module's documentation).
    shape : tuple of int
        (height, width) of the photo.
    condition : str
        One of `CONDITIONS`: ``"plain"`` paper, or one trouble added to it.
    label : int, optional
        The digit's class; a 1 or a 7 gets, half the time, the letterform MNIST rarely
        has (a flag on the 1, a bar across the 7).

    Returns
    -------
    image : numpy.ndarray
        Shape (height, width, 3), uint8 RGB: dark ink on light, unevenly lit paper.
    nuisances : dict
        What was drawn: ``height``, ``angle``, ``pen_level``, ``widened``, ``paper``,
        ``gradient``, ``blur``, ``noise``, ``darkness`` (the share of the light the
        strokes absorb), ``condition`` and ``letterform``.

    Examples
    --------
    >>> digit = np.zeros((28, 28)); digit[4:24, 12:16] = 1.0      # a one
    >>> image, nuisances = photo(digit, np.random.default_rng(0), condition="ruled")
    >>> image.shape, image.dtype
    ((480, 640, 3), dtype('uint8'))
    >>> nuisances["condition"], nuisances["letterform"]
    ('ruled', 'plain')
    """
    from PIL import Image, ImageFilter

    if condition not in CONDITIONS:
        raise ValueError(f"expected a condition in {CONDITIONS}, got {condition!r}")
    height, width = shape
    digit = np.asarray(digit, dtype=np.float64).reshape(FIELD_SIZE, FIELD_SIZE)
    size = int(rng.integers(DIGIT_HEIGHTS[0], DIGIT_HEIGHTS[1] + 1)) * FIELD_SIZE // 20  # the 20-pixel box, enlarged
    pen_level = float(rng.uniform(0.2, 0.7))
    widened = bool(rng.random() < 1 / 3)
    angle = float(rng.uniform(-MAX_ANGLE, MAX_ANGLE))
    ink = _pen(digit, size, pen_level, widened, angle)[:height, :width]
    # Place the digit.
    top = int(rng.integers(0, height - ink.shape[0] + 1))
    left = int(rng.integers(0, width - ink.shape[1] + 1))
    # The light: a gradient in a random direction and a vignette, on tinted paper.
    rows, columns = np.indices(shape)
    u, v = (rows - height / 2) / height, (columns - width / 2) / width
    direction = rng.uniform(0, 2 * np.pi)
    gradient = float(rng.uniform(0.0, MAX_GRADIENT))
    vignette = float(rng.uniform(0.0, 0.15))
    paper_level = float(rng.uniform(*PAPER_LEVELS))
    tint = rng.uniform(0.92, 1.0, size=3)
    darkness = float(rng.uniform(0.6, 0.95))  # how much light the ink absorbs
    # The camera: blur and noise.
    blur = float(rng.uniform(0.0, MAX_BLUR))
    noise = float(rng.uniform(MIN_NOISE, MAX_NOISE))
    grain = rng.normal(0.0, noise, (height, width, 1))
    # The letterform and the condition, drawn last so that a plain photo is as it always was.
    letterform = "plain"
    if label in LETTERFORMS and rng.random() < 0.5:
        letterform = LETTERFORMS[label]
        ink = _pen(with_letterform(digit, letterform), size, pen_level, widened, angle)[:height, :width]
    paper = _paper(condition, shape, rng)
    if condition == "dim":  # the camera under-exposes: everything is darker, the ink's contrast too
        target = float(rng.uniform(*DIM_PAPER_LEVELS))
        paper = paper * target / paper_level
        paper_level = target
    if condition == "pencil":  # graphite absorbs far less light than ink
        darkness *= float(rng.uniform(*PENCIL_FACTORS))
    sheet = np.zeros(shape)
    sheet[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    light = paper_level + gradient * (u * np.cos(direction) + v * np.sin(direction)) - vignette * 2 * (u**2 + v**2)
    grey = light * (1 - darkness * sheet)
    if condition != "plain":
        grey = grey * paper
    rgb = np.clip(grey[..., None] * tint, 0, 1)
    image = Image.fromarray(np.round(rgb * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(blur))
    noisy = np.asarray(image) / 255 + grain
    image = Image.fromarray(np.round(np.clip(noisy, 0, 1) * 255).astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    buffer.seek(0)
    nuisances = {"height": size * 20 // FIELD_SIZE, "angle": angle, "pen_level": pen_level, "widened": widened,
                 "paper": paper_level, "gradient": gradient, "blur": blur, "noise": noise,
                 "darkness": darkness, "condition": condition, "letterform": letterform}
    return np.asarray(Image.open(buffer).convert("RGB")), nuisances
# --8<-- [end:photo]


def _pen(digit: np.ndarray, size: int, pen_level: float, widened: bool, angle: float) -> np.ndarray:
    """The digit enlarged to ``size``, cut at ``pen_level`` (softened over a few pixels), maybe widened, slanted."""
    from PIL import Image

    big = np.asarray(Image.fromarray(np.round(digit * 255).astype(np.uint8)).resize((size, size), Image.Resampling.BICUBIC)) / 255
    ink = np.clip((big - pen_level) / 0.15 + 0.5, 0.0, 1.0)
    if widened:
        ink = _sliding(ink, 2 * (size // 60) + 1, np.maximum)
    return np.asarray(Image.fromarray(np.round(ink * 255).astype(np.uint8)).rotate(angle, Image.Resampling.BICUBIC, expand=True)) / 255


# --8<-- [start:with_letterform]
def with_letterform(digit: np.ndarray, letterform: str) -> np.ndarray:
    """A 28 × 28 one with a flag at its top, or a seven with a bar across its stem.

    The flag runs from the top of the one down to the left, a third of the digit's
    height long; the bar crosses the seven's stem a little below its middle, eight
    pixels wide. Both are two pixels thick, as MNIST's strokes are.

    Examples
    --------
    >>> one = np.zeros((28, 28)); one[4:24, 13:15] = 1.0
    >>> flagged = with_letterform(one, "flagged one")
    >>> int((flagged[4:12, :13] > 0.5).sum()) > 0, int((one[4:12, :13] > 0.5).sum())   # ink left of the stem
    (True, 0)
    """
    from PIL import Image, ImageDraw

    digit = np.asarray(digit, dtype=np.float64).reshape(FIELD_SIZE, FIELD_SIZE)
    rows = np.flatnonzero((digit > 0.5).any(axis=1))
    if rows.size == 0:
        return digit
    top, bottom = int(rows[0]), int(rows[-1])
    tall = bottom - top + 1
    canvas = Image.new("L", (FIELD_SIZE, FIELD_SIZE), 0)
    draw = ImageDraw.Draw(canvas)
    if letterform == "flagged one":
        column = float(np.flatnonzero(digit[top : top + 2].max(axis=0) > 0.5).mean())
        draw.line([(column, top), (column - 0.3 * tall, top + 0.4 * tall)], fill=255, width=2)
    elif letterform == "crossed seven":
        row = top + int(0.55 * tall)
        stem = np.flatnonzero(digit[row] > 0.5)
        column = float(stem.mean()) if stem.size else FIELD_SIZE / 2
        draw.line([(column - 4, row), (column + 4, row)], fill=255, width=2)
    else:
        raise ValueError(f"expected a letterform in {tuple(LETTERFORMS.values())}, got {letterform!r}")
    return np.maximum(digit, np.asarray(canvas) / 255.0)
# --8<-- [end:with_letterform]


def _paper(condition: str, shape, rng: np.random.Generator) -> np.ndarray:
    """The share of the light the paper reflects, pixel by pixel: ruled or squared lines, a shadow, or 1."""
    height, width = shape
    rows, columns = np.indices(shape)
    paper = np.ones(shape)
    if condition in ("ruled", "squared"):
        spacing = float(rng.uniform(*LINE_SPACINGS))
        depth = float(rng.uniform(*LINE_DEPTHS))
        phase = rng.uniform(0, spacing, size=2)
        lines = (rows + phase[0]) % spacing < LINE_WIDTH
        if condition == "squared":
            lines |= (columns + phase[1]) % spacing < LINE_WIDTH
        paper[lines] = 1 - depth
    elif condition == "shadow":  # an object between the lamp and the sheet: a straight, hard edge
        angle = rng.uniform(0, 2 * np.pi)
        through = rng.uniform([0.2 * height, 0.2 * width], [0.8 * height, 0.8 * width])
        depth = float(rng.uniform(*SHADOW_DEPTHS))
        side = (rows - through[0]) * np.cos(angle) + (columns - through[1]) * np.sin(angle) > 0
        paper[side] = 1 - depth
    return paper


def photos(digits: np.ndarray, seed: int, shape=PHOTO_SHAPE, labels=None):
    """One synthetic photo of each digit, all drawn from ``numpy.random.default_rng(seed)``.

    Each photo's condition is drawn at random from `CONDITIONS`, all equally likely;
    with ``labels``, ones and sevens may get their letterforms (see [`photo`][neuralbook.photos.photo]).
    Yields ``(image, nuisances)`` pairs as [`photo`][neuralbook.photos.photo] returns them.
    """
    rng = np.random.default_rng(seed)
    for k, digit in enumerate(digits):
        condition = CONDITIONS[int(rng.integers(len(CONDITIONS)))]
        label = None if labels is None else int(labels[k])
        yield photo(digit, rng, shape, condition=condition, label=label)


# --8<-- [start:shifted]
def shifted(images: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """MNIST images moved by whole pixels (down and right for positive values), black filling in.

    Examples
    --------
    >>> image = np.zeros((1, 784)); image[0, 14 * 28 + 14] = 1.0
    >>> int(np.flatnonzero(shifted(image, 2, -1)[0])[0]) == 16 * 28 + 13
    True
    """
    fields = np.asarray(images).reshape(-1, FIELD_SIZE, FIELD_SIZE)
    moved = np.zeros_like(fields)
    r0, r1 = max(0, rows), FIELD_SIZE + min(0, rows)
    c0, c1 = max(0, columns), FIELD_SIZE + min(0, columns)
    moved[:, r0:r1, c0:c1] = fields[:, r0 - rows : r1 - rows, c0 - columns : c1 - columns]
    return moved.reshape(len(fields), -1)
# --8<-- [end:shifted]


def shift_accuracy(network, images: np.ndarray, labels: np.ndarray, shift: int) -> float:
    """Accuracy on the images moved by ``shift`` pixels, averaged over the eight directions (the images themselves for 0)."""
    if shift == 0:
        return float((network.predict(images) == labels).mean())
    moves = [(dr, dc) for dr in (-shift, 0, shift) for dc in (-shift, 0, shift) if (dr, dc) != (0, 0)]
    return float(np.mean([(network.predict(shifted(images, dr, dc)) == labels).mean() for dr, dc in moves]))


def no_preprocessing(image) -> np.ndarray:
    """The whole picture in grey levels, shrunk to 28 × 28 by area averaging: what a network gets without preprocessing."""
    return area_resize(read_grayscale(image), FIELD_SIZE, FIELD_SIZE).astype(np.float32).ravel()


def _prepare(image, how: str):
    """One input (784,) for a photo, or None where the preparation refuses it."""
    from neuralbook.preprocessing import BlankImageError

    try:
        if how == "no preprocessing":
            return no_preprocessing(image)
        if how == "drawing path":
            return preprocess_drawing(image)
        return preprocess_image(image)
    except BlankImageError:
        return None


def measure_photos(network, digits: np.ndarray, labels: np.ndarray, seed: int) -> dict:
    """The model's answers on one seed's photos of ``digits``, for every preparation.

    Returns a dict with, for each name in `PREPARATIONS`, the predicted digits (-1 where
    the preparation found no ink), the ``nuisances`` of every photo, and ``inverted``:
    for the photo's rule ([`invert_photo_if_needed`][neuralbook.preprocessing.invert_photo_if_needed]) and the border rule
    ([`invert_if_needed`][neuralbook.preprocessing.invert_if_needed]), whether each photo was inverted (every photo
    is dark ink on light paper, so each should be).
    """
    predictions = {how: [] for how in PREPARATIONS}
    nuisances = []
    inverted = {"photo rule": [], "border rule": []}
    for image, drawn in photos(digits, seed, labels=labels):
        nuisances.append(drawn)
        grey = read_grayscale(image)
        inverted["photo rule"].append(bool(invert_photo_if_needed(grey) is not grey))
        inverted["border rule"].append(bool(invert_if_needed(grey) is not grey))
        for how in PREPARATIONS:
            x = _prepare(image, how)
            predictions[how].append(-1 if x is None else int(network.predict(x[None, :])[0]))
    return {"labels": [int(v) for v in labels], "predictions": predictions, "nuisances": nuisances,
            "inverted": inverted}


#: The margin of black paper put around each of scikit-learn's enlarged digits, in pixels.
SKLEARN_MARGIN = 32


def sklearn_digits_inputs():
    """The 1,797 8 × 8 digits of scikit-learn (``load_digits``), as 128 × 128 pictures, and their labels.

    Each 8 × 8 image (counts 0..16 of ink pixels in 4 × 4 blocks of a 32 × 32 bitmap) is
    scaled to grey levels in [0, 1], enlarged eight times (bicubic) to 64 × 64, and put
    on black paper with a margin of `SKLEARN_MARGIN` pixels: the digits fill their
    frame, and a photo has paper around its digit. Needs scikit-learn.
    """
    from PIL import Image
    from sklearn.datasets import load_digits

    data = load_digits()
    pictures = []
    for image in data.images:
        small = Image.fromarray(np.round(image / 16 * 255).astype(np.uint8))
        pictures.append(np.pad(np.asarray(small.resize((64, 64), Image.Resampling.BICUBIC)) / 255, SKLEARN_MARGIN))
    return np.stack(pictures), data.target.astype(np.int64)


def measure_sklearn_digits(network) -> dict:
    """The model's accuracy on scikit-learn's 8 × 8 digits through each preparation (needs scikit-learn)."""
    pictures, labels = sklearn_digits_inputs()
    result = {"count": int(len(labels)), "labels": [int(v) for v in labels], "accuracy": {}, "per_class": {},
              "predictions": {}}
    for how in PREPARATIONS:
        inputs = [_prepare(picture, how) for picture in pictures]
        predicted = np.array([-1 if x is None else int(network.predict(x[None, :])[0]) for x in inputs])
        result["accuracy"][how] = float((predicted == labels).mean())
        result["per_class"][how] = [float((predicted[labels == k] == k).mean()) for k in range(10)]
        result["predictions"][how] = [int(p) for p in predicted]
    return result


def fold_accuracies(result: dict, how: str, folds: int = 5) -> list[float]:
    """Accuracy of ``how`` on scikit-learn's digits split into ``folds`` parts (digit ``i`` in part ``i % folds``)."""
    labels = np.array(result["labels"])
    right = np.array(result["predictions"][how]) == labels
    return [float(right[k::folds].mean()) for k in range(folds)]


def measure(network, test_images: np.ndarray, test_labels: np.ndarray, *, seeds=SEEDS,
            per_seed: int = PHOTOS_PER_SEED, progress: bool = False, sklearn: bool = True) -> dict:
    """Everything ``results/photos.json`` holds, measured with ``network``.

    * ``shifts``: accuracy on the MNIST test digits of all the seeds, moved by each of
      `SHIFTS` pixels without centring;
    * ``originals``: accuracy per seed on the original 28 × 28 test digits that the
      photos show (the best a preprocessing can hope for);
    * ``photos``: per seed, every photo's label, nuisances and predicted digit for each
      of `PREPARATIONS`;
    * ``sklearn_digits``: accuracy on scikit-learn's 1,797 digits (if scikit-learn is installed).
    """
    started = time.time()
    count = len(seeds) * per_seed
    images, labels = test_images[:count], test_labels[:count]
    result = {
        "photo_shape": list(PHOTO_SHAPE),
        "per_seed": per_seed,
        "seeds": list(seeds),
        "shifts": {str(s): shift_accuracy(network, images, labels, s) for s in SHIFTS},
        "originals": [],
        "photos": [],
    }
    for k, seed in enumerate(seeds):
        part = slice(k * per_seed, (k + 1) * per_seed)
        result["originals"].append(float((network.predict(images[part]) == labels[part]).mean()))
        result["photos"].append(measure_photos(network, images[part], labels[part], seed) | {"seed": seed,
                                "first_index": k * per_seed})
        if progress:
            print(f"photos: seed {seed} done after {time.time() - started:.0f} s", flush=True)
    if sklearn:
        try:
            result["sklearn_digits"] = measure_sklearn_digits(network)
        except ImportError:
            pass
    result["seconds"] = round(time.time() - started, 1)
    return result


def accuracies(result: dict, how: str) -> list[float]:
    """Per seed, the share of photos that ``how`` (one of `PREPARATIONS`) lets the model read right."""
    return [float(np.mean(np.array(run["predictions"][how]) == np.array(run["labels"]))) for run in result["photos"]]


def by_condition(result: dict, how: str = "photo pipeline") -> dict[str, tuple[int, int]]:
    """How many photos ``how`` lets the model read right, of how many, by condition and by letterform.

    The keys are the names of `CONDITIONS`, then ``"flagged one"`` and ``"plain one"``,
    ``"crossed seven"`` and ``"plain seven"`` (the ones and sevens written each way,
    whatever their condition).

    Examples
    --------
    >>> run = {"labels": [1, 1, 3], "predictions": {"photo pipeline": [7, 1, 3]},
    ...        "nuisances": [{"condition": "dim", "letterform": "flagged one"},
    ...                      {"condition": "dim", "letterform": "plain"},
    ...                      {"condition": "plain", "letterform": "plain"}]}
    >>> table = by_condition({"photos": [run]})
    >>> table["dim"], table["plain"], table["flagged one"], table["plain one"]
    ((1, 2), (1, 1), (0, 1), (1, 1))
    """
    keys = list(CONDITIONS) + ["flagged one", "plain one", "crossed seven", "plain seven"]
    right, count = dict.fromkeys(keys, 0), dict.fromkeys(keys, 0)
    for run in result["photos"]:
        for label, predicted, drawn in zip(run["labels"], run["predictions"][how], run["nuisances"]):
            groups = [drawn["condition"]]
            if label in LETTERFORMS:
                name = LETTERFORMS[label]
                groups.append(name if drawn["letterform"] == name else name.replace(name.split()[0], "plain"))
            for group in groups:
                count[group] += 1
                right[group] += int(predicted == label)
    return {key: (right[key], count[key]) for key in keys}


def condition_accuracies(result: dict, key: str, how: str = "photo pipeline") -> list[float]:
    """Per seed, the share of the photos of one condition or letterform (a key of [`by_condition`][neuralbook.photos.by_condition]) read right."""
    shares = []
    for run in result["photos"]:
        right, count = by_condition({"photos": [run]}, how)[key]
        shares.append(right / count if count else float("nan"))
    return shares


def write_results(path=None, data_dir=None, model_path=None, progress: bool = True) -> Path:
    """Measure [`measure`][neuralbook.photos.measure] with the book's model and write ``results/photos.json``.

    Needs the MNIST test files (``data_dir`` or ``$NEURALBOOK_DATA``; never downloads)
    and the trained model ``results/modern.npz``. Takes about three minutes on one core.
    """
    from neuralbook.datasets import load_mnist
    from neuralbook.experiments import machine, results_dir, write_json
    from neuralbook.serialization import load_model

    model_path = Path(model_path) if model_path is not None else results_dir() / "modern.npz"
    network = load_model(model_path).network
    data = load_mnist(data_dir, download=False, progress=False)
    result = measure(network, data.test_images, data.test_labels, progress=progress)
    path = Path(path) if path is not None else results_dir() / "photos.json"
    write_json(path, {"machine": machine(), "model": model_path.name} | result)
    write_failures(result, data.test_images, path.with_name(FAILURES_FILE))
    return path


#: The file of the misread photos, beside ``photos.json``.
FAILURES_FILE = "photos-failures.npz"


def write_failures(result: dict, test_images: np.ndarray, path, count: int = 12) -> Path:
    """Store the first ``count`` photos that the photo pipeline let the model misread, for the chapter's figure.

    The photos are drawn again from their seeds (the generator is deterministic);
    the file holds ``thumbnails`` (uint8 grey, a quarter of the photo's size),
    ``inputs`` (uint8, (count, 28, 28)), ``labels``, ``predictions``, ``seeds``,
    ``indices`` (into the MNIST test set), ``conditions`` and ``letterforms``.
    """
    from neuralbook.files import atomic_write

    found = {"thumbnails": [], "inputs": [], "labels": [], "predictions": [], "seeds": [], "indices": [],
             "conditions": [], "letterforms": []}
    for run in result["photos"]:
        wrong = [i for i, (p, y) in enumerate(zip(run["predictions"]["photo pipeline"], run["labels"])) if p != y]
        wrong = wrong[: count - len(found["labels"])]
        if not wrong:
            continue
        digits = test_images[run["first_index"] : run["first_index"] + wrong[-1] + 1]
        for i, (image, drawn) in enumerate(photos(digits, run["seed"], labels=run["labels"][: len(digits)])):
            if i in wrong:
                grey = read_grayscale(image)
                found["thumbnails"].append(np.round(area_resize(grey, grey.shape[0] // 4, grey.shape[1] // 4) * 255).astype(np.uint8))
                x = _prepare(image, "photo pipeline")
                found["inputs"].append(np.round((np.zeros(784) if x is None else x) * 255).astype(np.uint8).reshape(28, 28))
                found["labels"].append(run["labels"][i])
                found["predictions"].append(run["predictions"]["photo pipeline"][i])
                found["seeds"].append(run["seed"])
                found["indices"].append(run["first_index"] + i)
                found["conditions"].append(drawn["condition"])
                found["letterforms"].append(drawn["letterform"])
        if len(found["labels"]) >= count:
            break
    arrays = {key: np.array(values) for key, values in found.items()}
    path = Path(path)
    with atomic_write(path, "wb") as file:
        np.savez_compressed(file, **arrays)
    return path
