"""The synthetic photos and the measurements of ``results/photos.json`` (neuralbook.photos)."""

from __future__ import annotations

import numpy as np
import pytest

from neuralbook.experiments import load_result, results_dir
from neuralbook.photos import (
    CONDITIONS,
    DIM_PAPER_LEVELS,
    PHOTO_SHAPE,
    PREPARATIONS,
    accuracies,
    by_condition,
    measure_photos,
    photo,
    photos,
    shift_accuracy,
    shifted,
    with_letterform,
)
from neuralbook.plots.digits import digit_samples
from neuralbook.preprocessing import (
    box_blur,
    invert_if_needed,
    invert_photo_if_needed,
    read_grayscale,
)


def test_a_photo_is_seeded_and_shaped_like_a_phones():
    images, _ = digit_samples()
    first, drawn = photo(images[0], np.random.default_rng(5))
    again, drawn_again = photo(images[0], np.random.default_rng(5))
    other, _ = photo(images[0], np.random.default_rng(6))
    assert first.shape == (*PHOTO_SHAPE, 3) and first.dtype == np.uint8
    assert np.array_equal(first, again) and drawn == drawn_again
    assert not np.array_equal(first, other)
    assert 150 <= drawn["height"] <= 330 and abs(drawn["angle"]) <= 12
    # Dark ink on light paper: the darkest pixels are far below the paper's median.
    grey = first.mean(axis=2)
    assert np.percentile(grey, 1) < 0.6 * np.median(grey)


def test_shifted_moves_by_whole_pixels_against_a_loop():
    rng = np.random.default_rng(0)
    images = rng.random((3, 784))
    for rows, columns in [(1, 0), (-2, 3), (3, -3), (0, 0)]:
        expected = np.zeros((3, 28, 28))
        source = images.reshape(3, 28, 28)
        for r in range(28):
            for c in range(28):
                if 0 <= r - rows < 28 and 0 <= c - columns < 28:
                    expected[:, r, c] = source[:, r - rows, c - columns]
        np.testing.assert_array_equal(shifted(images, rows, columns), expected.reshape(3, 784))


class Guesser:
    """A stand-in network that reads a digit by where its ink is: only unshifted digits are right."""

    def __init__(self, images, labels):
        self.known = {images[i].tobytes(): labels[i] for i in range(len(labels))}

    def predict(self, x):
        return np.array([self.known.get(row.tobytes(), -1) for row in np.asarray(x)])


def test_shift_accuracy_averages_the_eight_directions():
    images, labels = digit_samples()
    x = images.reshape(len(images), -1)
    network = Guesser(x, labels)
    assert shift_accuracy(network, x, labels, 0) == 1.0
    assert shift_accuracy(network, x, labels, 2) == 0.0


def test_the_results_file_holds_every_photo_of_every_seed():
    result = load_result("photos.json")
    assert len(result["seeds"]) >= 5 and result["per_seed"] * len(result["seeds"]) > 100
    for run in result["photos"]:
        assert len(run["labels"]) == result["per_seed"]
        assert set(run["predictions"]) == set(PREPARATIONS)
        assert all(len(v) == result["per_seed"] for v in run["predictions"].values())
        assert all(len(v) == result["per_seed"] for v in run["inverted"].values())
        assert all(set(drawn) >= {"condition", "letterform"} for drawn in run["nuisances"])
    for how in PREPARATIONS:
        assert len(accuracies(result, how)) == len(result["seeds"])
    assert (results_dir() / "photos-failures.npz").is_file()


@pytest.mark.mnist
def test_the_results_file_is_what_the_model_reads_now(mnist):
    """The first photos of each seed, drawn and read again, give the predictions stored."""
    from neuralbook.serialization import load_model

    result = load_result("photos.json")
    network = load_model(results_dir() / result["model"]).network
    count = 8
    for run in result["photos"][:2]:
        start = run["first_index"]
        again = measure_photos(network, mnist.test_images[start : start + count], mnist.test_labels[start : start + count], run["seed"])
        for how in PREPARATIONS:
            assert again["predictions"][how] == run["predictions"][how][:count], how
        assert again["labels"] == run["labels"][:count]
        for rule in ("photo rule", "border rule"):
            assert again["inverted"][rule] == run["inverted"][rule][:count], rule
    images = mnist.test_images[: result["per_seed"] * len(result["seeds"])]
    labels = mnist.test_labels[: len(images)]
    assert shift_accuracy(network, images, labels, 1) == pytest.approx(result["shifts"]["1"], abs=1e-12)


@pytest.mark.slow
def test_sklearn_digits_recomputed():
    """scikit-learn's digits (the test extra installs it) give the stored accuracies."""
    from sklearn.datasets import load_digits  # in the test extra

    from neuralbook.photos import measure_sklearn_digits
    from neuralbook.serialization import load_model

    data = load_digits()
    assert len(data.target) == 1797
    assert "13\nto the test set" in data.DESCR or "13 to the test set" in data.DESCR.replace("\n", " ")
    stored = load_result("photos.json")["sklearn_digits"]
    network = load_model(results_dir() / "modern.npz").network
    again = measure_sklearn_digits(network)
    assert again["accuracy"] == pytest.approx(stored["accuracy"], abs=1e-12)
    assert again["predictions"] == stored["predictions"]
    assert again["labels"] == stored["labels"] == [int(v) for v in data.target]


def test_photos_yields_one_photo_per_digit():
    images, _ = digit_samples()
    assert len(list(photos(images[:3], seed=0))) == 3


def test_every_condition_is_drawn_and_a_plain_photo_is_unchanged_by_it():
    images, labels = digit_samples()
    three = images[int(np.flatnonzero(labels == 3)[0])]
    plain, _ = photo(three, np.random.default_rng(3))
    again, drawn = photo(three, np.random.default_rng(3), condition="plain", label=3)
    assert np.array_equal(plain, again) and drawn["letterform"] == "plain"
    seen = [drawn["condition"] for _, drawn in photos(images[:40], seed=0, labels=labels[:40])]
    assert set(seen) == set(CONDITIONS)
    with pytest.raises(ValueError, match="condition"):
        photo(three, np.random.default_rng(0), condition="foggy")


def test_dim_photos_have_dark_paper_and_the_photo_pipeline_inverts_them():
    images, _ = digit_samples()
    for k in range(6):
        image, drawn = photo(images[k], np.random.default_rng(k), condition="dim")
        grey = read_grayscale(image)
        assert DIM_PAPER_LEVELS[0] <= drawn["paper"] <= DIM_PAPER_LEVELS[1]
        assert np.median(grey) < 0.5  # paper below 0.5: the border rule would not invert it
        assert invert_if_needed(grey) is grey
        # The generator draws dark ink on light paper, so the right answer is to invert.
        assert invert_photo_if_needed(grey) is not grey
        negative = 1.0 - grey
        assert invert_photo_if_needed(negative) is negative


def test_each_condition_changes_the_paper_as_it_says():
    images, _ = digit_samples()
    blank = np.zeros(784)  # no ink: only the paper shows
    paper = {c: read_grayscale(photo(blank, np.random.default_rng(1), condition=c)[0]) for c in CONDITIONS}
    def rows_profile(grey):
        return grey.mean(axis=1) - np.convolve(grey.mean(axis=1), np.ones(9) / 9, mode="same")
    # Ruled paper: horizontal lines make the rows' means dip; squared paper, the columns' too.
    assert rows_profile(paper["ruled"])[20:-20].min() < rows_profile(paper["plain"])[20:-20].min() - 0.01
    assert rows_profile(paper["squared"].T)[20:-20].min() < rows_profile(paper["ruled"].T)[20:-20].min() - 0.01
    # A shadow: a hard edge, a jump over six pixels far larger than the gradient's (noise smoothed away).
    def jump(grey):
        smooth = box_blur(grey, 7)[10:-10, 10:-10]
        return max(np.abs(smooth[6:] - smooth[:-6]).max(), np.abs(smooth[:, 6:] - smooth[:, :-6]).max())
    assert jump(paper["shadow"]) > 0.08 and jump(paper["plain"]) < 0.03
    # Pencil: lighter strokes than ink on the same draws.
    one = images[2]
    _, ink = photo(one, np.random.default_rng(4))
    _, pencil = photo(one, np.random.default_rng(4), condition="pencil")
    assert pencil["darkness"] < 0.6 * ink["darkness"]


def test_letterforms_add_a_flag_and_a_bar_where_they_belong():
    one = np.zeros((28, 28)); one[4:24, 13:15] = 1.0
    flagged = with_letterform(one, "flagged one")
    added = (flagged > 0.5) & ~(one > 0.5)
    rows, columns = np.nonzero(added)
    assert rows.max() <= 4 + 20 * 0.5  # in the top half
    assert columns.max() <= 13 and columns.min() <= 13 - 5  # reaching well to the left of the stem
    assert (columns < 13).sum() >= 6
    seven = np.zeros((28, 28)); seven[4:6, 8:20] = 1.0; seven[6:24, 17:19] = 1.0
    crossed = with_letterform(seven, "crossed seven")
    rows, columns = np.nonzero((crossed > 0.5) & ~(seven > 0.5))
    assert 10 <= rows.min() and rows.max() <= 18  # across the middle of the stem
    assert columns.min() < 17 and columns.max() > 18  # on both sides of it
    with pytest.raises(ValueError, match="letterform"):
        with_letterform(one, "curly")


def test_by_condition_counts_against_a_loop():
    result = load_result("photos.json")
    table = by_condition(result)
    for key in ("dim", "flagged one", "plain seven"):
        right = count = 0
        for run in result["photos"]:
            for y, p, drawn in zip(run["labels"], run["predictions"]["photo pipeline"], run["nuisances"]):
                if key == "dim":
                    member = drawn["condition"] == "dim"
                elif key == "flagged one":
                    member = y == 1 and drawn["letterform"] == "flagged one"
                else:
                    member = y == 7 and drawn["letterform"] == "plain"
                count += member
                right += member and p == y
        assert table[key] == (right, count)
    assert sum(table[c][1] for c in CONDITIONS) == len(result["photos"]) * result["per_seed"]
