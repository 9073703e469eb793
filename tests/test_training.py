"""Tests of the training loop, against hand computations and scripted stand-ins."""

from __future__ import annotations

import io

import numpy as np
import pytest

from neuralbook.network import Network
from neuralbook.optimizers import SGD, Adam
from neuralbook.schedules import StepDecay
from neuralbook.training import (
    EpochRecord,
    History,
    ProgressBar,
    TrainingDiverged,
    accuracy_of,
    iterations_per_epoch,
    train,
    train_epoch,
)


def two_blobs(n=600, seed=0):
    """Two Gaussian clouds in 5 dimensions, centred at -1 and +1: easily separable."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    centres = np.where(labels[:, None] == 1, 1.0, -1.0)
    x = centres + 0.7 * rng.normal(size=(n, 5))
    return x.astype(np.float32), labels.astype(np.int64)


class Recorder:
    """A stand-in network that records the batches it sees and learns nothing."""

    def __init__(self, n_in=3, k=2):
        self.sizes = [n_in, k]
        self.dtype = np.dtype(np.float64)
        self.W = np.zeros((k, n_in))
        self.b = np.zeros(k)
        self.batches = []

    def parameters(self):
        return [self.W, self.b]

    def loss_and_gradients(self, x, y, rng=None):
        self.batches.append(x[:, 0].copy())
        return 1.0, [np.zeros_like(self.W), np.zeros_like(self.b)]

    def predict(self, x):
        return np.zeros(len(x), dtype=np.int64)

    def forward(self, x):
        return np.full((len(x), self.sizes[-1]), 1.0 / self.sizes[-1])

    def loss(self, x, y):
        return 0.0


# --- Iteration arithmetic --------------------------------------------------------------


@pytest.mark.parametrize(
    "n, batch, expected",
    [(60_000, 64, (938, 937, 32)), (50_000, 10, (5000, 5000, 0)), (60_000, 128, (469, 468, 96)), (7, 10, (1, 0, 7))],
)
def test_iterations_per_epoch_by_hand(n, batch, expected):
    # 60,000 / 64 = 937.5: 937 full batches (59,968 images) and one of 32.
    assert iterations_per_epoch(n, batch) == expected
    iterations, full, last = expected
    assert full * batch + last == n


# --- The loop ---------------------------------------------------------------------------


def test_every_example_once_per_epoch_in_a_new_order():
    x = np.arange(103, dtype=np.float64)[:, None].repeat(3, axis=1)
    labels = np.zeros(103, dtype=np.int64)
    net = Recorder()
    train(net, x, labels, epochs=2, batch_size=10, optimizer=SGD(0.1), seed=1, progress=False)
    assert [len(b) for b in net.batches] == [10] * 10 + [3] + [10] * 10 + [3]
    first = np.concatenate(net.batches[:11])
    second = np.concatenate(net.batches[11:])
    assert sorted(first) == list(range(103)) and sorted(second) == list(range(103))
    assert not np.array_equal(first, second)  # reshuffled
    assert not np.array_equal(first, np.arange(103))  # shuffled at all


def test_no_shuffle_keeps_the_order():
    x = np.arange(25, dtype=np.float64)[:, None].repeat(3, axis=1)
    net = Recorder()
    train(net, x, np.zeros(25, dtype=np.int64), epochs=1, batch_size=10, optimizer=SGD(0.1), shuffle=False, progress=False)
    assert np.array_equal(np.concatenate(net.batches), np.arange(25))


def test_learns_a_separable_problem():
    x, labels = two_blobs()
    net = Network([5, 8, 2], hidden_activation="relu", output="softmax", loss="cross_entropy", seed=0)
    before = accuracy_of(net, x, labels)
    history = train(net, x, labels, epochs=8, batch_size=32, optimizer=Adam(0.01), validation=two_blobs(200, seed=1), seed=0, progress=False)
    # Independent measurement of the accuracy: compare predictions by hand.
    predictions = net.forward(x).argmax(axis=1)
    assert np.mean(predictions == labels) > 0.97 > before
    assert history[-1].train_accuracy == pytest.approx(np.mean(predictions == labels))
    assert history[-1].validation_accuracy > 0.95
    assert history[-1].train_loss < history[0].train_loss


def test_train_loss_is_the_batch_size_weighted_mean():
    x = np.zeros((25, 3))
    net = Recorder()
    losses = iter([1.0, 2.0, 4.0])
    net.loss_and_gradients = lambda xb, yb, rng=None: (next(losses), [np.zeros_like(net.W), np.zeros_like(net.b)])
    history = train(net, x, np.zeros(25, dtype=np.int64), epochs=1, batch_size=10, optimizer=SGD(0.1), progress=False)
    assert history[0].train_loss == pytest.approx((10 * 1.0 + 10 * 2.0 + 5 * 4.0) / 25)


def test_one_full_batch_epoch_is_one_gradient_step():
    """With batch = n and SGD, an epoch moves the parameters by exactly −η ∇C."""
    x, labels = two_blobs(40)
    net = Network([5, 3, 2], hidden_activation="tanh", seed=2, dtype=np.float64)
    reference = Network.from_config(net.config, net.parameters())
    targets = np.eye(2)[labels]
    # Gradient by central finite differences, independent of backpropagation.
    expected = []
    for p in reference.parameters():
        g = np.zeros_like(p)
        for index in np.ndindex(p.shape):
            old = p[index]
            p[index] = old + 1e-6
            up = reference.loss(x, targets)
            p[index] = old - 1e-6
            down = reference.loss(x, targets)
            p[index] = old
            g[index] = (up - down) / 2e-6
        expected.append(p - 0.5 * g)
    train(net, x, labels, epochs=1, batch_size=40, optimizer=SGD(0.5), seed=0, progress=False)
    for p, e in zip(net.parameters(), expected):
        np.testing.assert_allclose(p, e, atol=1e-7)


def test_weight_decay_shrinks_weights_not_biases():
    net = Recorder()
    net.W[:] = 2.0
    net.b[:] = 3.0
    # Zero data gradient: each step is w <- w - eta * lambda * w = (1 - 0.1 * 0.5) w.
    train(net, np.zeros((30, 3)), np.zeros(30, dtype=np.int64), epochs=1, batch_size=10, optimizer=SGD(0.1), weight_decay=0.5, progress=False)
    np.testing.assert_allclose(net.W, 2.0 * 0.95**3)
    np.testing.assert_allclose(net.b, 3.0)


def test_schedule_sets_the_learning_rate_of_each_epoch():
    x, labels = two_blobs(50)
    net = Network([5, 2], seed=0)
    history = train(net, x, labels, epochs=5, batch_size=10, optimizer=SGD(1.0), schedule=StepDecay(0.4, factor=0.5, every=2), progress=False)
    assert history.column("learning_rate") == [0.4, 0.4, 0.2, 0.2, 0.1]


# --- Reproducibility ------------------------------------------------------------------


def _run(seed, dropout=0.2):
    x, labels = two_blobs(300)
    net = Network([5, 16, 2], seed=seed, dropout=dropout)
    history = train(net, x, labels, epochs=3, batch_size=16, optimizer=Adam(0.01), seed=seed, progress=False)
    return net, history


def test_same_seed_same_result():
    (a, ha), (b, hb) = _run(3), _run(3)
    for p, q in zip(a.parameters(), b.parameters()):
        assert np.array_equal(p, q)
    assert ha.column("train_loss") == hb.column("train_loss")


def test_different_seed_different_result():
    (a, _), (b, _) = _run(3), _run(4)
    assert not np.array_equal(a.parameters()[0], b.parameters()[0])


# --- Guards ---------------------------------------------------------------------------


def test_nan_guard_names_the_learning_rate():
    x, labels = two_blobs(200)
    x = x * 100  # large inputs and a huge learning rate: the loss explodes
    net = Network([5, 32, 2], hidden_activation="relu", seed=0)
    with pytest.raises(TrainingDiverged) as caught:
        train(net, x, labels, epochs=5, batch_size=10, optimizer=SGD(1e6), seed=0, progress=False)
    message = str(caught.value)
    assert "learning rate" in message and "too high" in message and "1000000.0" in message
    assert caught.value.epoch >= 1 and caught.value.iteration >= 1
    assert len(caught.value.history) == caught.value.epoch - 1


def test_early_stopping_restores_the_best_epoch():
    x, labels = two_blobs(300)
    net = Network([5, 16, 2], seed=0)
    snapshots = []

    def on_epoch(record):
        snapshots.append([p.copy() for p in net.parameters()])

    # Validation labels scrambled at random: the validation accuracy wanders without
    # a trend, so the best epoch comes early and patience runs out.
    rng = np.random.default_rng(0)
    validation = (two_blobs(100, seed=5)[0], rng.integers(0, 2, 100))
    history = train(net, x, labels, epochs=40, batch_size=30, optimizer=Adam(0.01), validation=validation,
                    patience=3, seed=0, progress=False, on_epoch=on_epoch)
    accuracies = history.column("validation_accuracy")
    best = int(np.argmax(accuracies))  # the first epoch with the highest accuracy
    assert history.best_epoch == best + 1
    assert len(history) == best + 1 + 3 < 40 and history.stopped_early
    assert all(a <= accuracies[best] for a in accuracies)
    for p, q in zip(net.parameters(), snapshots[best]):
        assert np.array_equal(p, q)


def test_on_epoch_returning_true_stops_after_that_epoch():
    x, labels = two_blobs(200)
    seen = []

    def on_epoch(record):
        seen.append(record.epoch)
        return record.epoch == 3 or 1  # only True itself stops; other truthy values do not

    net = Network([5, 4, 2], seed=0)
    history = train(net, x, labels, epochs=10, batch_size=20, optimizer=SGD(0.1), seed=0, progress=False,
                    on_epoch=on_epoch)
    assert seen == [1, 2, 3] and len(history) == 3 and history.stopped_early


def test_halving_rule_sets_the_rates_the_validation_accuracy_calls_for():
    from neuralbook.schedules import HalveOnPlateau

    x, labels = two_blobs(300)
    rng = np.random.default_rng(1)
    validation = (two_blobs(100, seed=5)[0], rng.integers(0, 2, 100))  # scrambled: plateaus come fast
    rule = HalveOnPlateau(0.2, patience=2, smallest=1 / 8)
    net = Network([5, 8, 2], seed=0)
    history = train(net, x, labels, epochs=60, batch_size=30, optimizer=SGD(0.2), validation=validation, schedule=rule,
                    seed=0, progress=False, on_epoch=lambda record: rule.observe(record.validation_accuracy))
    # The rates the rule should have set, worked out again from the recorded accuracies.
    rate, best, stalled, expected = 0.2, -1.0, 0, []
    for record in history:
        expected.append(rate)
        if record.validation_accuracy > best:
            best, stalled = record.validation_accuracy, 0
        else:
            stalled += 1
            if stalled == 2:
                rate, stalled = rate / 2, 0
    assert history.column("learning_rate") == pytest.approx(expected, rel=1e-12)
    assert rate == pytest.approx(0.2 / 8) and len(history) < 60 and history.stopped_early  # three halvings, then stop


def test_patience_needs_validation():
    with pytest.raises(ValueError, match="validation"):
        train(Recorder(), np.zeros((4, 3)), np.zeros(4, dtype=np.int64), epochs=1, batch_size=2, optimizer=SGD(0.1), patience=2)


# --- History and progress -------------------------------------------------------------


def test_history_round_trip_and_columns():
    history = History([EpochRecord(1, 0.1, 0.5, 0.9, 0.8, 0.6, 2.0), EpochRecord(2, 0.1, 0.4, 0.95, 0.85, 0.5, 2.0)], False, 2)
    assert history.column("validation_accuracy") == [0.8, 0.85]
    assert history.best_validation_accuracy == 0.85
    assert History.from_dict(history.to_dict()) == history
    with pytest.raises(KeyError):
        history.column("nonsense")


def test_progress_bar_draws_only_when_enabled():
    stream = io.StringIO()
    bar = ProgressBar(10, label="epoch 1/1", enabled=True, stream=stream, interval=0.0)
    bar.update(5, 0.25)
    assert "[" + "#" * 15 + "-" * 15 + "] 5/10" in stream.getvalue() and "loss 0.2500" in stream.getvalue()
    bar.update(6, 0.75)  # the mean of the epoch so far, (0.25 + 0.75) / 2, not the last batch's
    assert stream.getvalue().endswith("] 6/10  loss 0.5000")
    quiet = io.StringIO()
    bar = ProgressBar(10, enabled=False, stream=quiet)
    bar.update(5)
    bar.close()
    assert quiet.getvalue() == ""


def test_train_epoch_returns_mean_loss():
    x, labels = two_blobs(64)
    net = Network([5, 2], seed=0, dtype=np.float64)
    targets = np.eye(2)[labels]
    before = net.loss(x, targets)
    loss = train_epoch(net, SGD(1e-12), x, targets, 64, np.random.default_rng(0))
    assert loss == pytest.approx(before)


@pytest.mark.parametrize("bad", [[0, 1, -1], [0, 1, 2]])
def test_labels_outside_the_classes_are_refused(bad):
    # Before, -1 silently became the last class (negative indexing) and 2 a bare IndexError.
    net = Network([3, 2], seed=0)
    with pytest.raises(ValueError, match="labels must be in 0..1"):
        train(net, np.zeros((3, 3), np.float32), np.array(bad), epochs=1, batch_size=3, optimizer=SGD(0.1), progress=False)


def test_an_empty_validation_set_is_refused():
    x, labels = two_blobs(20)
    with pytest.raises(ValueError, match="at least one validation example"):
        train(Network([5, 2], seed=0), x, labels, epochs=1, batch_size=5, optimizer=SGD(0.1),
              validation=(x[:0], labels[:0]), progress=False)


# --- Training loss on the same terms as the validation loss ------------------------------


def test_train_loss_end_is_the_loss_of_the_final_network_on_the_whole_training_set():
    x, labels = two_blobs(300)
    net = Network([5, 6, 2], output="softmax", loss="cross_entropy", seed=0, dropout=0.3)
    history = train(net, x, labels, epochs=2, batch_size=32, optimizer=SGD(0.5), seed=0,
                    progress=False, measure_train_loss=True, validation=(x[:50], labels[:50]))
    # An independent computation: the mean cross-entropy of the trained network, no dropout.
    probabilities = net.forward(x.astype(np.float64))
    expected = -np.mean(np.log(probabilities[np.arange(len(x)), labels]))
    assert history[-1].train_loss_end == pytest.approx(expected, rel=1e-5)
    # The running average over the epoch's batches (with dropout) is another number.
    assert history[-1].train_loss != pytest.approx(expected, rel=1e-3)
    # Without the option it is not measured.
    again = train(net, x, labels, epochs=1, batch_size=32, optimizer=SGD(0.5), seed=0, progress=False)
    assert again[-1].train_loss_end is None


def test_the_guard_stops_a_finite_explosion_and_leaves_a_good_run_alone():
    from neuralbook.optimizers import Adam

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2)).astype(np.float32)
    labels = (x[:, 0] > x[:, 1]).astype(np.int64)
    # Without the guard, Adam at eta = 1e6 runs to the end with a finite, enormous loss.
    net = Network([2, 8, 2], seed=0)
    history = train(net, x, labels, epochs=2, batch_size=20, optimizer=Adam(1e6), seed=0, progress=False)
    assert len(history) == 2 and max(np.abs(p).max() for p in net.parameters()) > 1e4
    with pytest.raises(TrainingDiverged, match="diverged in epoch 1"):
        train(Network([2, 8, 2], seed=0), x, labels, epochs=2, batch_size=20, optimizer=Adam(1e6), seed=0,
              progress=False, guard=True)
    good = train(Network([2, 8, 2], seed=0), x, labels, epochs=3, batch_size=2, optimizer=Adam(1e-2), seed=0,
                 progress=False, guard=True)
    assert len(good) == 3


def test_the_guard_tells_a_too_small_learning_rate_from_a_too_large_one():
    from neuralbook.optimizers import SGD

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2)).astype(np.float32)
    labels = rng.integers(0, 4, size=400)  # nothing to learn: any network stays at chance, 25%
    with pytest.raises(TrainingDiverged, match="too small"):
        train(Network([2, 8, 4], seed=0), x, labels, epochs=1, batch_size=1, optimizer=SGD(1e-9), seed=0,
              progress=False, guard=True)
