"""Preprocessing: a real MNIST digit photographed badly comes back as MNIST wrote it.

Both paths are tested: `preprocess_image` (photos: flattened lighting, Otsu's threshold,
blobs) and `preprocess_drawing` (clean drawings, the path the widget's JavaScript
mirrors). Each step is compared with a slow, obvious reference written here.
"""

from __future__ import annotations

import io
from pathlib import Path

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
    box_blur,
    drawing_steps,
    flatten_background,
    ink_mask,
    invert_if_needed,
    invert_photo_if_needed,
    label_blobs,
    opening,
    otsu_threshold,
    preprocess_drawing,
    preprocess_image,
    preprocessing_steps,
    read_grayscale,
    remove_background,
)

BOTH_PATHS = pytest.mark.parametrize("prepare", [preprocess_image, preprocess_drawing], ids=["photo", "drawing"])


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
@BOTH_PATHS
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_real_mnist_digits_come_back(mnist, tmp_path, fmt, prepare):
    correlations = []
    for index in range(10):
        original = mnist.test_images[index]
        path = tmp_path / f"digit{index}.{fmt.lower()}"
        path.write_bytes(encoded(photo_of(original, left=200 - 15 * index), fmt))
        result = prepare(path)
        assert result.shape == (784,) and result.dtype == np.float32
        assert result.min() >= 0 and result.max() == 1.0
        row, column = mass_center(result.reshape(28, 28))
        assert abs(row - 14) <= 0.5 and abs(column - 14) <= 0.5, (index, row, column)
        assert best_correlation(original, result) > 0.9, index
        correlations.append(np.corrcoef(original, result)[0, 1])
    assert np.median(correlations) > 0.95


@pytest.mark.mnist
@BOTH_PATHS
def test_ink_fills_a_20_pixel_box_like_mnist(mnist, prepare):
    original = mnist.test_images[0].reshape(28, 28)
    result = prepare(photo_of(original)).reshape(28, 28)
    for image in (original, result):
        rows = np.flatnonzero((image > 0.2).any(axis=1))
        columns = np.flatnonzero((image > 0.2).any(axis=0))
        assert max(rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1) in (19, 20)


@pytest.mark.mnist
def test_mnist_digit_through_the_pipeline_changes_little(mnist):
    original = mnist.test_images[3]
    assert best_correlation(original, preprocess_drawing(original.reshape(28, 28))) > 0.95
    # The photo path turns the grey levels into a black-and-white mask first: a little further.
    assert best_correlation(original, preprocess_image(original.reshape(28, 28))) > 0.9


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
    for prepare in (preprocess_image, preprocess_drawing):
        x = prepare(path)
        assert mass_center(x.reshape(28, 28)) == pytest.approx((14, 14), abs=0.5)


def test_inversion_follows_the_background():
    dark_on_light = np.full((30, 30), 0.9)
    dark_on_light[5:25, 12:16] = 0.1  # a stroke, narrower than a quarter of the picture
    np.testing.assert_allclose(invert_if_needed(dark_on_light), 1 - dark_on_light)
    light_on_dark = 1 - dark_on_light
    assert invert_if_needed(light_on_dark) is light_on_dark
    # Ink touching the border does not fool the median.
    touching = dark_on_light.copy()
    touching[:, 0:3] = 0.1
    np.testing.assert_allclose(invert_if_needed(touching), 1 - touching)
    # Both ways round give the same MNIST image.
    for prepare in (preprocess_image, preprocess_drawing):
        np.testing.assert_array_equal(prepare(dark_on_light), prepare(light_on_dark))


def test_dim_paper_is_inverted_whatever_its_level():
    # Paper at 0.3 to 0.45 under a gradient, dark ink on it: the border median is below
    # 0.5, so the border rule of the drawing path leaves the digit dark; the photo's rule
    # inverts it. The same pictures light on dark are left alone.
    _, columns = np.indices((120, 160))
    for paper in (0.3, 0.45):
        photo = paper + 0.1 * (columns / 159 - 0.5)  # lit from the right
        photo[30:90, 70:76] *= 0.2  # a dark stroke, 3% of the picture
        photo[30:36, 60:90] *= 0.2
        assert np.median(photo[0]) < 0.5 and invert_if_needed(photo) is photo
        np.testing.assert_allclose(invert_photo_if_needed(photo), 1 - photo)
        negative = 1 - photo
        assert invert_photo_if_needed(negative) is negative
        # Both ways round give the same MNIST image.
        np.testing.assert_array_equal(preprocess_image(photo), preprocess_image(negative))


def test_a_shadow_over_most_of_the_sheet_does_not_fool_the_polarity():
    rows, columns = np.indices((120, 160))
    photo = np.full((120, 160), 0.8)
    photo[rows + 0.5 * columns > 40] *= 0.45  # a hard-edged shadow over about four fifths of the sheet
    photo[40:100, 100:106] *= 0.2  # a dark stroke in the shadow
    assert (photo < 0.5).mean() > 0.7
    np.testing.assert_allclose(invert_photo_if_needed(photo), 1 - photo)
    negative = 1 - photo
    assert invert_photo_if_needed(negative) is negative


@BOTH_PATHS
def test_grey_paper_and_faint_ink(prepare):
    photo = np.full((80, 80), 0.7)  # grey paper
    photo[20:60, 30:40] = 0.4  # pencil
    x = prepare(photo).reshape(28, 28)
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
@BOTH_PATHS
def test_blank_images_are_refused(blank, prepare):
    with pytest.raises(BlankImageError, match="no ink"):
        prepare(blank)


def test_blank_jpeg_is_refused(tmp_path):
    path = tmp_path / "blank.jpg"
    path.write_bytes(encoded(np.full((64, 48, 3), 240, dtype=np.uint8), "JPEG"))
    for prepare in (preprocess_image, preprocess_drawing):
        with pytest.raises(BlankImageError):
            prepare(path)


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
    steps = drawing_steps(photo)
    np.testing.assert_array_equal(steps["input"].ravel(), preprocess_drawing(photo))
    assert steps["cropped"].shape == (50, 10)
    assert steps["fitted"].shape == (20, 4)
    steps = preprocessing_steps(photo)
    np.testing.assert_array_equal(steps["input"].ravel(), preprocess_image(photo))
    assert steps["cropped"].shape == (50, 10)  # the 3 x 3 smoothing blurs the bar's edge by less than a threshold
    assert steps["fitted"].shape == (20, 4)


def test_remove_background_subtracts_the_border_median():
    image = np.full((10, 10), 0.3)
    image[4:6, 4:6] = 0.9
    cleaned = remove_background(image)
    assert cleaned[0, 0] == 0.0 and cleaned[5, 5] == pytest.approx(0.6)


# --- The photo path's steps, each against an obvious loop ------------------------------


def windows(image, size):
    """Every size x size window of the edge-padded image, by loops (the reference)."""
    r = size // 2
    padded = np.pad(image, r, mode="edge")
    return [[padded[i : i + size, j : j + size] for j in range(image.shape[1])] for i in range(image.shape[0])]


def test_box_blur_is_the_mean_of_each_window():
    image = np.random.default_rng(0).random((9, 13))
    for size in (1, 3, 5):
        expected = np.array([[w.mean() for w in row] for row in windows(image, size)])
        np.testing.assert_allclose(box_blur(image, size), expected, rtol=1e-12)


def test_opening_is_the_max_of_window_minima():
    image = np.random.default_rng(1).random((11, 8))
    for size in (3, 5):
        minima = np.array([[w.min() for w in row] for row in windows(image, size)])
        expected = np.array([[w.max() for w in row] for row in windows(minima, size)])
        np.testing.assert_array_equal(opening(image, size), expected)
        assert (opening(image, size) <= image).all()  # an opening never adds brightness


def test_otsu_threshold_maximises_the_between_class_variance():
    rng = np.random.default_rng(2)
    for paper, ink, share in [(0.05, 0.6, 0.05), (0.2, 0.5, 0.3), (0.0, 0.9, 0.5)]:
        n_ink = int(2000 * share)
        values = np.concatenate([rng.normal(paper, 0.03, 2000 - n_ink), rng.normal(ink, 0.05, n_ink)])

        def between(t):
            low, high = values[values <= t], values[values > t]
            if len(low) == 0 or len(high) == 0:
                return 0.0
            w0, w1 = len(low) / len(values), len(high) / len(values)
            return w0 * w1 * (low.mean() - high.mean()) ** 2

        best = max(between(t) for t in np.linspace(values.min(), values.max(), 257))
        chosen = otsu_threshold(values)
        assert between(chosen) >= best * (1 - 1e-3)
        assert paper < chosen < ink


def test_otsu_threshold_keeps_a_digit_of_one_percent_ink():
    # A flattened photo of a small, thin digit: paper near 0, ink on 1% of the pixels.
    rng = np.random.default_rng(0)
    count, ink_count = 20_000, 200
    paper = np.clip(rng.normal(0.0, 0.03, count - ink_count), 0.0, None)
    ink = rng.uniform(0.3, 0.6, ink_count)
    values = np.concatenate([paper, ink])
    # Otsu by brute force: every split of the sorted values, each class's mean computed exactly.
    ordered = np.sort(values)
    below = np.arange(1, count)
    w0 = below / count
    mu0 = np.cumsum(ordered)[:-1] / below
    mu1 = (ordered.sum() - np.cumsum(ordered)[:-1]) / (count - below)
    variances = w0 * (1 - w0) * (mu0 - mu1) ** 2
    best = int(np.argmax(variances))
    assert best + 1 == count - ink_count  # the exact split: all the paper below, all the ink above

    def between(t):
        low, high = values[values <= t], values[values > t]
        w = len(low) / count
        return w * (1 - w) * (low.mean() - high.mean()) ** 2

    chosen = otsu_threshold(values)
    assert between(chosen) >= variances[best] * (1 - 1e-2)
    assert abs(int((values > chosen).sum()) - ink_count) <= ink_count // 20  # the digit stays, within 5%


def flood_fill_labels(mask):
    """Blobs by breadth-first search, 8-connected, numbered in reading order of their first pixel."""
    labels = np.zeros(mask.shape, dtype=int)
    count = 0
    for i in range(mask.shape[0]):
        for j in range(mask.shape[1]):
            if mask[i, j] and not labels[i, j]:
                count += 1
                queue = [(i, j)]
                labels[i, j] = count
                while queue:
                    r, c = queue.pop()
                    for dr in (-1, 0, 1):
                        for dc in (-1, 0, 1):
                            rr, cc = r + dr, c + dc
                            if 0 <= rr < mask.shape[0] and 0 <= cc < mask.shape[1] and mask[rr, cc] and not labels[rr, cc]:
                                labels[rr, cc] = count
                                queue.append((rr, cc))
    return labels


def test_label_blobs_agrees_with_a_flood_fill():
    rng = np.random.default_rng(3)
    for density in (0.2, 0.45, 0.6):
        mask = rng.random((25, 30)) < density
        labels, sizes = label_blobs(mask)
        expected = flood_fill_labels(mask)
        # The same partition: each of our labels is exactly one of the reference's.
        assert labels.max() == expected.max() == len(sizes)
        pairs = set(zip(labels[mask].tolist(), expected[mask].tolist()))
        assert len(pairs) == len(sizes)
        assert sorted(sizes.tolist()) == sorted(np.bincount(expected[mask])[1:].tolist())
    spiral = np.zeros((9, 9), dtype=bool)  # one long winding blob: many merging rounds
    spiral[0, :] = spiral[:, 8] = spiral[8, :] = spiral[2:, 0] = spiral[2, :7] = spiral[2:7, 6] = spiral[6, 2:7] = True
    assert len(label_blobs(spiral)[1]) == 1


def test_ink_mask_keeps_the_parts_of_a_digit_and_drops_specks():
    flat = np.zeros((60, 60))
    flat[20:50, 20:26] = 0.7  # the body of a 5 ...
    flat[12:15, 22:40] = 0.7  # ... and its bar, lifted off (54 pixels, 30% of the body)
    for r, c in [(2, 2), (55, 5), (5, 55), (40, 50)]:
        flat[r, c] = 0.7  # dust
    flat += np.random.default_rng(4).normal(0, 0.02, flat.shape).clip(0)
    mask = ink_mask(flat)
    assert mask[20:50, 20:26].all() and mask[12:15, 22:40].all()
    assert mask.sum() == 30 * 6 + 3 * 18


def lit_unevenly(shape, seed, strength=0.4):
    """Paper under a lamp: bright in one corner, dark in the other, with sensor noise."""
    rows, columns = np.indices(shape)
    light = 0.95 - strength * (rows / shape[0] + columns / shape[1]) / 2
    return light + np.random.default_rng(seed).normal(0, 0.02, shape)


def test_uneven_light_and_noise_do_not_move_the_crop():
    photo = lit_unevenly((480, 640), seed=5)
    photo[100:400, 300:340] *= 0.25  # a dark bar 300 x 40, away from the centre
    steps = preprocessing_steps(np.clip(photo, 0, 1))
    height, width = steps["cropped"].shape
    assert abs(height - 300) <= 4 and abs(width - 40) <= 4  # the crop is the bar, not the shadow
    drawing = drawing_steps(np.clip(photo, 0, 1))  # the border's median cannot flatten a gradient
    assert drawing["cropped"].shape[1] > 100


def test_a_photo_of_a_four_under_uneven_light_is_read_as_a_four():
    """The issue's case: a 640 x 480 photo of a 4, uneven light, a little sensor noise."""
    from neuralbook.plots.digits import digit_samples
    from neuralbook.serialization import load_model
    from neuralbook.experiments import results_dir

    network = load_model(results_dir() / "modern.npz").network
    images, labels = digit_samples()
    fours = np.flatnonzero(labels == 4)
    right = 0
    for k, index in enumerate(fours):
        big = np.asarray(Image.fromarray(np.round(images[index] * 255).astype(np.uint8)).resize((300, 300), Image.Resampling.BICUBIC)) / 255
        photo = lit_unevenly((480, 640), seed=k, strength=0.5)
        left = 20 + (37 * k) % 300
        photo[90:390, left : left + 300] *= 1 - 0.8 * big
        x = preprocess_image(np.clip(photo, 0, 1))
        right += int(network.predict(x[None, :])[0]) == 4
    assert right == len(fours), f"{right} of {len(fours)} photographed fours read as 4"


# --- Decoding files: formats and memory --------------------------------------------------


def test_only_png_and_jpeg_are_opened(tmp_path):
    image = Image.new("L", (40, 30), 255)
    for fmt, suffix in [("EPS", "eps"), ("TIFF", "tif"), ("BMP", "bmp"), ("GIF", "gif")]:
        path = tmp_path / f"digit.{suffix}"
        image.save(path, format=fmt)
        with pytest.raises(ValueError, match="expected a PNG or JPEG file"):
            read_grayscale(path)
        with pytest.raises(ValueError, match="expected a PNG or JPEG file"):
            read_grayscale(path.read_bytes())
    eps = tmp_path / "digit.png"  # an EPS under a PNG's name is refused all the same
    image.save(eps, format="EPS")
    with pytest.raises(ValueError, match="expected a PNG or JPEG file"):
        preprocess_image(eps)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_large_file_is_decoded_at_a_reduced_size(tmp_path, fmt):
    photo = np.full((3000, 4000), 235, dtype=np.uint8)
    photo[600:2400, 1500:1800] = 20  # a one, 1800 pixels tall
    path = tmp_path / f"big.{fmt.lower()}"
    Image.fromarray(photo).save(path, format=fmt)
    grey = read_grayscale(path)
    assert max(grey.shape) <= 1024 and grey.dtype == np.float32
    assert grey.shape[1] / grey.shape[0] == pytest.approx(4 / 3, rel=0.01)
    small = np.asarray(Image.fromarray(photo).resize((1000, 750), Image.Resampling.BOX)) / 255
    np.testing.assert_allclose(preprocess_image(path), preprocess_image(small), atol=0.15)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="measures peak memory with Linux's /proc")
def test_a_huge_png_costs_a_bounded_amount_of_memory(tmp_path):
    """A 5,000 x 5,000 PNG (the most pixels read whole) of a few hundred KB: peak memory of a fresh process stays bounded."""
    import subprocess
    import sys

    side = 5000  # 25 million pixels: MAX_WHOLE_PIXELS (more are refused: see test_hostile_input)
    path = tmp_path / "huge.png"
    image = Image.new("RGB", (side, side), (240, 240, 240))
    image.paste((10, 10, 10), (2100, 1000, 2600, 3700))
    image.save(path, optimize=False)
    assert path.stat().st_size < 2_000_000
    # The peak of this process's own memory (VmHWM): ru_maxrss would also count the
    # pytest process it was forked from, which Linux keeps in it across exec.
    script = (
        "import sys\n"
        "from neuralbook.preprocessing import preprocess_image\n"
        "x = preprocess_image(sys.argv[1])\n"
        "print(round(float(x.reshape(28, 28).max()), 3))\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
        "print(int(status.split()[0]) // 1024)\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    peak_mb = int(run.stdout.split()[-1])
    # The decoded RGB image itself is 5000^2 * 3 bytes = 75 MB; everything else is small.
    assert peak_mb < 250, f"peak memory {peak_mb} MB"
    assert float(run.stdout.split()[0]) > 0.5  # the dark bar was read as ink


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_phones_exif_rotation_is_applied_like_pillow(tmp_path, orientation):
    from PIL import ImageOps

    rgb = np.random.default_rng(orientation).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    image = Image.fromarray(rgb)
    exif = image.getexif()
    exif[0x0112] = orientation
    path = tmp_path / "phone.jpg"
    image.save(path, exif=exif, quality=95)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("L")) / 255
    np.testing.assert_allclose(read_grayscale(path), expected, atol=2 / 255)


def test_neuralbook_predict_reads_a_photo_of_a_four_under_uneven_light(tmp_path, capsys):
    """As a new user would: a 640 x 480 JPEG of a 4, lit from one side, with sensor noise."""
    from neuralbook.cli import main
    from neuralbook.experiments import results_dir
    from neuralbook.plots.digits import digit_samples

    images, labels = digit_samples()
    four = images[np.flatnonzero(labels == 4)[0]]
    big = np.asarray(Image.fromarray(np.round(four * 255).astype(np.uint8)).resize((320, 320), Image.Resampling.BICUBIC)) / 255
    photo = lit_unevenly((480, 640), seed=9, strength=0.6)
    photo[80:400, 250:570] *= 1 - 0.75 * big
    path = tmp_path / "four.jpg"
    Image.fromarray(np.round(np.clip(photo, 0, 1) * 255).astype(np.uint8)).convert("RGB").save(path, quality=85)
    assert main(["predict", str(results_dir() / "modern.npz"), str(path), "--json"]) == 0
    import json

    assert json.loads(capsys.readouterr().out)["prediction"] == 4
