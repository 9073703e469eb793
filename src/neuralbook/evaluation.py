"""Measuring a trained classifier: accuracy, the confusion matrix and its worst mix-ups.

Accuracy alone says *how often* a network is wrong; the confusion matrix says *how*:
entry ``[i, j]`` counts the examples of true class ``i`` that the network called ``j``,
so the diagonal holds the correct answers and every other cell one kind of mistake.

>>> labels    = np.array([0, 0, 1, 1, 2, 2])
>>> predicted = np.array([0, 1, 1, 1, 2, 0])
>>> print(accuracy(labels, predicted))
0.6666666666666666
>>> confusion_matrix(labels, predicted, num_classes=3)
array([[1, 1, 0],
       [0, 2, 0],
       [1, 0, 1]])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from neuralbook.network import Network


def _as_labels(values, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"expected {name} of shape (n,), got {array.shape}")
    if array.size and array.dtype.kind not in "iu":
        if array.dtype.kind == "f" and np.all(array == np.round(array)):
            return array.astype(np.int64)
        raise ValueError(f"expected integer class labels in {name}, got {array.dtype}")
    return array.astype(np.int64)


def _pair(labels, predicted) -> tuple[np.ndarray, np.ndarray]:
    labels, predicted = _as_labels(labels, "labels"), _as_labels(predicted, "predicted")
    if labels.shape != predicted.shape:
        raise ValueError(f"expected as many predictions as labels, got {predicted.shape} and {labels.shape}")
    if labels.size == 0:
        raise ValueError("expected at least one example, got none")
    return labels, predicted


# --8<-- [start:accuracy]
def accuracy(labels: np.typing.ArrayLike, predicted: np.typing.ArrayLike) -> float:
    """The fraction of examples whose predicted class is the true class.

    Parameters
    ----------
    labels, predicted : array_like of int, shape (n,)
        True and predicted classes.

    Examples
    --------
    >>> print(accuracy([3, 1, 4, 1], [3, 1, 4, 7]))
    0.75
    """
    labels, predicted = _pair(labels, predicted)
    return float(np.mean(labels == predicted))
# --8<-- [end:accuracy]


# --8<-- [start:confusion_matrix]
def confusion_matrix(labels: np.typing.ArrayLike, predicted: np.typing.ArrayLike, num_classes: int = 10) -> np.ndarray:
    """Count every (true class, predicted class) pair.

    Each pair ``(i, j)`` is given the single number ``i * num_classes + j``; one
    ``np.bincount`` of those numbers counts all pairs at once, and reshaping the
    counts gives the matrix.

    Returns
    -------
    numpy.ndarray
        Shape (num_classes, num_classes), int64: rows are true classes, columns
        predicted classes; the sum is the number of examples.

    Examples
    --------
    >>> confusion_matrix([0, 1, 1], [0, 0, 1], num_classes=2)
    array([[1, 0],
           [1, 1]])
    """
    labels, predicted = _pair(labels, predicted)
    for name, values in (("labels", labels), ("predicted", predicted)):
        if values.min() < 0 or values.max() >= num_classes:
            raise ValueError(f"expected {name} in 0..{num_classes - 1}, got values from {values.min()} to {values.max()}")
    counts = np.bincount(labels * num_classes + predicted, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)
# --8<-- [end:confusion_matrix]


def _square(matrix) -> np.ndarray:
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"expected a square confusion matrix, got shape {matrix.shape}")
    return matrix


# --8<-- [start:per_class_accuracy]
def per_class_accuracy(matrix: np.typing.ArrayLike) -> np.ndarray:
    """For each true class, the fraction of its examples that were classified correctly.

    That is the diagonal divided by the row sums (the *recall* of each class). A class
    with no examples gets ``nan``.

    Examples
    --------
    >>> per_class_accuracy(np.array([[3, 1], [0, 2]]))
    array([0.75, 1.  ])
    """
    matrix = _square(matrix)
    totals = matrix.sum(axis=1)
    result = np.full(matrix.shape[0], np.nan)
    np.divide(np.diag(matrix), totals, out=result, where=totals > 0)
    return result
# --8<-- [end:per_class_accuracy]


# --8<-- [start:most_confused_pairs]
def most_confused_pairs(matrix: np.typing.ArrayLike, top: int = 5) -> list[tuple[int, int, int]]:
    """The ``top`` most frequent mistakes as (true class, predicted class, count).

    Sorted by count, largest first; equal counts in the order (true, predicted).
    Pairs that never happen are left out.

    Examples
    --------
    >>> most_confused_pairs(np.array([[5, 2, 0], [0, 5, 3], [2, 0, 5]]), top=2)
    [(1, 2, 3), (0, 1, 2)]
    """
    matrix = _square(matrix)
    mistakes = matrix.copy()
    np.fill_diagonal(mistakes, 0)
    flat = mistakes.ravel()
    order = np.argsort(-flat, kind="stable")[:top]
    size = matrix.shape[0]
    return [(int(k // size), int(k % size), int(flat[k])) for k in order if flat[k] > 0]
# --8<-- [end:most_confused_pairs]


@dataclass
class Evaluation:
    """Everything [`evaluate`][neuralbook.evaluation.evaluate] measures on one set of examples."""

    accuracy: float
    confusion_matrix: np.ndarray
    per_class_accuracy: np.ndarray
    most_confused: list[tuple[int, int, int]]
    predicted: np.ndarray

    @property
    def num_examples(self) -> int:
        """How many examples were evaluated."""
        return int(self.confusion_matrix.sum())

    @property
    def num_errors(self) -> int:
        """How many of them were misclassified."""
        return self.num_examples - int(np.trace(self.confusion_matrix))


class NonFiniteOutputError(ValueError):
    """A network's outputs are NaN or infinite, so no class (and no accuracy) can be read from them."""


def check_finite_outputs(outputs: np.typing.ArrayLike, what: str = "images") -> np.ndarray:
    """Return ``outputs`` if every value is finite; otherwise say how many rows are not.

    An arg-max of NaN is class 0, so a broken network would otherwise score about one
    image in ten and look merely bad.

    Examples
    --------
    >>> check_finite_outputs(np.array([[0.2, 0.8], [np.nan, 0.5]]))
    Traceback (most recent call last):
    ...
    neuralbook.evaluation.NonFiniteOutputError: the network's outputs are NaN or infinite for 1 of 2 images: its weights are too large to compute with; retrain it (a smaller learning rate, or float64)
    """
    outputs = np.asarray(outputs)
    bad = ~np.isfinite(outputs).all(axis=-1) if outputs.ndim else ~np.isfinite(outputs)
    if np.any(bad):
        raise _not_finite(int(np.sum(bad)), bad.size, what)
    return outputs


def _not_finite(count: int, total: int, what: str) -> NonFiniteOutputError:
    return NonFiniteOutputError(
        f"the network's outputs are NaN or infinite for {count} of {total} {what}: its weights "
        f"are too large to compute with; retrain it (a smaller learning rate, or float64)"
    )


#: The most memory one layer's activations may take while a data set is evaluated.
BATCH_MEMORY = 64 * 2**20
"""The most memory one layer's activations may take while a data set is evaluated (64 MiB)."""


def rows_per_batch(network: Network, batch_size: int, memory: int | None = None) -> int:
    """How many images to send through ``network`` at once: ``batch_size``, or fewer for a wide network.

    A batch of ``n`` images makes activations of ``n`` × (widest layer) numbers; the
    batch shrinks until they fit in ``memory`` bytes (default `BATCH_MEMORY`), so that evaluating a network of
    30,000 hidden neurons on 10,000 images takes tens of megabytes, not gigabytes.

    Examples
    --------
    >>> from neuralbook.network import Network
    >>> rows_per_batch(Network([784, 30, 10], seed=0), 2000)
    2000
    >>> rows_per_batch(Network([784, 30, 10], seed=0), 2000, memory=784 * 4 * 100)  # float32: 4 bytes each
    100
    """
    sizes = getattr(network, "sizes", None) or network.config["sizes"]
    itemsize = np.dtype(getattr(network, "dtype", np.float64)).itemsize
    memory = BATCH_MEMORY if memory is None else memory
    return int(max(1, min(batch_size, memory // (max(sizes) * itemsize))))


def predict_classes(network: Network, images: np.typing.ArrayLike, batch_size: int = 2000) -> np.ndarray:
    """The predicted class of every image, as [`Network.predict`][neuralbook.network.Network.predict] decides it.

    The images go through the network ``batch_size`` at a time (fewer for a wide
    network, see [`rows_per_batch`][neuralbook.evaluation.rows_per_batch]) to bound the memory.

    Raises
    ------
    NonFiniteOutputError
        If an output is NaN or infinite (see [`check_finite_outputs`][neuralbook.evaluation.check_finite_outputs]).
    """
    images = np.asarray(images)
    if images.ndim != 2:
        raise ValueError(f"expected images of shape (n, {network.config['sizes'][0]}), got {images.shape}")
    predictions, bad = [], 0
    batch_size = rows_per_batch(network, batch_size)  # bounded memory, whatever the network's width
    for start in range(0, len(images), batch_size):
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, with its meaning
            a = network.forward(images[start : start + batch_size])
        bad += int(np.sum(~np.isfinite(a).all(axis=1)))
        # Network.predict's rule: one output is a probability, several are one per class.
        predictions.append((a[:, 0] >= 0.5).astype(np.int64) if a.shape[1] == 1 else a.argmax(axis=1))
    if bad:
        raise _not_finite(bad, len(images), "images")
    return np.concatenate(predictions) if predictions else np.zeros(0, dtype=np.int64)


# --8<-- [start:evaluate]
def evaluate(network: Network, images: np.typing.ArrayLike, labels: np.typing.ArrayLike) -> Evaluation:
    """Classify ``images`` with ``network`` and measure the result against ``labels``.

    Parameters
    ----------
    network : neuralbook.network.Network
        A trained network whose output layer has one unit per class.
    images : numpy.ndarray, shape (n, 784)
    labels : numpy.ndarray of int, shape (n,)
    """
    predicted = predict_classes(network, images)
    num_classes = network.config["sizes"][-1]
    matrix = confusion_matrix(labels, predicted, num_classes=num_classes)
    return Evaluation(
        accuracy=accuracy(labels, predicted),
        confusion_matrix=matrix,
        per_class_accuracy=per_class_accuracy(matrix),
        most_confused=most_confused_pairs(matrix),
        predicted=predicted,
    )
# --8<-- [end:evaluate]


def format_confusion_matrix(matrix: np.typing.ArrayLike) -> str:
    """The confusion matrix as an aligned text table, for the terminal.

    Examples
    --------
    >>> print(format_confusion_matrix(np.array([[50, 2], [13, 1000]])))
    true \\ predicted     0     1
                   0    50     2
                   1    13  1000
    """
    matrix = _square(matrix)
    width = max(len(str(int(matrix.max()))), len(str(matrix.shape[0] - 1))) + 2
    corner = "true \\ predicted"
    header = corner + "".join(f"{j:>{width}}" for j in range(matrix.shape[1]))
    rows = [f"{i:>{len(corner)}}" + "".join(f"{int(count):>{width}}" for count in row) for i, row in enumerate(matrix)]
    return "\n".join([header, *rows])


# --8<-- [start:predict_image]
def predict_image(network: Network, image: Any) -> np.ndarray:
    """The network's probabilities for each digit, for one picture of a digit.

    Parameters
    ----------
    network : neuralbook.network.Network
    image : str, os.PathLike, PIL.Image.Image or numpy.ndarray
        A PNG or JPEG file or an image array, preprocessed by
        [`neuralbook.preprocessing.preprocess_image`][neuralbook.preprocessing.preprocess_image] first.

    Returns
    -------
    numpy.ndarray
        Shape (10,): the output of the network for the preprocessed image.

    Raises
    ------
    NonFiniteOutputError
        If an output is NaN or infinite: a probability that is not a number is no answer.
    """
    from neuralbook.preprocessing import preprocess_image

    x = preprocess_image(image)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below
        a = network.forward(x[None, :])
    return check_finite_outputs(a, "images")[0]
# --8<-- [end:predict_image]
