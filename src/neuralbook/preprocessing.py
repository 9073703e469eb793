"""Turn any picture of a handwritten digit into an MNIST-style input of 784 numbers.

A network trained on MNIST has only ever seen digits written the MNIST way: a white
digit on a black background, its ink scaled to fit a 20 × 20 box, the box placed in a
28 × 28 field so that the *centre of mass* of the ink lies at the centre. A photo of a
digit on paper breaks every one of these conventions, and the network's answer on it is
close to a guess. This module rebuilds the conventions, one small function per step
(explained in the chapter *Draw your own digit*):

1. [`read_grayscale`][neuralbook.preprocessing.read_grayscale] reads a PNG, JPEG, Pillow image or array as grey levels in
   [0, 1], where 0 is black and 1 is white;
2. [`invert_if_needed`][neuralbook.preprocessing.invert_if_needed] makes the digit bright on a dark background;
3. [`remove_background`][neuralbook.preprocessing.remove_background] subtracts the background level, so that paper reads 0;
4. [`crop_to_ink`][neuralbook.preprocessing.crop_to_ink] cuts the image down to the bounding box of the ink;
5. [`fit_in_box`][neuralbook.preprocessing.fit_in_box] scales that box to fit 20 × 20, keeping the aspect ratio;
6. [`center_by_mass`][neuralbook.preprocessing.center_by_mass] places it in 28 × 28 with its centre of mass at (14, 14);
7. [`scale_to_unit`][neuralbook.preprocessing.scale_to_unit] scales the brightest pixel to 1 and returns 784 float32 values.

[`preprocess_image`][neuralbook.preprocessing.preprocess_image] runs them all.

The algorithm is specified exactly, so that another implementation (the JavaScript of
the in-page widget) can reproduce it number for number:

* grey level = (0.299 R + 0.587 G + 0.114 B) / 255 (ITU-R BT.601 luma), computed in
  float64; a transparent pixel is composited over white paper:
  grey = alpha · grey + (1 − alpha), alpha = A / 255;
* the *border* is the one-pixel frame of the image (first and last row, first and last
  column, each corner counted once); the background level is the median of the border
  (for an even count, the mean of the two middle values);
* the image is inverted (1 − grey) when the background level is above 0.5;
* removing the background subtracts the border median and clips at 0; if the brightest
  pixel is then below `MIN_CONTRAST` (0.1) the image is blank;
* the bounding box holds every row and column with a pixel above
  `INK_THRESHOLD` (0.2) times the brightest pixel;
* the box is resampled by *area averaging*: an output pixel is the mean of the input
  area it covers, partly covered input pixels weighted by the covered fraction (an
  anti-aliasing filter that needs no library). The longer side becomes 20 pixels, the
  shorter ``max(1, floor(short * 20 / long + 0.5))``;
* the centre of mass is the intensity-weighted mean of the row and column indices
  (pixel centres at 0, 1, 2, ...); the shift that brings it to (14, 14) is rounded
  with ``floor(x + 0.5)`` and applied by array slicing (ink pushed outside the
  28 × 28 field is dropped).
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np

#: Side of the square field of an MNIST image, in pixels.
FIELD_SIZE = 28
#: Side of the box the ink is scaled to fit, in pixels.
BOX_SIZE = 20
#: Where the centre of mass of the ink lands, as (row, column) indices of the field.
#: MNIST's own test digits have their centres of mass between 13.5 and 14.5.
CENTER = (14.0, 14.0)
#: A pixel belongs to the ink's bounding box when it is above this fraction of the brightest pixel.
INK_THRESHOLD = 0.2
#: The brightest pixel must stand out from the background by at least this much (grey levels in [0, 1]).
MIN_CONTRAST = 0.1
#: The image is dark-on-light, and gets inverted, when its border median is above this level.
INVERT_LEVEL = 0.5

# ITU-R BT.601 luma weights, the same as Pillow's ``convert("L")``.
_LUMA = np.array([0.299, 0.587, 0.114])


class BlankImageError(ValueError):
    """The image has no ink: nothing stands out from its background."""


# --8<-- [start:read_grayscale]
def read_grayscale(image) -> np.ndarray:
    """Read a picture as grey levels in [0, 1] (0 black, 1 white).

    Parameters
    ----------
    image : str, os.PathLike, bytes, PIL.Image.Image or numpy.ndarray
        A PNG or JPEG file (its path, or its bytes), a Pillow image, or an array of
        shape (height, width) (grey), (height, width, 3) (RGB) or (height, width, 4)
        (RGBA). Integer arrays are read as 0..255, float arrays as 0..1 (16-bit
        PNG files as 0..65535).

    Returns
    -------
    numpy.ndarray
        Shape (height, width), float64. Transparent pixels count as white paper.

    Examples
    --------
    >>> rgb = np.zeros((2, 2, 3), dtype=np.uint8)
    >>> rgb[0, 0] = [255, 255, 255]                   # one white pixel
    >>> rgb[1, 1] = [255, 0, 0]                       # one pure red pixel
    >>> np.round(read_grayscale(rgb), 3)
    array([[1.   , 0.   ],
           [0.   , 0.299]])
    """
    if isinstance(image, (str, os.PathLike, bytes)):
        image = _open_with_pillow(image)
    if not isinstance(image, np.ndarray):  # a Pillow image
        if image.mode.startswith("I;16"):  # 16-bit grey PNG: 0..65535
            return np.asarray(image).astype(np.float64) / 65535.0
        image = np.asarray(image.convert("RGBA"))
    array = np.asarray(image)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 2, 3, 4)):
        raise ValueError(f"expected an image of shape (height, width) or (height, width, 1-4), got {array.shape}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"expected a non-empty image, got shape {array.shape}")
    values = array.astype(np.float64) / 255.0 if array.dtype.kind in "iu" else array.astype(np.float64)
    if array.ndim == 2:
        return values
    channels = values.shape[2]
    color, alpha = (values, None) if channels in (1, 3) else (values[..., :-1], values[..., -1])
    grey = color[..., 0] if color.shape[2] == 1 else color @ _LUMA
    if alpha is not None:
        grey = alpha * grey + (1.0 - alpha)  # composite over white paper
    return grey
# --8<-- [end:read_grayscale]


def _open_with_pillow(source):
    """Open a file (path or bytes) with Pillow, honouring a phone's EXIF rotation.

    An image of more than Pillow's ``MAX_IMAGE_PIXELS`` (about 89 million pixels) is
    refused: reading it as float64 grey levels would take gigabytes of memory.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = "the given bytes" if isinstance(source, bytes) else str(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(source) if isinstance(source, bytes) else Path(source))
            opened.load()
    except FileNotFoundError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise ValueError(f"cannot read {name}: the image is too large ({error})") from error
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError(f"cannot read {name} as an image (expected a PNG or JPEG): {error}") from error
    return ImageOps.exif_transpose(opened)


def _border(image: np.ndarray) -> np.ndarray:
    """The one-pixel frame of an image, each pixel once."""
    if image.shape[0] <= 2 or image.shape[1] <= 2:
        return image.ravel()
    return np.concatenate([image[0], image[-1], image[1:-1, 0], image[1:-1, -1]])


# --8<-- [start:invert_if_needed]
def invert_if_needed(grey: np.ndarray) -> np.ndarray:
    """Make the digit bright on a dark background, as in MNIST.

    The background is judged by the median of the image's one-pixel border: above
    `INVERT_LEVEL` (0.5) the paper is light and the image is inverted.

    Examples
    --------
    >>> paper = np.ones((5, 5)); paper[2, 2] = 0.0      # a black dot on white
    >>> invert_if_needed(paper)[2, 2], invert_if_needed(paper)[0, 0]
    (np.float64(1.0), np.float64(0.0))
    """
    background = np.median(_border(grey))
    return 1.0 - grey if background > INVERT_LEVEL else grey
# --8<-- [end:invert_if_needed]


# --8<-- [start:remove_background]
def remove_background(ink: np.ndarray) -> np.ndarray:
    """Subtract the background level (the border's median) so that paper reads 0.

    Raises
    ------
    BlankImageError
        If no pixel stands out from the background by `MIN_CONTRAST` or more.

    Examples
    --------
    >>> grey_paper = np.full((5, 5), 0.25); grey_paper[2, 2] = 0.75
    >>> remove_background(grey_paper)[2, 2], remove_background(grey_paper)[0, 0]
    (np.float64(0.5), np.float64(0.0))
    """
    cleaned = np.clip(ink - np.median(_border(ink)), 0.0, None)
    if cleaned.max() < MIN_CONTRAST:
        raise BlankImageError(
            f"the image has no ink: its brightest pixel stands out from the background by "
            f"{cleaned.max():.3f}, less than {MIN_CONTRAST}"
        )
    return cleaned
# --8<-- [end:remove_background]


# --8<-- [start:crop_to_ink]
def crop_to_ink(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> np.ndarray:
    """Cut the image down to the bounding box of its ink.

    The box holds every row and column that has a pixel brighter than ``threshold``
    times the brightest pixel; fainter specks outside it are dropped.

    Examples
    --------
    >>> ink = np.zeros((6, 8)); ink[1:3, 2:7] = 1.0
    >>> crop_to_ink(ink).shape
    (2, 5)
    """
    if ink.max() <= 0:
        raise BlankImageError("the image has no ink: every pixel is background")
    strong = ink > threshold * ink.max()
    rows = np.flatnonzero(strong.any(axis=1))
    columns = np.flatnonzero(strong.any(axis=0))
    return ink[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
# --8<-- [end:crop_to_ink]


# --8<-- [start:area_resize]
def area_weights(n_in: int, n_out: int) -> np.ndarray:
    """The (n_out, n_in) matrix of area averaging along one axis.

    Output pixel ``j`` covers the input interval ``[j s, (j + 1) s)`` with
    ``s = n_in / n_out``; its weight on input pixel ``i`` (the interval ``[i, i + 1)``)
    is the length of their overlap divided by ``s``. Every row sums to 1.

    Examples
    --------
    >>> area_weights(3, 2)                       # two outputs share the middle input
    array([[0.66666667, 0.33333333, 0.        ],
           [0.        , 0.33333333, 0.66666667]])
    """
    s = n_in / n_out
    start = np.arange(n_out)[:, None] * s
    pixel = np.arange(n_in)[None, :]
    overlap = np.minimum(start + s, pixel + 1) - np.maximum(start, pixel)
    return np.clip(overlap, 0.0, None) / s


def area_resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize by area averaging: ``area_weights(rows) @ image @ area_weights(columns).T``."""
    return area_weights(image.shape[0], height) @ image @ area_weights(image.shape[1], width).T
# --8<-- [end:area_resize]


def _round_half_up(x: float) -> int:
    """Round as ``floor(x + 0.5)`` (JavaScript's ``Math.round``), not to even."""
    return int(np.floor(x + 0.5))


# --8<-- [start:fit_in_box]
def fit_in_box(ink: np.ndarray, box: int = BOX_SIZE) -> np.ndarray:
    """Scale the ink so that its longer side is ``box`` pixels, keeping the aspect ratio.

    The shorter side becomes ``max(1, floor(short * box / long + 0.5))`` pixels.

    Examples
    --------
    >>> fit_in_box(np.ones((100, 50))).shape     # a tall, thin digit such as a 1
    (20, 10)
    """
    height, width = ink.shape
    longest = max(height, width)
    new_height = max(1, _round_half_up(height * box / longest))
    new_width = max(1, _round_half_up(width * box / longest))
    return area_resize(ink, new_height, new_width)
# --8<-- [end:fit_in_box]


# --8<-- [start:center_of_mass]
def center_of_mass(image: np.ndarray) -> tuple[float, float]:
    """The intensity-weighted mean (row, column) of an image, in pixel indices.

    Examples
    --------
    >>> image = np.zeros((5, 5)); image[1, 1] = 1.0; image[1, 3] = 3.0
    >>> center_of_mass(image)
    (1.0, 2.5)
    """
    total = image.sum()
    rows = np.arange(image.shape[0]) @ image.sum(axis=1) / total
    columns = np.arange(image.shape[1]) @ image.sum(axis=0) / total
    return float(rows), float(columns)
# --8<-- [end:center_of_mass]


# --8<-- [start:center_by_mass]
def center_by_mass(digit: np.ndarray, size: int = FIELD_SIZE, center: tuple[float, float] = CENTER) -> np.ndarray:
    """Place ``digit`` in a ``size`` × ``size`` field with its centre of mass at ``center``.

    The shift is a whole number of pixels (``floor(x + 0.5)`` of the exact shift), so
    the centre of mass lands within half a pixel of ``center``. Ink shifted past the
    edge of the field is dropped.

    Examples
    --------
    >>> dot = np.zeros((3, 3)); dot[0, 0] = 1.0
    >>> field = center_by_mass(dot)
    >>> field.shape, center_of_mass(field)
    ((28, 28), (14.0, 14.0))
    """
    row_mass, column_mass = center_of_mass(digit)
    top = _round_half_up(center[0] - row_mass)
    left = _round_half_up(center[1] - column_mass)
    field = np.zeros((size, size), dtype=digit.dtype)
    # The part of the digit that falls inside the field, as slices of both arrays.
    r0, r1 = max(0, top), min(size, top + digit.shape[0])
    c0, c1 = max(0, left), min(size, left + digit.shape[1])
    if r0 < r1 and c0 < c1:
        field[r0:r1, c0:c1] = digit[r0 - top : r1 - top, c0 - left : c1 - left]
    return field
# --8<-- [end:center_by_mass]


# --8<-- [start:scale_to_unit]
def scale_to_unit(field: np.ndarray) -> np.ndarray:
    """Scale the brightest pixel to 1 and flatten to the network's input: (784,) float32.

    Examples
    --------
    >>> scale_to_unit(np.full((28, 28), 0.5)).max(), scale_to_unit(np.ones((28, 28))).shape
    (np.float32(1.0), (784,))
    """
    return (field / field.max()).astype(np.float32).ravel()
# --8<-- [end:scale_to_unit]


# --8<-- [start:preprocess_image]
def preprocess_image(image) -> np.ndarray:
    """Turn a picture of one digit into MNIST's format: (784,) float32 in [0, 1].

    Parameters
    ----------
    image : str, os.PathLike, bytes, PIL.Image.Image or numpy.ndarray
        Anything [`read_grayscale`][neuralbook.preprocessing.read_grayscale] reads: dark ink on light paper or light on dark.

    Raises
    ------
    BlankImageError
        If the picture has no ink.

    Examples
    --------
    >>> photo = np.full((90, 60), 255, dtype=np.uint8)   # white paper...
    >>> photo[10:70, 5:15] = 0                            # ...with a black bar, off-centre
    >>> x = preprocess_image(photo)
    >>> x.shape, x.dtype, x.max()
    ((784,), dtype('float32'), np.float32(1.0))
    >>> center_of_mass(x.reshape(28, 28))              # within half a pixel of (14, 14)
    (14.5, 14.0)
    """
    grey = read_grayscale(image)
    ink = remove_background(invert_if_needed(grey))
    digit = fit_in_box(crop_to_ink(ink))
    return scale_to_unit(center_by_mass(digit))
# --8<-- [end:preprocess_image]


def preprocessing_steps(image) -> dict[str, np.ndarray]:
    """Every intermediate image of [`preprocess_image`][neuralbook.preprocessing.preprocess_image], by step name, for showing.

    Examples
    --------
    >>> steps = preprocessing_steps(np.eye(40))
    >>> list(steps)
    ['grey', 'inverted', 'background removed', 'cropped', 'fitted', 'centred', 'input']
    >>> steps["input"].shape
    (28, 28)
    """
    steps = {"grey": read_grayscale(image)}
    steps["inverted"] = invert_if_needed(steps["grey"])
    steps["background removed"] = remove_background(steps["inverted"])
    steps["cropped"] = crop_to_ink(steps["background removed"])
    steps["fitted"] = fit_in_box(steps["cropped"])
    steps["centred"] = center_by_mass(steps["fitted"])
    steps["input"] = scale_to_unit(steps["centred"]).reshape(FIELD_SIZE, FIELD_SIZE)
    return steps
