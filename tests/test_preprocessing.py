"""Preprocessing: a real MNIST digit photographed badly comes back as MNIST wrote it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from neuralbook.preprocessing import (
    BOX_SIZE,
    BlankImageError,
    area_resize,
    area_weights,
    center_by_mass,
    crop_to_ink,
    fit_in_box,
    invert_if_needed,
    preprocess_image,
    preprocessing_steps,
    read_grayscale,
    remove_background,
)


def mass_center(image):
    """Centre of mass with np.indices: a different formula from the module's."""
    rows, columns = np.indices(image.shape)
    return float((rows * image).sum() / image.sum()), float((columns * image).sum() / image.sum())


def best_correlation(a, b):
    """The largest correlation of a with b shifted by at most one pixel each way.

    Centring moves a digit by whole pixels, so a re-centred copy of an MNIST digit can
    sit one pixel away from where MNIST put it (both within half a pixel of the centre).
    """
    a, b = a.reshape(28, 28), b.reshape(28, 28)
    best = -1.0
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            shifted = np.roll(b, (dr, dc), axis=(0, 1))
            best = max(best, float(np.corrcoef(a.ravel(), shifted.ravel())[0, 1]))
    return best


def photo_of(digit, size=280, canvas=(400, 520), top=30, left=200):
    """An MNIST digit as a big black-on-white picture, off-centre on a larger canvas."""
    pixels = np.round(digit.reshape(28, 28) * 255).astype(np.uint8)
    big = np.asarray(Image.fromarray(pixels).resize((size, size), Image.Resampling.BICUBIC))
    page = np.full(canvas, 255, dtype=np.uint8)
    page[top : top + size, left : left + size] = 255 - big
    return page


def encoded(array, fmt):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.mnist
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_real_mnist_digits_come_back(mnist, tmp_path, fmt):
    correlations = []
    for index in range(10):
        original = mnist.test_images[index]
        path = tmp_path / f"digit{index}.{fmt.lower()}"
        path.write_bytes(encoded(photo_of(original, left=200 - 15 * index), fmt))
        result = preprocess_image(path)
        assert result.shape == (784,) and result.dtype == np.float32
        assert result.min() >= 0 and result.max() == 1.0
        row, column = mass_center(result.reshape(28, 28))
        assert abs(row - 14) <= 0.5 and abs(column - 14) <= 0.5, (index, row, column)
        assert best_correlation(original, result) > 0.9, index
        correlations.append(np.corrcoef(original, result)[0, 1])
    assert np.median(correlations) > 0.95


@pytest.mark.mnist
def test_ink_fills_a_20_pixel_box_like_mnist(mnist):
    original = mnist.test_images[0].reshape(28, 28)
    result = preprocess_image(photo_of(original)).reshape(28, 28)
    for image in (original, result):
        rows = np.flatnonzero((image > 0.2).any(axis=1))
        columns = np.flatnonzero((image > 0.2).any(axis=0))
        assert max(rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1) in (19, 20)


@pytest.mark.mnist
def test_mnist_digit_through_the_pipeline_changes_little(mnist):
    original = mnist.test_images[3]
    assert best_correlation(original, preprocess_image(original.reshape(28, 28))) > 0.95


def test_grey_levels_match_pillow_for_every_mode(tmp_path):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(12, 9, 3), dtype=np.uint8)
    pillow_grey = np.asarray(Image.fromarray(rgb).convert("L")) / 255
    np.testing.assert_allclose(read_grayscale(rgb), pillow_grey, atol=1 / 255 + 1e-12)
    for mode in ("L", "LA", "RGB", "RGBA", "P"):
        path = tmp_path / f"image-{mode}.png"
        Image.fromarray(rgb).convert(mode).save(path)
        expected = np.asarray(Image.open(path).convert("L")) / 255
        np.testing.assert_allclose(read_grayscale(path), expected, atol=2 / 255, err_msg=mode)


def test_sixteen_bit_png(tmp_path):
    levels = np.array([[0, 65535], [32768, 6553]], dtype=np.uint16)
    Image.fromarray(levels).save(tmp_path / "deep.png")
    np.testing.assert_allclose(read_grayscale(tmp_path / "deep.png"), levels / 65535)


def test_float_and_integer_arrays():
    grey = np.array([[0.0, 0.5], [1.0, 0.25]])
    np.testing.assert_array_equal(read_grayscale(grey), grey)
    np.testing.assert_array_equal(read_grayscale((grey * 255).astype(np.uint8)), np.floor(grey * 255) / 255)
    np.testing.assert_array_equal(read_grayscale(grey[:, :, None]), grey)


def test_transparent_background_counts_as_white_paper(tmp_path):
    # A drawing app's PNG: black strokes (alpha 255) on a fully transparent background
    # whose colour channels happen to be black too.
    rgba = np.zeros((60, 60, 4), dtype=np.uint8)
    rgba[10:50, 28:33, 3] = 255
    path = tmp_path / "drawing.png"
    Image.fromarray(rgba, "RGBA").save(path)
    grey = read_grayscale(path)
    assert grey[0, 0] == 1.0 and grey[30, 30] == 0.0
    half = rgba.copy()
    half[..., 3] = np.where(half[..., 3] == 255, 255, 128)  # half-transparent black paper
    assert read_grayscale(half)[0, 0] == pytest.approx(1 - 128 / 255)
    la = np.stack([np.zeros((60, 60)), rgba[..., 3]], axis=-1).astype(np.uint8)
    np.testing.assert_array_equal(read_grayscale(la), grey)
    x = preprocess_image(path)
    assert mass_center(x.reshape(28, 28)) == pytest.approx((14, 14), abs=0.5)


def test_inversion_follows_the_background():
    dark_on_light = np.full((30, 30), 0.9)
    dark_on_light[10:20, 10:20] = 0.1
    np.testing.assert_allclose(invert_if_needed(dark_on_light), 1 - dark_on_light)
    light_on_dark = 1 - dark_on_light
    assert invert_if_needed(light_on_dark) is light_on_dark
    # Ink touching the border does not fool the median.
    touching = dark_on_light.copy()
    touching[:, 0:3] = 0.1
    np.testing.assert_allclose(invert_if_needed(touching), 1 - touching)
    # Both ways round give the same MNIST image.
    np.testing.assert_array_equal(preprocess_image(dark_on_light), preprocess_image(light_on_dark))


def test_grey_paper_and_faint_ink():
    photo = np.full((80, 80), 0.7)  # grey paper
    photo[20:60, 30:40] = 0.4  # pencil
    x = preprocess_image(photo).reshape(28, 28)
    assert x.max() == 1.0
    assert x[0].max() == 0.0 and x[:, 0].max() == 0.0  # the paper became black


@pytest.mark.parametrize(
    "blank",
    [
        np.full((50, 50), 255, dtype=np.uint8),
        np.zeros((50, 50), dtype=np.uint8),
        np.full((50, 50), 0.6),
        np.full((50, 50, 4), [10, 200, 30, 255], dtype=np.uint8),
        np.where(np.random.default_rng(0).random((50, 50)) < 0.5, 250, 255).astype(np.uint8),
    ],
)
def test_blank_images_are_refused(blank):
    with pytest.raises(BlankImageError, match="no ink"):
        preprocess_image(blank)


def test_blank_jpeg_is_refused(tmp_path):
    path = tmp_path / "blank.jpg"
    path.write_bytes(encoded(np.full((64, 48, 3), 240, dtype=np.uint8), "JPEG"))
    with pytest.raises(BlankImageError):
        preprocess_image(path)


def test_files_that_are_not_images(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(ValueError, match="cannot read .*notes.png as an image"):
        preprocess_image(text)
    with pytest.raises(FileNotFoundError):
        preprocess_image(tmp_path / "missing.png")
    with pytest.raises(ValueError, match="expected an image of shape"):
        preprocess_image(np.zeros((4, 4, 5)))


@pytest.mark.parametrize("side", [40, 100])  # above the warning limit (1,000 here), above twice it
def test_images_too_large_are_refused_without_a_traceback(tmp_path, monkeypatch, side):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    path = tmp_path / "huge.png"
    Image.new("L", (side, side), 255).save(path)
    with pytest.raises(ValueError, match=r"cannot read .*huge.png: the image is too large"):
        preprocess_image(path)


def test_crop_to_ink_against_a_loop():
    rng = np.random.default_rng(3)
    for _ in range(20):
        ink = np.zeros((30, 40))
        count = rng.integers(1, 6)
        ink[rng.integers(0, 30, count), rng.integers(0, 40, count)] = rng.uniform(0.5, 1, count)
        ink += rng.uniform(0, 0.05, ink.shape)  # faint noise below the threshold
        strong = [(r, c) for r in range(30) for c in range(40) if ink[r, c] > 0.2 * ink.max()]
        top, bottom = min(r for r, _ in strong), max(r for r, _ in strong)
        left, right = min(c for _, c in strong), max(c for _, c in strong)
        np.testing.assert_array_equal(crop_to_ink(ink), ink[top : bottom + 1, left : right + 1])


def test_area_resize_by_whole_factors_is_the_block_mean():
    rng = np.random.default_rng(1)
    image = rng.random((60, 40))
    blocks = image.reshape(20, 3, 10, 4).mean(axis=(1, 3))
    np.testing.assert_allclose(area_resize(image, 20, 10), blocks, rtol=1e-12)


def test_area_weights_by_hand_and_mass_preserved():
    # Five inputs into two outputs: each output covers 2.5 input pixels.
    np.testing.assert_allclose(area_weights(5, 2), [[0.4, 0.4, 0.2, 0, 0], [0, 0, 0.2, 0.4, 0.4]])
    for n_in, n_out in [(7, 3), (3, 7), (280, 20), (20, 20), (1, 5)]:
        weights = area_weights(n_in, n_out)
        np.testing.assert_allclose(weights.sum(axis=1), 1.0)
        np.testing.assert_allclose(weights.sum(axis=0), n_out / n_in)  # every input counted in full
    image = np.random.default_rng(2).random((33, 17))
    resized = area_resize(image, 20, 11)
    assert resized.mean() == pytest.approx(image.mean(), rel=1e-12)


@pytest.mark.parametrize(
    "shape, fitted",
    [((100, 50), (20, 10)), ((50, 100), (10, 20)), ((7, 7), (20, 20)), ((300, 2), (20, 1)), ((41, 20), (20, 10))],
)
def test_fit_in_box_keeps_the_aspect_ratio(shape, fitted):
    assert fit_in_box(np.ones(shape)).shape == fitted
    assert max(fitted) == BOX_SIZE


def test_center_by_mass_lands_within_half_a_pixel():
    rng = np.random.default_rng(5)
    for _ in range(50):
        h, w = rng.integers(1, 21, size=2)
        digit = rng.random((h, w)) ** 4
        field = center_by_mass(digit)
        row, column = mass_center(field)
        assert abs(row - 14) <= 0.5 and abs(column - 14) <= 0.5
        assert field.sum() == pytest.approx(digit.sum())  # nothing cut: a 20-pixel box always fits


def test_center_by_mass_moves_by_whole_pixels_with_rounding_half_up():
    digit = np.zeros((4, 4))
    digit[0, 0] = digit[0, 1] = 1.0  # centre of mass (0, 0.5): shifts 14 and 13.5 -> 14
    field = center_by_mass(digit)
    expected = np.zeros((28, 28))
    expected[14:18, 14:18] = digit
    np.testing.assert_array_equal(field, expected)


def test_center_by_mass_drops_ink_pushed_outside():
    digit = np.zeros((20, 20))
    digit[0, 0] = 100.0  # nearly all mass in a corner: the rest goes off the field
    digit[19, 19] = 1.0
    field = center_by_mass(digit)
    assert field.shape == (28, 28)
    assert field[14, 14] == 100.0 and field.sum() == 100.0


def test_steps_are_the_pipeline():
    photo = np.full((70, 50), 230, dtype=np.uint8)
    photo[10:60, 20:30] = 30
    steps = preprocessing_steps(photo)
    np.testing.assert_array_equal(steps["input"].ravel(), preprocess_image(photo))
    assert steps["cropped"].shape == (50, 10)
    assert steps["fitted"].shape == (20, 4)


def test_remove_background_subtracts_the_border_median():
    image = np.full((10, 10), 0.3)
    image[4:6, 4:6] = 0.9
    cleaned = remove_background(image)
    assert cleaned[0, 0] == 0.0 and cleaned[5, 5] == pytest.approx(0.6)
