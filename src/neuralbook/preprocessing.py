"""Turn any picture of a handwritten digit into an MNIST-style input of 784 numbers.

A network trained on MNIST has only ever seen digits written the MNIST way: a white
digit on a black background, its ink scaled to fit a 20 × 20 box, the box placed in a
28 × 28 field so that the *centre of mass* of the ink lies at the centre. A photo of a
digit on paper breaks every one of these conventions, and the network's answer on it is
close to a guess. This module rebuilds the conventions, one small function per step
(explained in the chapter *Draw your own digit*).

[`preprocess_image`][neuralbook.preprocessing.preprocess_image] is for photos, and what `neuralbook predict` uses:

1. [`read_grayscale`][neuralbook.preprocessing.read_grayscale] reads a PNG, JPEG, Pillow image or array as grey levels in
   [0, 1], where 0 is black and 1 is white; a large file is decoded at a reduced size;
2. [`invert_photo_if_needed`][neuralbook.preprocessing.invert_photo_if_needed] makes the digit bright on a dark background,
   judging by which way the rare ink departs from the paper around it;
3. [`flatten_background`][neuralbook.preprocessing.flatten_background] smooths away sensor noise and subtracts the paper's
   own, uneven brightness, estimated by a grey-level *opening* (a large minimum filter
   followed by a maximum filter of the same size);
4. [`ink_mask`][neuralbook.preprocessing.ink_mask] separates ink from paper at Otsu's threshold and keeps the
   digit's connected blobs (the largest and those at least a tenth of its size), dropping
   specks and smudges;
5. [`crop_to_ink`][neuralbook.preprocessing.crop_to_ink], [`fit_in_box`][neuralbook.preprocessing.fit_in_box],
   [`center_by_mass`][neuralbook.preprocessing.center_by_mass] and [`scale_to_unit`][neuralbook.preprocessing.scale_to_unit] then cut the mask to its box,
   scale it into 20 × 20 by area averaging (which turns the black-and-white mask into
   grey edges, as MNIST's anti-aliasing did to NIST's black-and-white scans), centre it
   by mass and scale the brightest pixel to 1.

[`preprocess_drawing`][neuralbook.preprocessing.preprocess_drawing] is the simpler path for a clean drawing (strokes on a
uniform canvas, as the in-page widget has): step 1, then
[`invert_if_needed`][neuralbook.preprocessing.invert_if_needed] (invert a canvas whose border is light), then
[`remove_background`][neuralbook.preprocessing.remove_background] (subtract the border's median) and step 5 on the grey
levels themselves. It is the path the widget's JavaScript reproduces number for number.

The drawing path is specified exactly, so that another implementation (the JavaScript
of the in-page widget) can reproduce it number for number:

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
import mmap
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
#: The window of the polarity test, as a fraction of the picture's longer side.
POLARITY_WINDOW = 0.5
#: The polarity test compares the darkest and the brightest departures of this share of the pixels.
POLARITY_TAIL = 0.01
#: The only file formats that are opened (the ones `neuralbook predict` names).
IMAGE_FORMATS = ("PNG", "JPEG")
#: A file is decoded at a reduced size so that its longer side is at most this many pixels.
DECODE_SIZE = 1024
#: The most pixels of a picture that must be decoded whole before it can be reduced (a PNG, a
#: progressive JPEG): about nine bytes a pixel at the peak, so a few hundred MB at most.
MAX_WHOLE_PIXELS = 25_000_000
#: The most pixels a JPEG's scans may pass over in all (scans x pixels): each scan of a
#: progressive file is a pass over the whole picture, and a photo has about ten, so a
#: 12-megapixel photo passes over 120 million; a megabyte file of 20,000 copies of one small
#: scan of a 4,000 x 4,000 picture took minutes.
MAX_SCAN_PIXELS = 300_000_000
#: The window of the background estimate, as a fraction of the picture's longer side.
BACKGROUND_WINDOW = 0.25
#: The window of the noise-smoothing box blur, as a fraction of the picture's shorter side (at least 3 pixels).
SMOOTHING_WINDOW = 1 / 160
#: A blob of ink is part of the digit when it is at least this fraction of the largest blob.
KEEP_FRACTION = 0.1

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
        Shape (height, width): float64 for an array, float32 for a file or a Pillow
        image. Transparent pixels count as white paper. A file or Pillow image whose
        longer side exceeds `DECODE_SIZE` (1024) pixels is read at a reduced size, its
        longer side at most `DECODE_SIZE` (see [`open_image`][neuralbook.preprocessing.open_image]).

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
        image = open_image(image)
    if not isinstance(image, np.ndarray):  # a Pillow image: reduce it first, then one float32 channel
        image = _reduced(image)
        if image.mode.startswith("I"):  # 16-bit grey PNG: 0..65535
            return (np.asarray(image).astype(np.float64) / 65535.0).astype(np.float32)
        rgba = np.asarray(image.convert("RGBA"))
        grey = rgba[..., :3].astype(np.float32) @ _LUMA.astype(np.float32) / np.float32(255.0)
        alpha = rgba[..., 3].astype(np.float32) / np.float32(255.0)
        return alpha * grey + (np.float32(1.0) - alpha)  # composite over white paper
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


# --8<-- [start:open_image]
def open_image(source):
    """Open a PNG or JPEG file (a path or its bytes) with Pillow, at a reduced size if it is large.

    Only the formats of `IMAGE_FORMATS` are tried, so a file in any other format (an
    EPS, which Pillow would hand to Ghostscript, a TIFF, ...) is refused before it is
    decoded. A JPEG larger than `DECODE_SIZE` is decoded directly at 1/2, 1/4 or 1/8 of
    its size (``Image.draft``); the phone's EXIF rotation is applied. A PNG or a progressive
    JPEG is decoded whole first, so one of more than `MAX_WHOLE_PIXELS` pixels is refused
    before it is decoded, and so is a JPEG whose scans would pass over more than
    `MAX_SCAN_PIXELS` pixels in all; Pillow refuses any image of more than
    ``Image.MAX_IMAGE_PIXELS`` (about 89 million pixels).

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not a PNG or JPEG, is damaged, or has too many pixels.
    """
    from PIL import Image, UnidentifiedImageError

    name = "the given bytes" if isinstance(source, bytes) else str(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(source) if isinstance(source, bytes) else Path(source),
                                formats=list(IMAGE_FORMATS))
            _check_not_truncated(opened, source, name)
            _check_decodable_whole(opened)
            _check_scans(opened, source, name)
            if opened.format == "JPEG" and max(opened.size) > DECODE_SIZE:
                scale = DECODE_SIZE / max(opened.size)
                opened.draft(opened.mode, (int(opened.size[0] * scale), int(opened.size[1] * scale)))
            orientation = opened.getexif().get(_EXIF_ORIENTATION)
            reduced = _reduced(opened)  # decodes the file, then shrinks it before any copy is made
            upright = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                       4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
                       6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
            if orientation in upright:  # the phone's rotation, applied to the small image
                reduced = reduced.transpose(upright[orientation])
            return reduced
    except (FileNotFoundError, _Refused):
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise ValueError(f"cannot read {name}: the image is too large ({error})") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        formats = " or ".join(IMAGE_FORMATS)
        raise ValueError(f"cannot read {name} as an image (expected a {formats} file): {error}") from error
# --8<-- [end:open_image]


_EXIF_ORIENTATION = 0x0112


def _check_not_truncated(opened, source, name: str) -> None:
    """Refuse a JPEG whose file is too small for the size its header announces.

    A Huffman-coded JPEG spends at least one bit on every 8 × 8 block of pixels (its
    DC coefficient's code), so a file of fewer than width × height / 512 bytes cannot
    hold the image: it is truncated or its header is damaged, and the decoder would
    silently fill the missing blocks with grey (a 112 × 112 image whose header says
    9000 × 9000 decodes into a grey page with a corner of noise).
    """
    if opened.format != "JPEG":
        return
    size = len(source) if isinstance(source, bytes) else os.stat(source).st_size
    width, height = opened.size
    needed = width * height // 512
    if size < needed:
        raise ValueError(
            f"cannot read {name}: the file is truncated or damaged: its header announces "
            f"{width} x {height} pixels, which need at least {needed:,} bytes, and it holds {size:,}"
        )


class _Refused(ValueError):
    """A file refused before decoding, with a message that says why in full."""


def jpeg_scans(data: bytes | mmap.mmap) -> int:
    """The number of scans (start-of-scan markers) in the bytes of a JPEG file.

    The segments are walked by their lengths, so a thumbnail inside the EXIF data is not
    counted; inside a scan's coded data a byte 0xFF is followed by 0 or a restart marker.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> picture, buffer = Image.new("L", (16, 16), 255), io.BytesIO()
    >>> picture.save(buffer, "JPEG")
    >>> jpeg_scans(buffer.getvalue())
    1
    """
    scans, i = 0, 2  # after the start-of-image marker
    while True:
        i = data.find(b"\xff", i)
        if i < 0 or i + 1 >= len(data):
            return scans
        marker = data[i + 1]
        if marker == 0xFF:  # a fill byte before a marker
            i += 1
        elif marker in (0x00, 0x01) or 0xD0 <= marker <= 0xD7:  # a stuffed 0xFF, TEM, a restart marker
            i += 2
        elif marker == 0xD9:  # end of image
            return scans
        else:
            scans += marker == 0xDA
            i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")  # the segment (a scan's header)


def _check_scans(opened, source, name: str) -> None:
    """Refuse, before it is decoded, a JPEG whose scans pass over more than `MAX_SCAN_PIXELS` pixels."""
    if opened.format != "JPEG":
        return
    if isinstance(source, bytes):
        scans = jpeg_scans(source)
    else:
        with open(source, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            scans = jpeg_scans(data)
    width, height = opened.size
    if scans * width * height > MAX_SCAN_PIXELS:
        raise _Refused(
            f"cannot read {name}: it holds {scans:,} scans of {width} x {height} pixels, each a pass over the whole "
            f"picture ({scans * width * height:,} pixels in all, more than the {MAX_SCAN_PIXELS:,} read); "
            f"a photo has about ten"
        )


def _check_decodable_whole(opened) -> None:
    """Refuse, before decoding it, a picture that is decoded whole and has too many pixels.

    A PNG has no reduced decoding, and a progressive JPEG keeps every coefficient of the
    whole picture while it decodes; then the reduction converts it (a palette to RGBA,
    RGBA to premultiplied RGBa), up to about nine bytes a pixel at the peak.
    """
    from PIL import Image

    width, height = opened.size
    whole = opened.format == "PNG" or bool(opened.info.get("progressive"))
    if whole and width * height > MAX_WHOLE_PIXELS:
        kind = "a PNG" if opened.format == "PNG" else "a progressive JPEG"
        raise Image.DecompressionBombError(
            f"{width} x {height} pixels; {kind} is decoded whole, and at most {MAX_WHOLE_PIXELS:,} pixels are: "
            f"scale it down, or save it as a (baseline) JPEG"
        )


def _reduced(image):
    """A Pillow image shrunk by a whole factor (box averaging) until its longer side is at most `DECODE_SIZE`."""
    factor = -(-max(image.size) // DECODE_SIZE)  # ceiling division
    if factor <= 1:
        image.load()
        return image
    if image.mode.startswith("I;16"):
        image = image.convert("I")  # same 0..65535 values, in a mode Image.reduce averages
    elif image.mode == "1":
        image = image.convert("L")
    elif image.mode not in ("L", "LA", "RGB", "RGBA", "CMYK", "I"):  # a palette, with or without transparency
        image = image.convert("RGBA" if image.mode == "PA" or "transparency" in image.info else "RGB")
    return image.reduce(factor)


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


# --8<-- [start:invert_photo_if_needed]
def invert_photo_if_needed(grey: np.ndarray) -> np.ndarray:
    """Make the digit bright on a dark background, whatever the brightness of the paper.

    Ink is rare and stands far from the paper around it. Each pixel, first averaged
    with its neighbours as in [`flatten_background`][neuralbook.preprocessing.flatten_background] (so that sensor noise does
    not count), is compared with the mean of a window around it (a
    [`box_blur`][neuralbook.preprocessing.box_blur] of `POLARITY_WINDOW` of the longer side), which follows the paper's
    slow changes of light; the image is inverted when its darkest departures reach
    farther below the local mean than its brightest reach above it (each the
    `POLARITY_TAIL`, one per cent, of the pixels).

    Examples
    --------
    >>> dim_paper = np.full((40, 40), 0.3); dim_paper[10:30, 18:21] = 0.05   # dark ink, dim paper
    >>> invert_photo_if_needed(dim_paper)[20, 19], invert_photo_if_needed(dim_paper)[0, 0]
    (np.float64(0.95), np.float64(0.7))
    >>> chalk = 1.0 - dim_paper                                    # light ink on a grey board
    >>> invert_photo_if_needed(chalk) is chalk
    True
    """
    smooth = box_blur(grey, _odd(min(grey.shape) * SMOOTHING_WINDOW))
    departure = smooth - box_blur(grey, _odd(max(grey.shape) * POLARITY_WINDOW))
    darkest, brightest = np.percentile(departure, [100 * POLARITY_TAIL, 100 * (1 - POLARITY_TAIL)])
    return 1.0 - grey if -darkest > brightest else grey
# --8<-- [end:invert_photo_if_needed]


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


# --8<-- [start:box_blur]
def box_blur(image: np.ndarray, size: int) -> np.ndarray:
    """The mean of every ``size`` × ``size`` window (``size`` odd), by a summed-area table.

    Outside the image its edge pixels are repeated, so a uniform image stays uniform.

    Examples
    --------
    >>> image = np.zeros((5, 5)); image[2, 2] = 9.0
    >>> box_blur(image, 3)[1:4, 1:4]                  # the 9 spread over its 3 x 3 window
    array([[1., 1., 1.],
           [1., 1., 1.],
           [1., 1., 1.]])
    """
    r = size // 2
    padded = np.pad(np.asarray(image, dtype=np.float64), r, mode="edge")
    total = np.pad(padded.cumsum(axis=0).cumsum(axis=1), ((1, 0), (1, 0)))
    window = total[size:, size:] - total[:-size, size:] - total[size:, :-size] + total[:-size, :-size]
    return window / size**2
# --8<-- [end:box_blur]


# --8<-- [start:opening]
def _sliding(image: np.ndarray, size: int, reduce) -> np.ndarray:
    """``reduce`` (np.minimum or np.maximum) over every ``size`` × ``size`` window, one axis at a time.

    Each axis is cut into blocks of ``size``; a window then spans the end of one block
    and the start of the next, so its extreme is ``reduce`` of a running extreme from
    each side of the cut (van Herk, Gil and Werman): three passes, whatever the window.
    """
    r = size // 2
    for axis in (0, 1):
        moved = np.moveaxis(image, axis, 0)
        n = moved.shape[0]
        blocks = -(-(n + 2 * r) // size)
        padded = np.pad(moved, [(r, blocks * size - n - r)] + [(0, 0)] * (moved.ndim - 1), mode="edge")
        split = padded.reshape(blocks, size, *padded.shape[1:])
        forward = reduce.accumulate(split, axis=1).reshape(padded.shape)
        backward = reduce.accumulate(split[:, ::-1], axis=1)[:, ::-1].reshape(padded.shape)
        image = np.moveaxis(reduce(backward[:n], forward[size - 1 : size - 1 + n]), 0, axis)
    return image


def opening(image: np.ndarray, size: int) -> np.ndarray:
    """Grey-level opening: a minimum filter, then a maximum filter, both ``size`` × ``size``.

    It removes every bright detail narrower than the window (strokes of ink) and keeps
    what varies slowly (the paper's lighting): a ramp comes back unchanged.

    Examples
    --------
    >>> ramp = np.tile(np.arange(9.0)[:, None], (1, 9))   # lighting that grows downwards
    >>> image = ramp.copy(); image[2:7, 4] += 5.0         # and a stroke one pixel wide
    >>> bool(np.array_equal(opening(image, 3)[1:-1], ramp[1:-1]))
    True
    """
    return _sliding(_sliding(image, size, np.minimum), size, np.maximum)
# --8<-- [end:opening]


def _odd(length: float, minimum: int = 3) -> int:
    """The odd whole number nearest to ``length``, at least ``minimum``."""
    return max(minimum, 2 * int(np.floor(length / 2)) + 1)


# --8<-- [start:flatten_background]
def flatten_background(ink: np.ndarray) -> np.ndarray:
    """Smooth away sensor noise, then subtract the paper's uneven brightness, so that paper reads 0.

    The noise is smoothed by a [`box_blur`][neuralbook.preprocessing.box_blur] of `SMOOTHING_WINDOW` of the shorter side
    (at least 3 pixels); the paper's brightness is estimated by an
    [`opening`][neuralbook.preprocessing.opening] with a window of `BACKGROUND_WINDOW` (a quarter) of the longer side,
    wider than any stroke, and subtracted. A blob of ink that holds a whole window (a
    stroke wider than a quarter of the picture) would count as paper.

    Raises
    ------
    BlankImageError
        If nothing stands out from the paper by `MIN_CONTRAST` or more.

    Examples
    --------
    >>> rows, columns = np.indices((40, 40))
    >>> paper = 0.1 + 0.4 * columns / 39                  # dark on the left, light on the right
    >>> photo = paper.copy(); photo[10:30, 18:21] += 0.3  # a bright stroke
    >>> flat = flatten_background(photo)
    >>> round(float(flat[:, :8].max()), 3), round(float(flat[20, 19]), 2)   # paper 0, stroke about 0.3
    (0.0, 0.27)
    """
    smooth = box_blur(ink, _odd(min(ink.shape) * SMOOTHING_WINDOW))
    flat = smooth - opening(smooth, _odd(max(ink.shape) * BACKGROUND_WINDOW))
    if flat.max() < MIN_CONTRAST:
        raise BlankImageError(
            f"the image has no ink: its brightest pixel stands out from the paper by "
            f"{flat.max():.3f}, less than {MIN_CONTRAST}"
        )
    return flat
# --8<-- [end:flatten_background]


# --8<-- [start:otsu_threshold]
def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """The level that best splits ``values`` into two classes, by Otsu's method.

    Of every level between the bins of a histogram, the one whose two classes, below
    and above it, have the largest *between-class variance* ``w0 w1 (mu0 - mu1)²``
    (``w`` the classes' shares of the values, ``mu`` their means); equivalently, the
    smallest spread within the classes (N. Otsu, *IEEE Trans. SMC* 9, 1979).

    Examples
    --------
    >>> values = np.concatenate([np.full(90, 0.1), np.full(10, 0.7)])   # paper and ink
    >>> 0.1 < otsu_threshold(values) < 0.7
    True
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return low
    counts, edges = np.histogram(values, bins=bins, range=(low, high))
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(counts)[:-1] / values.size  # share at or below each level between bins
    w1 = 1.0 - w0
    mass = np.cumsum(counts * centres) / values.size  # every mean from the histogram, so they agree
    mass0, mass_total = mass[:-1], mass[-1]
    mu0 = mass0 / np.where(w0 > 0, w0, 1.0)
    mu1 = (mass_total - mass0) / np.where(w1 > 0, w1, 1.0)
    between = np.where((w0 > 0) & (w1 > 0), w0 * w1 * (mu0 - mu1) ** 2, -1.0)
    return float(edges[1 + int(np.argmax(between))])
# --8<-- [end:otsu_threshold]


# --8<-- [start:label_blobs]
def label_blobs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number the connected blobs of a boolean mask (pixels touching by a side or a corner).

    Every pixel starts as its own blob; each round, the two blobs at the ends of every
    touching pair are merged (the larger number points to the smaller), and every pixel
    then follows the pointers to its blob's smallest number. The rounds stop when every
    touching pair is in one blob.

    Returns
    -------
    labels : numpy.ndarray
        The mask's shape, int64: 0 off the mask, 1, 2, ... for the blobs.
    sizes : numpy.ndarray
        Shape (number of blobs,): the pixels of blob 1, 2, ...

    Examples
    --------
    >>> mask = np.array([[1, 1, 0, 0],
    ...                  [0, 0, 0, 1],
    ...                  [0, 0, 1, 1]], dtype=bool)
    >>> labels, sizes = label_blobs(mask)
    >>> labels
    array([[1, 1, 0, 0],
           [0, 0, 0, 2],
           [0, 0, 2, 2]])
    >>> sizes
    array([2, 3])
    """
    index = np.full(mask.shape, -1, dtype=np.int64)
    index[mask] = np.arange(int(mask.sum()))
    neighbours = [  # each pair of touching pixels once: right, down, down-right, down-left
        (index[:, :-1], index[:, 1:]), (index[:-1, :], index[1:, :]),
        (index[:-1, :-1], index[1:, 1:]), (index[:-1, 1:], index[1:, :-1]),
    ]
    first = np.concatenate([a[(a >= 0) & (b >= 0)] for a, b in neighbours])
    second = np.concatenate([b[(a >= 0) & (b >= 0)] for a, b in neighbours])
    parent = np.arange(int(mask.sum()))
    while not np.array_equal(parent[first], parent[second]):
        a, b = parent[first], parent[second]
        np.minimum.at(parent, np.maximum(a, b), np.minimum(a, b))  # merge: larger root -> smaller
        while not np.array_equal(parent[parent], parent):  # follow the pointers to the root
            parent = parent[parent]
    roots, blob, sizes = np.unique(parent, return_inverse=True, return_counts=True)
    labels = np.zeros(mask.shape, dtype=np.int64)
    labels[mask] = blob.ravel() + 1
    return labels, sizes
# --8<-- [end:label_blobs]


# --8<-- [start:ink_mask]
def ink_mask(flat: np.ndarray, keep_fraction: float = KEEP_FRACTION) -> np.ndarray:
    """The digit's pixels: above Otsu's threshold, in a blob at least ``keep_fraction`` of the largest.

    A digit may have several blobs (the bar of a 5 lifted off its body), so every blob
    of at least a tenth of the largest one's size is kept; specks, dust and the grain of
    the paper are smaller and are dropped.

    Examples
    --------
    >>> flat = np.zeros((30, 30))
    >>> flat[5:25, 10:14] = 0.8                      # a stroke of 80 pixels
    >>> flat[2, 2] = flat[27, 27] = 0.8              # two specks
    >>> mask = ink_mask(flat)
    >>> int(mask.sum()), bool(mask[2, 2])
    (80, False)
    """
    mask = flat > otsu_threshold(flat)
    labels, sizes = label_blobs(mask)
    kept = np.flatnonzero(sizes >= keep_fraction * sizes.max()) + 1
    return np.isin(labels, kept)
# --8<-- [end:ink_mask]


# --8<-- [start:preprocess_image]
def preprocess_image(image) -> np.ndarray:
    """Turn a photo or picture of one digit into MNIST's format: (784,) float32 in [0, 1].

    Parameters
    ----------
    image : str, os.PathLike, bytes, PIL.Image.Image or numpy.ndarray
        Anything [`read_grayscale`][neuralbook.preprocessing.read_grayscale] reads: dark ink on light paper or light on
        dark, under uneven light, with noise.

    Raises
    ------
    BlankImageError
        If the picture has no ink.

    Examples
    --------
    >>> rows, columns = np.indices((90, 60))
    >>> photo = 0.6 + 0.3 * columns / 59               # paper lit from the right...
    >>> photo[10:70, 5:15] = 0.1                        # ...with a black bar, off-centre
    >>> x = preprocess_image(photo)
    >>> x.shape, x.dtype, x.max()
    ((784,), dtype('float32'), np.float32(1.0))
    >>> [round(v, 2) for v in center_of_mass(x.reshape(28, 28))]   # within half a pixel of (14, 14)
    [13.5, 14.0]
    """
    grey = read_grayscale(image)
    flat = flatten_background(invert_photo_if_needed(grey))
    mask = ink_mask(flat)
    digit = fit_in_box(crop_to_ink(mask.astype(np.float64)))
    return scale_to_unit(center_by_mass(digit))
# --8<-- [end:preprocess_image]


# --8<-- [start:preprocess_drawing]
def preprocess_drawing(image) -> np.ndarray:
    """Turn a clean drawing of one digit (strokes on a uniform canvas) into MNIST's format.

    The path of the in-page widget, which its JavaScript reproduces number for number:
    the grey levels themselves, less the border's median, are cropped, fitted, centred
    and scaled. On a photo under uneven light use [`preprocess_image`][neuralbook.preprocessing.preprocess_image].

    Raises
    ------
    BlankImageError
        If the picture has no ink.

    Examples
    --------
    >>> photo = np.full((90, 60), 255, dtype=np.uint8)   # white paper...
    >>> photo[10:70, 5:15] = 0                            # ...with a black bar, off-centre
    >>> x = preprocess_drawing(photo)
    >>> x.shape, x.dtype, x.max()
    ((784,), dtype('float32'), np.float32(1.0))
    >>> center_of_mass(x.reshape(28, 28))              # within half a pixel of (14, 14)
    (14.5, 14.0)
    """
    grey = read_grayscale(image)
    ink = remove_background(invert_if_needed(grey))
    digit = fit_in_box(crop_to_ink(ink))
    return scale_to_unit(center_by_mass(digit))
# --8<-- [end:preprocess_drawing]


def preprocessing_steps(image) -> dict[str, np.ndarray]:
    """Every intermediate image of [`preprocess_image`][neuralbook.preprocessing.preprocess_image], by step name, for showing.

    Examples
    --------
    >>> steps = preprocessing_steps(np.eye(40))
    >>> list(steps)
    ['grey', 'inverted', 'background', 'flattened', 'mask', 'cropped', 'fitted', 'centred', 'input']
    >>> steps["input"].shape
    (28, 28)
    """
    steps = {"grey": read_grayscale(image)}
    steps["inverted"] = invert_photo_if_needed(steps["grey"])
    shape = steps["inverted"].shape
    smooth = box_blur(steps["inverted"], _odd(min(shape) * SMOOTHING_WINDOW))
    steps["background"] = opening(smooth, _odd(max(shape) * BACKGROUND_WINDOW))
    steps["flattened"] = flatten_background(steps["inverted"])
    steps["mask"] = ink_mask(steps["flattened"])
    steps["cropped"] = crop_to_ink(steps["mask"].astype(np.float64))
    steps["fitted"] = fit_in_box(steps["cropped"])
    steps["centred"] = center_by_mass(steps["fitted"])
    steps["input"] = scale_to_unit(steps["centred"]).reshape(FIELD_SIZE, FIELD_SIZE)
    return steps


def drawing_steps(image) -> dict[str, np.ndarray]:
    """Every intermediate image of [`preprocess_drawing`][neuralbook.preprocessing.preprocess_drawing], by step name.

    Examples
    --------
    >>> list(drawing_steps(np.eye(40)))
    ['grey', 'inverted', 'background removed', 'cropped', 'fitted', 'centred', 'input']
    """
    steps = {"grey": read_grayscale(image)}
    steps["inverted"] = invert_if_needed(steps["grey"])
    steps["background removed"] = remove_background(steps["inverted"])
    steps["cropped"] = crop_to_ink(steps["background removed"])
    steps["fitted"] = fit_in_box(steps["cropped"])
    steps["centred"] = center_by_mass(steps["fitted"])
    steps["input"] = scale_to_unit(steps["centred"]).reshape(FIELD_SIZE, FIELD_SIZE)
    return steps
