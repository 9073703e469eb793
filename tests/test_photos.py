"""The synthetic photos and the measurements of ``results/photos.json`` (neuralbook.photos)."""

from __future__ import annotations

import numpy as np
import pytest

from neuralbook.experiments import load_result, results_dir
from neuralbook.photos import (
    PHOTO_SHAPE,
    PREPARATIONS,
    accuracies,
    measure_photos,
    photo,
    photos,
    shift_accuracy,
    shifted,
)
from neuralbook.plots.digits import digit_samples


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
