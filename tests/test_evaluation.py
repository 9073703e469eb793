"""Evaluation against plain-Python loops written here, example by example."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from neuralbook.evaluation import (
    Evaluation,
    accuracy,
    confusion_matrix,
    evaluate,
    format_confusion_matrix,
    most_confused_pairs,
    per_class_accuracy,
    predict_image,
)
from neuralbook.network import Network


def loop_accuracy(labels, predicted):
    right = 0
    for y, p in zip(labels, predicted):
        right += int(y) == int(p)
    return right / len(labels)


def loop_confusion(labels, predicted, k):
    matrix = [[0] * k for _ in range(k)]
    for y, p in zip(labels, predicted):
        matrix[int(y)][int(p)] += 1
    return matrix


def loop_per_class(matrix):
    result = []
    for i, row in enumerate(matrix):
        total = sum(row)
        result.append(row[i] / total if total else float("nan"))
    return result


def loop_most_confused(matrix, top):
    pairs = []
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            if i != j and count > 0:
                pairs.append((i, j, count))
    pairs.sort(key=lambda pair: (-pair[2], pair[0], pair[1]))
    return pairs[:top]


def random_predictions(seed, n=500, k=10):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, size=n)
    # Mostly right, with mistakes concentrated on a few pairs so that ranks matter.
    predicted = np.where(rng.random(n) < 0.7, labels, (labels + rng.choice([1, 1, 1, 3, 7], size=n)) % k)
    return labels, predicted


@pytest.mark.parametrize("seed", range(5))
def test_against_loops(seed):
    labels, predicted = random_predictions(seed)
    reference = loop_confusion(labels, predicted, 10)
    matrix = confusion_matrix(labels, predicted)
    assert matrix.tolist() == reference
    assert matrix.sum() == len(labels)
    assert accuracy(labels, predicted) == pytest.approx(loop_accuracy(labels, predicted), abs=1e-15)
    np.testing.assert_allclose(per_class_accuracy(matrix), loop_per_class(reference), rtol=1e-15)
    for top in (1, 5, 90, 200):
        assert most_confused_pairs(matrix, top=top) == loop_most_confused(reference, top)


def test_hand_computed_example():
    labels = [0, 0, 0, 1, 1, 2]
    predicted = [0, 1, 1, 1, 1, 0]
    matrix = confusion_matrix(labels, predicted, num_classes=3)
    assert matrix.tolist() == [[1, 2, 0], [0, 2, 0], [1, 0, 0]]
    assert accuracy(labels, predicted) == 3 / 6
    np.testing.assert_allclose(per_class_accuracy(matrix), [1 / 3, 1.0, 0.0])
    assert most_confused_pairs(matrix) == [(0, 1, 2), (2, 0, 1)]


def test_class_without_examples_gets_nan_without_warning():
    matrix = confusion_matrix([0, 0, 2], [0, 2, 2], num_classes=3)
    result = per_class_accuracy(matrix)  # pytest turns a RuntimeWarning into an error
    assert result[0] == 0.5 and np.isnan(result[1]) and result[2] == 1.0


def test_ties_and_perfect_predictions():
    assert most_confused_pairs(np.diag([5, 5, 5])) == []
    tied = np.array([[0, 2, 2], [2, 0, 0], [0, 2, 0]])
    assert most_confused_pairs(tied) == [(0, 1, 2), (0, 2, 2), (1, 0, 2), (2, 1, 2)]


@pytest.mark.parametrize(
    "labels, predicted, message",
    [
        ([0, 1], [0], "as many predictions as labels"),
        ([], [], "at least one example"),
        ([0, 10], [0, 1], "labels in 0..9"),
        ([0, 1], [-1, 1], "predicted in 0..9"),
        ([[0, 1]], [[0, 1]], "shape (n,)"),
        ([0.5, 1], [0, 1], "integer class labels"),
    ],
)
def test_bad_inputs_say_what_was_expected(labels, predicted, message):
    with pytest.raises(ValueError) as caught:
        confusion_matrix(labels, predicted)
    assert message in str(caught.value)


def test_float_labels_that_are_whole_numbers_are_accepted():
    assert confusion_matrix(np.array([1.0, 2.0]), np.array([1, 2]), num_classes=3).tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 1]]


def test_format_confusion_matrix_reads_back_and_aligns():
    labels, predicted = random_predictions(7, n=3000)
    matrix = confusion_matrix(labels, predicted)
    text = format_confusion_matrix(matrix)
    lines = text.splitlines()
    assert len(lines) == 11
    assert len({len(line) for line in lines}) == 1  # every line as wide: columns aligned
    assert [int(word) for word in lines[0].split()[-10:]] == list(range(10))
    table = [[int(word) for word in line.split()] for line in lines[1:]]
    assert [row[0] for row in table] == list(range(10))
    assert [row[1:] for row in table] == matrix.tolist()


class FixedScores:
    """A stand-in network whose scores are known: class = (sum of the inputs) mod 10."""

    config = {"sizes": [3, 10]}

    def __init__(self):
        self.batches = []

    def forward(self, x):
        self.batches.append(len(x))
        scores = np.zeros((len(x), 10))
        scores[np.arange(len(x)), x.sum(axis=1).astype(int) % 10] = 1.0
        return scores

    def predict(self, x):
        return self.forward(x).argmax(axis=1)


def test_evaluate_with_known_scores_and_batches():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 5, size=(4500, 3)).astype(float)
    labels = rng.integers(0, 10, size=4500)
    network = FixedScores()
    result = evaluate(network, images, labels)
    expected = [int(row.sum()) % 10 for row in images]
    assert result.predicted.tolist() == expected
    assert network.batches == [2000, 2000, 500]  # never the whole set at once
    assert isinstance(result, Evaluation)
    assert result.accuracy == pytest.approx(loop_accuracy(labels, expected), abs=1e-15)
    assert result.confusion_matrix.tolist() == loop_confusion(labels, expected, 10)
    assert result.num_examples == 4500
    assert result.num_errors == sum(int(y) != p for y, p in zip(labels, expected))
    assert result.most_confused == loop_most_confused(loop_confusion(labels, expected, 10), 5)


def test_evaluate_real_network_matches_one_example_at_a_time():
    network = Network([784, 16, 10], seed=4)
    rng = np.random.default_rng(1)
    images = rng.random((300, 784)).astype(np.float32)
    labels = rng.integers(0, 10, size=300)
    result = evaluate(network, images, labels)
    one_by_one = [int(np.argmax(network.forward(image[None, :])[0])) for image in images]
    assert result.predicted.tolist() == one_by_one
    assert result.accuracy == pytest.approx(loop_accuracy(labels, one_by_one), abs=1e-15)


def test_evaluate_rejects_images_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"expected images of shape \(n, 784\), got \(5, 28, 28\)"):
        evaluate(Network([784, 10, 10], seed=0), np.zeros((5, 28, 28)), np.zeros(5, dtype=int))


def test_predict_image_gives_probabilities_for_a_file(tmp_path):
    network = Network([784, 16, 10], seed=2)
    canvas = np.full((120, 90), 255, dtype=np.uint8)
    canvas[20:100, 40:52] = 0  # a black stroke, like a 1
    path = tmp_path / "one.png"
    Image.fromarray(canvas).save(path)
    probabilities = predict_image(network, path)
    assert probabilities.shape == (10,)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert np.all(probabilities >= 0)
    # The same picture given as an array gives the same answer.
    np.testing.assert_array_equal(predict_image(network, canvas), probabilities)


def test_confusion_matrix_figure_shows_every_count(tmp_path):
    import matplotlib.pyplot as plt

    from neuralbook.plots.evaluation import plot_confusion_matrix, save_confusion_matrix

    labels, predicted = random_predictions(11, n=800)
    matrix = confusion_matrix(labels, predicted)
    figure = plot_confusion_matrix(matrix)
    texts = sorted(((round(t.get_position()[1]), round(t.get_position()[0])), int(t.get_text())) for t in figure.axes[0].texts)
    assert texts == sorted(((i, j), int(matrix[i, j])) for i in range(10) for j in range(10))
    plt.close(figure)
    mistakes = plot_confusion_matrix(matrix, mistakes_only=True)
    assert len(mistakes.axes[0].texts) == 90  # the diagonal is left blank
    plt.close(mistakes)
    for suffix, magic in ((".png", b"\x89PNG"), (".svg", b"<?xml")):
        path = save_confusion_matrix(matrix, tmp_path / f"matrix{suffix}")
        assert path.read_bytes().startswith(magic)
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.zeros((2, 3)))


def test_a_figure_that_fails_halfway_leaves_no_file(tmp_path, monkeypatch):
    """save_confusion_matrix writes atomically: a crash mid-drawing leaves nothing behind."""
    import matplotlib.figure

    from neuralbook.plots.evaluation import save_confusion_matrix

    def crash_halfway(figure, target, **kwargs):
        if hasattr(target, "write"):
            target.write(b"<?xml half a figure")
        else:
            Path(target).write_bytes(b"<?xml half a figure")
        raise OSError("disk full")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", crash_halfway)
    with pytest.raises(OSError, match="disk full"):
        save_confusion_matrix(np.eye(10, dtype=int), tmp_path / "matrix.svg")
    assert list(tmp_path.iterdir()) == []


def test_evaluate_a_single_sigmoid_output_by_its_threshold():
    """One sigmoid output: class 1 where the output is at least 0.5, as Network.predict says."""
    from neuralbook.evaluation import predict_classes
    from neuralbook.network import Network

    network = Network([2, 3, 1], hidden_activation="tanh", output="sigmoid", loss="binary_cross_entropy", seed=0)
    x = np.random.default_rng(1).normal(size=(50, 2))
    expected = (network.forward(x)[:, 0] >= 0.5).astype(int)
    assert predict_classes(network, x).tolist() == expected.tolist()
