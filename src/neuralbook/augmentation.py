"""Data augmentation: new training images made from old ones by small random shifts.

A digit moved by a pixel or two is still the same digit, but for the network it is a
new input: most of its pixels have changed. Shifting every training batch by a fresh
random amount shows the network, epoch after epoch, images it has never seen, which
makes memorising the training set much harder. That is the cheapest cure for
overfitting when the data are few: more data, made up honestly.

Examples
--------
>>> import numpy as np
>>> image = np.zeros((1, 784), dtype=np.float32)
>>> image[0, 14 * 28 + 14] = 1.0                     # one bright pixel at row 14, column 14
>>> moved = shift(image, np.array([1]), np.array([-2]))
>>> np.argwhere(moved.reshape(28, 28)).tolist()      # one row down, two columns left
[[15, 12]]
"""

from __future__ import annotations

import numpy as np

__all__ = ["shift", "random_shift", "MAX_SHIFT"]

#: The largest shift ``neuralbook train --augment`` accepts. MNIST scales every digit into
#: a 20 × 20 box of the 28 × 28 field, which leaves 4 pixels when the box is centred; a
#: larger shift (a fifth of the digit's size) cuts away part of most digits, 28 or more
#: moves them out entirely, and the padding costs memory for nothing. The book uses 2.
MAX_SHIFT = 4
"""The largest shift ``neuralbook train --augment`` accepts: 4 pixels, the border of MNIST's centred 20 × 20 box."""


def _side(images) -> int:
    """The side of the square images whose pixels are the rows of ``images``."""
    images = np.asarray(images)
    if images.ndim != 2:
        raise ValueError(f"expected images of shape (B, side * side), got shape {images.shape}")
    side = int(round(np.sqrt(images.shape[1])))
    if side * side != images.shape[1]:
        raise ValueError(f"expected square images (784 = 28 × 28 pixels per row), got {images.shape[1]} pixels")
    return side


# --8<-- [start:shift]
def shift(images: np.ndarray, rows: np.typing.ArrayLike, columns: np.typing.ArrayLike) -> np.ndarray:
    """Move each square image by whole pixels, filling the uncovered border with zeros.

    Parameters
    ----------
    images : numpy.ndarray, shape (B, side * side)
        Flattened square images, one per row (MNIST: side = 28).
    rows, columns : numpy.ndarray of int, shape (B,)
        How far to move each image down (negative: up) and right (negative: left).

    Returns
    -------
    numpy.ndarray, shape (B, side * side)
        The moved images, same dtype. Pixels moved past the edge are lost.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 9)             # one 3 × 3 image: 0 1 2 / 3 4 5 / 6 7 8
    >>> shift(x, np.array([0]), np.array([1])).reshape(3, 3)
    array([[0., 0., 1.],
           [0., 3., 4.],
           [0., 6., 7.]])
    """
    side = _side(images)
    rows, columns = np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)
    if rows.shape != (len(images),) or columns.shape != (len(images),):
        raise ValueError(f"expected one row and one column shift per image, shape ({len(images)},), got {rows.shape} and {columns.shape}")
    margin = int(max(np.abs(rows).max(initial=0), np.abs(columns).max(initial=0)))
    padded = np.pad(images.reshape(-1, side, side), ((0, 0), (margin, margin), (margin, margin)))
    # Output pixel (i, j) of image n is input pixel (i - rows[n], j - columns[n]).
    i = np.arange(side)[None, :, None] + margin - rows[:, None, None]
    j = np.arange(side)[None, None, :] + margin - columns[:, None, None]
    n = np.arange(len(images))[:, None, None]
    return padded[n, i, j].reshape(len(images), side * side)
# --8<-- [end:shift]


# --8<-- [start:random_shift]
def random_shift(images: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """Move each image by a random whole number of pixels, up to ``max_shift`` each way.

    The row and column shifts of each image are drawn independently and uniformly from
    −max_shift … max_shift (zero included), so with ``max_shift=2`` an image stays in
    place with probability 1/25.

    Parameters
    ----------
    images : numpy.ndarray, shape (B, side * side)
    rng : numpy.random.Generator
        Draws the shifts, e.g. ``numpy.random.default_rng(0)``.
    max_shift : int
        The largest shift in pixels (0: the images unchanged).

    Returns
    -------
    numpy.ndarray, shape (B, side * side)

    Examples
    --------
    >>> x = np.random.default_rng(0).random((5, 784))
    >>> moved = random_shift(x, np.random.default_rng(1))
    >>> moved.shape, bool(np.all(moved.sum(axis=1) <= x.sum(axis=1) + 1e-9))  # pixels can only be lost
    ((5, 784), True)
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"expected a numpy.random.Generator (numpy.random.default_rng(seed)), got {type(rng).__name__}")
    if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
        raise ValueError(f"expected max_shift to be a whole number of pixels >= 0, got {max_shift!r}")
    if max_shift >= _side(images):  # every image would leave the field
        raise ValueError(f"expected max_shift smaller than the images' side, {_side(images)} pixels, got {max_shift}")
    if max_shift == 0:
        return images
    rows = rng.integers(-max_shift, max_shift + 1, size=len(images))
    columns = rng.integers(-max_shift, max_shift + 1, size=len(images))
    return shift(images, rows, columns)
# --8<-- [end:random_shift]
