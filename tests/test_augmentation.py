"""Tests of the random shifts, against a pixel-by-pixel reference written with loops."""

from __future__ import annotations

import numpy as np
import pytest

from neuralbook.augmentation import random_shift, shift


def shift_by_hand(image, side, down, right):
    """The same move, one pixel at a time: output (i, j) takes input (i - down, j - right)."""
    grid = image.reshape(side, side)
    out = np.zeros_like(grid)
    for i in range(side):
        for j in range(side):
            source_i, source_j = i - down, j - right
            if 0 <= source_i < side and 0 <= source_j < side:
                out[i, j] = grid[source_i, source_j]
    return out.ravel()


def test_shift_matches_a_pixel_by_pixel_reference():
    rng = np.random.default_rng(0)
    images = rng.random((12, 49))
    rows = rng.integers(-3, 4, size=12)
    columns = rng.integers(-3, 4, size=12)
    moved = shift(images, rows, columns)
    for n in range(12):
        np.testing.assert_array_equal(moved[n], shift_by_hand(images[n], 7, rows[n], columns[n]))


def test_shift_by_zero_is_the_identity_and_keeps_the_dtype():
    images = np.random.default_rng(1).random((3, 784)).astype(np.float32)
    moved = shift(images, np.zeros(3, dtype=int), np.zeros(3, dtype=int))
    assert moved.dtype == np.float32
    np.testing.assert_array_equal(moved, images)


def test_random_shift_is_seeded_and_stays_within_the_limit():
    images = np.zeros((400, 784), dtype=np.float32)
    images[:, 14 * 28 + 14] = 1.0  # one bright pixel in the middle of each image
    a = random_shift(images, np.random.default_rng(5), max_shift=2)
    b = random_shift(images, np.random.default_rng(5), max_shift=2)
    np.testing.assert_array_equal(a, b)
    rows, columns = np.divmod(a.argmax(axis=1), 28)
    assert set(rows - 14) == set(columns - 14) == {-2, -1, 0, 1, 2}  # every shift drawn, no other
    assert np.all(a.sum(axis=1) == 1.0)  # the pixel moved, not lost, so far from the edge


def test_random_shift_refuses_what_it_cannot_shift():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="square"):
        random_shift(np.zeros((2, 10)), rng)
    with pytest.raises(ValueError, match="shape"):
        random_shift(np.zeros((28, 28)).ravel(), rng)
    with pytest.raises(ValueError, match="max_shift"):
        random_shift(np.zeros((2, 784)), rng, max_shift=-1)
    with pytest.raises(TypeError, match="Generator"):
        random_shift(np.zeros((2, 784)), 0)


def test_the_trainer_shifts_every_batch_anew():
    from neuralbook.network import Network
    from neuralbook.optimizers import SGD
    from neuralbook.training import train_epoch

    seen = []

    class Recording(Network):
        def loss_and_gradients(self, x, y, rng=None):
            seen.append(x.copy())
            return super().loss_and_gradients(x, y, rng=rng)

    images = np.random.default_rng(2).random((20, 784)).astype(np.float32)
    targets = np.eye(10, dtype=np.float32)[np.arange(20) % 10]
    network = Recording([784, 10], output="softmax", loss="cross_entropy", seed=0, dtype=np.float32)
    train_epoch(network, SGD(1e-12), images, targets, 20, np.random.default_rng(0), shuffle=False, augment=2)
    train_epoch(network, SGD(1e-12), images, targets, 20, np.random.default_rng(0), shuffle=False, augment=0)
    shifted, plain = seen
    np.testing.assert_array_equal(plain, images)
    assert not np.array_equal(shifted, images)
    assert np.all(shifted.sum(axis=1) <= images.sum(axis=1) + 1e-4)  # shifting only loses pixels
