"""Tests of the baselines and the ensemble, each against a computation written out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from neuralbook.baselines import (
    class_means,
    darkness_fit,
    darkness_predict,
    ensemble_probabilities,
    nearest_mean_predict,
)


def test_nearest_mean_agrees_with_distances_computed_one_by_one():
    rng = np.random.default_rng(0)
    images, labels = rng.random((60, 5)), np.arange(60) % 3
    means = class_means(images, labels, classes=3)
    for k in range(3):  # each mean by a loop over the images of its class
        np.testing.assert_allclose(means[k], np.mean([x for x, y in zip(images, labels) if y == k], axis=0))
    queries = rng.random((20, 5))
    expected = [int(np.argmin([np.sqrt(np.sum((x - m) ** 2)) for m in means])) for x in queries]
    assert nearest_mean_predict(means, queries).tolist() == expected


def test_darkness_reads_the_class_with_the_closest_average_ink():
    images = np.array([[0.0, 0.1], [0.1, 0.1], [1.0, 1.0], [0.6, 0.6]])
    labels = np.array([0, 0, 1, 1])
    np.testing.assert_allclose(darkness_fit(images, labels, classes=2), [0.15, 1.6])
    # 0.8 is 0.65 from 0.15 and 0.8 from 1.6; 0.9 is 0.75 and 0.7 away.
    assert darkness_predict([0.15, 1.6], np.array([[0.4, 0.4], [0.45, 0.45]])).tolist() == [0, 1]


def test_a_class_with_no_image_is_an_error():
    with pytest.raises(ValueError, match="every class"):
        class_means(np.zeros((2, 3)), np.array([0, 0]), classes=2)
    with pytest.raises(ValueError, match="integer label"):
        class_means(np.zeros((2, 3)), np.array([0.0, 1.0]), classes=2)


def test_ensemble_averages_probabilities_not_votes():
    class Fixed:
        def __init__(self, output):
            self.output = np.asarray(output)

        def forward(self, images):
            return self.output

    # Two weak votes for class 0 and one confident vote for class 1: the average picks 1.
    members = [Fixed([[0.55, 0.45]]), Fixed([[0.55, 0.45]]), Fixed([[0.05, 0.95]])]
    p = ensemble_probabilities(members, np.zeros((1, 2)))
    np.testing.assert_allclose(p, [[(0.55 + 0.55 + 0.05) / 3, (0.45 + 0.45 + 0.95) / 3]])
    assert p.argmax(axis=1).tolist() == [1]
    with pytest.raises(ValueError, match="at least one"):
        ensemble_probabilities([], np.zeros((1, 2)))
