"""Baselines a trained network must beat, and an ensemble of networks.

The simplest classifiers worth comparing with: each digit's *average darkness*
(Nielsen's first baseline), and the *nearest class mean* (each digit's average image;
an image is read as the digit whose average it is closest to). And the simplest way
to combine networks trained with different seeds: average their output probabilities.

Examples
--------
>>> images = np.array([[0.0, 0.0], [0.2, 0.0], [1.0, 1.0], [0.8, 1.0]])
>>> labels = np.array([0, 0, 1, 1])
>>> means = class_means(images, labels, classes=2)
>>> means
array([[0.1, 0. ],
       [0.9, 1. ]])
>>> nearest_mean_predict(means, np.array([[0.3, 0.1], [0.6, 0.9]]))
array([0, 1])
"""

from __future__ import annotations

import numpy as np

__all__ = ["class_means", "nearest_mean_predict", "darkness_fit", "darkness_predict", "ensemble_probabilities"]


def _check(images, labels=None):
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 2 or len(images) == 0:
        raise ValueError(f"expected images of shape (n, pixels) with n >= 1, got shape {images.shape}")
    if labels is None:
        return images, None
    labels = np.asarray(labels)
    if labels.shape != (len(images),) or labels.dtype.kind not in "iu":
        raise ValueError(f"expected one integer label per image, shape ({len(images)},), got {labels.dtype} of shape {labels.shape}")
    return images, labels


def class_means(images, labels, classes: int = 10) -> np.ndarray:
    """Each class's average image, shape ``(classes, pixels)``.

    Raises
    ------
    ValueError
        If a class has no image (its mean is undefined).
    """
    images, labels = _check(images, labels)
    counts = np.bincount(labels, minlength=classes)
    if len(counts) > classes or np.any(counts == 0):
        raise ValueError(f"expected every class 0..{classes - 1} to have images, got counts {counts.tolist()}")
    sums = np.zeros((classes, images.shape[1]))
    np.add.at(sums, labels, images)
    return sums / counts[:, None]


# --8<-- [start:nearest_mean]
def nearest_mean_predict(means, images) -> np.ndarray:
    """The class whose mean image is nearest (squared Euclidean distance) to each image.

    ``|x - m|² = |x|² - 2 x·m + |m|²``, and ``|x|²`` is the same for every class,
    so the nearest mean minimises ``|m|² - 2 x·m``.
    """
    means = np.asarray(means, dtype=np.float64)
    images, _ = _check(images)
    if means.ndim != 2 or means.shape[1] != images.shape[1]:
        raise ValueError(f"expected means of shape (classes, {images.shape[1]}), got {means.shape}")
    return np.argmin(np.sum(means**2, axis=1) - 2 * images @ means.T, axis=1)
# --8<-- [end:nearest_mean]


def darkness_fit(images, labels, classes: int = 10) -> np.ndarray:
    """Each class's average darkness: the mean over its images of their total ink.

    Examples
    --------
    >>> darkness_fit(np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]), np.array([1, 1, 0]), classes=2)
    array([0. , 1.5])
    """
    return class_means(images, labels, classes).sum(axis=1)


def darkness_predict(darkness, images) -> np.ndarray:
    """The class whose average darkness is closest to each image's (Nielsen's first baseline).

    Examples
    --------
    >>> darkness_predict(np.array([0.0, 1.5]), np.array([[0.2, 0.3], [1.0, 0.0]]))
    array([0, 1])
    """
    images, _ = _check(images)
    darkness = np.asarray(darkness, dtype=np.float64)
    return np.argmin(np.abs(images.sum(axis=1)[:, None] - darkness[None, :]), axis=1)


def ensemble_probabilities(networks, images) -> np.ndarray:
    """The average of the networks' outputs (with no dropout): an ensemble's probabilities.

    Its prediction is the arg-max of the average, so each network votes with how sure it is.

    Examples
    --------
    >>> from neuralbook.network import Network
    >>> nets = [Network([4, 3], seed=seed) for seed in (0, 1)]
    >>> x = np.eye(4, dtype=np.float32)
    >>> p = ensemble_probabilities(nets, x)
    >>> bool(np.allclose(p, (nets[0].forward(x) + nets[1].forward(x)) / 2)), p.shape
    (True, (4, 3))
    """
    networks = list(networks)
    if not networks:
        raise ValueError("expected at least one network to average")
    total = np.asarray(networks[0].forward(images), dtype=np.float64)
    for network in networks[1:]:
        total = total + np.asarray(network.forward(images), dtype=np.float64)
    return total / len(networks)
