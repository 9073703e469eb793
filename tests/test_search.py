"""Tests of the hyper-parameter search: each against a hand computation or an independent rule."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from neuralbook import search
from neuralbook.experiments import TrainingConfig


def test_log_grid_is_the_one_three_ten_grid():
    assert search.log_grid(0.001, 3.0) == [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0]
    assert search.log_grid(0.1, 30) == [0.1, 0.3, 1.0, 3.0, 10.0, 30.0]
    assert search.log_grid(1, 1000, points_per_decade=1) == [1.0, 10.0, 100.0, 1000.0]


def test_log_grid_steps_are_equal_on_a_log_scale():
    grid = np.array(search.log_grid(1e-4, 1.0, points_per_decade=2))
    # Before rounding, each step is a factor sqrt(10); one significant digit keeps it within 6%.
    ratios = grid[1:] / grid[:-1]
    assert np.all(np.abs(ratios / np.array([3.0, 10 / 3] * 4)[: len(ratios)] - 1) < 1e-9)
    assert math.isclose(np.prod(ratios), 1e4)


@pytest.mark.parametrize("low, high, per_decade", [(0.0, 1.0, 2), (1.0, 0.1, 2), (0.1, 1.0, 0)])
def test_log_grid_refuses_bad_input(low, high, per_decade):
    with pytest.raises(ValueError, match="expected"):
        search.log_grid(low, high, per_decade)


def test_sample_settings_is_log_uniform_and_reproducible():
    rng = np.random.default_rng(1)
    settings = search.sample_settings(rng, 4000, (0.01, 1.0), [32, 64, 128])
    rates = np.array([s["learning_rate"] for s in settings])
    assert np.all((rates >= 0.01) & (rates <= 1.0))
    # Log-uniform over two decades: half of the draws fall in each decade, a quarter in
    # each half-decade (a uniform draw would put 91% above 0.1).
    assert abs(np.mean(rates < 0.1) - 0.5) < 0.03
    assert abs(np.mean(rates < 10**-1.5) - 0.25) < 0.03
    assert {s["batch_size"] for s in settings} == {32, 64, 128}
    again = search.sample_settings(np.random.default_rng(1), 4000, (0.01, 1.0), [32, 64, 128])
    assert again == settings
    with pytest.raises(ValueError, match="range"):
        search.sample_settings(rng, 3, (1.0, 0.1), [32])


def test_narrow_range_and_epochs_by_hand():
    assert search.narrow_range(0.3) == (0.1, 0.9)
    assert search.narrow_range(1.0, factor=10) == (0.1, 10.0)
    assert search.examples_to_epochs(50_000, 100_000) == 2
    assert search.examples_to_epochs(25_000, 100_000) == 4
    assert search.examples_to_epochs(1_000, 100_000) == 100
    assert search.examples_to_epochs(300_000, 100_000) == 1  # never zero epochs
    with pytest.raises(ValueError):
        search.examples_to_epochs(0, 10)


def _shift_by_slicing(image, dx, dy):
    """An independent shift: copy the overlapping block into a blank image."""
    out = np.zeros((28, 28))
    src = image.reshape(28, 28)
    rows_to = slice(max(dy, 0), 28 + min(dy, 0))
    rows_from = slice(max(-dy, 0), 28 - max(dy, 0))
    cols_to = slice(max(dx, 0), 28 + min(dx, 0))
    cols_from = slice(max(-dx, 0), 28 - max(dx, 0))
    out[rows_to, cols_to] = src[rows_from, cols_from]
    return out.ravel()


@pytest.mark.parametrize("dx, dy", [(1, 0), (-1, 0), (0, 2), (0, -2), (3, -1), (0, 0)])
def test_shifted_copies_match_slicing_and_blank_the_border(dx, dy):
    images = np.random.default_rng(0).random((3, 784))
    out = search.shifted_copies(images, [(dx, dy)])
    assert out.shape == (6, 784)
    np.testing.assert_array_equal(out[:3], images)  # the originals come first
    moved = out[3:]
    for image, result in zip(images, moved):
        np.testing.assert_array_equal(result, _shift_by_slicing(image, dx, dy))
    # Nothing wraps round: a right shift leaves the first column blank.
    if dx > 0:
        assert np.all(moved.reshape(3, 28, 28)[:, :, :dx] == 0)


class _NoTestSet:
    """MNIST-like data whose test set must not be touched."""

    def __init__(self, n=700, seed=0):
        rng = np.random.default_rng(seed)
        self.train_images = rng.random((n, 784), dtype=np.float32)
        projection = rng.normal(size=(784, 10))
        self.train_labels = np.argmax(self.train_images @ projection, axis=1)

    @property
    def test_images(self):
        raise AssertionError("the search looked at the test images")

    test_labels = test_images


TINY = TrainingConfig(sizes=[784, 16, 10], optimizer="sgd", learning_rate=0.1, batch_size=50, epochs=2)


def test_validation_run_measures_validation_only():
    data = _NoTestSet()
    split = search.split_for_search(data, validation_size=200)
    assert len(split[0]) == 500 and len(split[2]) == 200
    result = search.validation_run(TINY.replace(train_size=300), split, measure_train_accuracy=True)
    assert not result["diverged"]
    # The accuracy, recomputed independently from a network trained the same way.
    from neuralbook.experiments import build
    from neuralbook.training import train

    network, optimizer, _ = build(TINY)
    train(network, split[0][:300], split[1][:300], epochs=2, batch_size=50, optimizer=optimizer, seed=0, progress=False)
    predicted = np.argmax(network.forward(split[2]), axis=1)
    assert result["validation_accuracy"] == pytest.approx(np.mean(predicted == split[3]))
    predicted_train = np.argmax(network.forward(split[0][:300]), axis=1)
    assert result["train_accuracy"] == pytest.approx(np.mean(predicted_train == split[1][:300]))


def test_validation_run_reports_divergence_instead_of_raising():
    split = search.split_for_search(_NoTestSet(), validation_size=200)
    config = TINY.replace(hidden_activation="leaky_relu", learning_rate=1e4)
    result = search.validation_run(config.replace(sizes=[784, 64, 10]), split)
    assert result["diverged"] and result["validation_accuracy"] is None
    assert search.seeds_of([result, {"validation_accuracy": 0.5}]) == [0.5]


def test_learning_rate_sweep_and_curve_keep_every_seed():
    split = search.split_for_search(_NoTestSet(), validation_size=200)
    sweep = search.learning_rate_sweep(TINY, [0.01, 0.1], split, seeds=(0, 1))
    assert sweep["learning_rates"] == [0.01, 0.1]
    assert [len(sweep["runs"][k]) for k in ("0.01", "0.1")] == [2, 2]
    assert [r["seed"] for r in sweep["runs"]["0.1"]] == [0, 1]
    curve = search.learning_curve(TINY, [100, 400], split, seeds=(0, 1), examples=800)
    assert list(curve["runs"]) == ["100", "400"]
    assert all("train_accuracy" in r for r in curve["runs"]["100"])


def test_coarse_to_fine_narrows_around_the_coarse_winner():
    split = search.split_for_search(_NoTestSet(), validation_size=200)
    result = search.coarse_to_fine(TINY.replace(epochs=1, seed=0), split, trials=4, batch_sizes=(25, 50, 100), finalists=2, seeds=(1, 2))
    coarse = [t for t in result["trials"] if t["stage"] == "coarse"]
    fine = [t for t in result["trials"] if t["stage"] == "fine"]
    assert len(coarse) == len(fine) == 4
    best = max(coarse, key=lambda t: -1 if t["validation_accuracy"] is None else t["validation_accuracy"])
    low, high = result["fine_range"]
    assert math.isclose(low * 3, best["learning_rate"]) and math.isclose(high / 3, best["learning_rate"])
    assert all(low <= t["learning_rate"] <= high for t in fine)
    assert all(t["batch_size"] in result["fine_batch_sizes"] for t in fine)
    assert best["batch_size"] in result["fine_batch_sizes"]
    # The finalists are the two best single runs, each run again with every seed.
    ranked = sorted((t for t in result["trials"] if t["validation_accuracy"] is not None),
                    key=lambda t: t["validation_accuracy"], reverse=True)
    assert [f["single_run_accuracy"] for f in result["finalists"]] == [t["validation_accuracy"] for t in ranked[:2]]
    assert all(len(f["runs"]) == 2 for f in result["finalists"])
    # Fresh seeds: no confirmation run repeats a trial's seed, and the base setting
    # (the one the search tries to beat) runs with the same seeds, for a paired comparison.
    assert result["seeds"] == [1, 2]
    assert all([r["seed"] for r in f["runs"]] == [1, 2] for f in result["finalists"])
    assert [r["seed"] for r in result["reference"]["runs"]] == [1, 2]
    assert (result["reference"]["learning_rate"], result["reference"]["batch_size"]) == (TINY.learning_rate, TINY.batch_size)
    # Seed 1 of a finalist is exactly the run validation_run gives for that setting and seed.
    first = result["finalists"][0]
    again = search.validation_run(TINY.replace(epochs=1, seed=1, learning_rate=first["learning_rate"], batch_size=first["batch_size"]), split)
    assert first["runs"][0]["validation_accuracy"] == again["validation_accuracy"]


def test_the_confirmation_refuses_the_trials_seed():
    split = search.split_for_search(_NoTestSet(), validation_size=200)
    trials = [{"learning_rate": 0.1, "batch_size": 50, "validation_accuracy": 0.5}]
    with pytest.raises(ValueError, match="fresh"):
        search.confirm_finalists(TINY.replace(epochs=1, seed=0), split, trials, finalists=1, seeds=(0, 1))


def test_dead_fraction_counts_neurons_that_never_fire():
    from neuralbook.network import Network

    net = Network([4, 5, 3, 2], hidden_activation="relu", seed=0)
    images = np.random.default_rng(1).random((200, 4)).astype(np.float32)
    net.layers[0].b[[1, 3]] = -1e3  # two of five first-layer neurons can never fire
    net.layers[1].b[...] = -1e3  # no second-layer neuron can fire
    fractions = search.dead_fraction(net, images)
    # Independently: a neuron is dead when its weighted input is negative for every image.
    z1 = images @ net.layers[0].W.T + net.layers[0].b
    assert fractions[0] == pytest.approx(np.mean(np.all(z1 <= 0, axis=0)))
    assert fractions[0] >= 0.4 and fractions[1] == 1.0


def test_learning_rate_range_test_grows_the_rate_geometrically_and_stops_when_the_loss_explodes():
    from neuralbook.search import SWEEP_BASE, learning_rate_range_test

    rng = np.random.default_rng(0)
    images = rng.random((200, 6)).astype(np.float32)
    labels = (images[:, 0] > 0.5).astype(np.int64)
    config = SWEEP_BASE.replace(sizes=[6, 8, 2], batch_size=10)
    test = learning_rate_range_test(config, (images, labels), low=1e-4, high=1e4, steps=41)
    rates = np.array(test["learning_rates"])
    np.testing.assert_allclose(rates, 1e-4 * 10 ** (np.arange(len(rates)) * 8 / 40), rtol=1e-9)  # a tenfold rise every five steps
    assert test["smoothed"][0] == pytest.approx(test["losses"][0])  # the bias correction undoes the zero start
    assert len(rates) < 41  # a rate of thousands makes the loss explode long before the last step
    assert test["lowest"] == rates[int(np.argmin(test["smoothed"]))]
    with pytest.raises(ValueError, match="low < high"):
        learning_rate_range_test(config, (images, labels), low=1.0, high=0.1)


def test_rewrite_confirmation_keeps_the_trials_and_confirms_with_fresh_seeds(tmp_path):
    data = _NoTestSet()
    split = search.split_for_search(data, validation_size=200)
    base = TINY.replace(epochs=1, seed=0)
    found = search.coarse_to_fine(base, split, trials=2, batch_sizes=(25, 50), finalists=2, seeds=(1, 2))
    (tmp_path / search.RESULT_FILE).write_text(json.dumps({"search": found, "kept": [1, 2, 3]}))
    search.rewrite_confirmation(data, tmp_path, validation_size=200)
    rewritten = json.loads((tmp_path / search.RESULT_FILE).read_text())
    assert rewritten["kept"] == [1, 2, 3] and rewritten["search"]["trials"] == found["trials"]
    assert rewritten["search"]["seeds"] == list(search.CONFIRMATION_SEEDS)
    first = rewritten["search"]["finalists"][0]
    assert [r["seed"] for r in first["runs"]] == list(search.CONFIRMATION_SEEDS)
    again = search.validation_run(base.replace(seed=search.CONFIRMATION_SEEDS[0], learning_rate=first["learning_rate"],
                                               batch_size=first["batch_size"]), split)
    assert first["runs"][0]["validation_accuracy"] == again["validation_accuracy"]


def test_halving_run_follows_adamw_until_its_first_halving():
    from neuralbook.experiments import run

    rng = np.random.default_rng(4)
    images = rng.random((700, 784), dtype=np.float32)
    labels = np.argmax(images @ rng.normal(size=(784, 10)), axis=1)
    data = SimpleNamespace(train_images=images, train_labels=labels, test_images=images[:10], test_labels=labels[:10])
    # AdamW decays the weights itself: the trainer must not add L2 on top, as experiments.run does not.
    config = TINY.replace(optimizer="adamw", learning_rate=0.01, weight_decay=0.1, validation_size=200, train_size=300,
                          epochs=40)
    ruled = search.halving_run(config, data, patience=2, smallest=1 / 4)
    constant = run(config, data, measure_test=False)
    first = ruled["drops"][0]
    assert [r["validation_accuracy"] for r in ruled["history"]["records"]][:first] == \
        [r.validation_accuracy for r in constant.history][:first]
    assert [r["train_loss"] for r in ruled["history"]["records"]][:first] == [r.train_loss for r in constant.history][:first]


def test_halving_run_rejects_a_config_with_its_own_schedule():
    with pytest.raises(ValueError, match="constant"):
        search.halving_run(TINY.replace(schedule="cosine"), None)


def test_halving_run_follows_the_constant_rate_until_its_first_halving():
    from neuralbook.experiments import run

    rng = np.random.default_rng(3)
    images = rng.random((700, 784), dtype=np.float32)
    labels = np.argmax(images @ rng.normal(size=(784, 10)), axis=1)
    data = SimpleNamespace(train_images=images, train_labels=labels, test_images=images[:10], test_labels=labels[:10])
    config = TINY.replace(validation_size=200, train_size=300, epochs=40)
    ruled = search.halving_run(config, data, patience=2, smallest=1 / 4)
    constant = run(config, data, measure_test=False)  # the same network and batches, a constant rate
    first = ruled["drops"][0]
    ruled_accuracy = [r["validation_accuracy"] for r in ruled["history"]["records"]]
    constant_accuracy = [r.validation_accuracy for r in constant.history]
    assert ruled_accuracy[:first + 1] == constant_accuracy[:first + 1]  # the halved rate acts from the next epoch on
    # Two halvings (to a quarter), each after two epochs without a better accuracy, then the stop.
    assert ruled["finished"] and len(ruled["drops"]) == 2 and ruled["drops"][-1] == ruled["epochs_trained"] < 40
    best, stalled, drops = -1.0, 0, []  # the drops worked out again from the recorded accuracies
    for epoch, accuracy in enumerate(ruled_accuracy, start=1):
        if accuracy > best:
            best, stalled = accuracy, 0
        else:
            stalled += 1
            if stalled == 2:
                stalled = 0
                drops.append(epoch)
    assert ruled["drops"] == drops
    rates = [r["learning_rate"] for r in ruled["history"]["records"]]
    expected = [0.1 if epoch <= first else 0.05 for epoch in range(1, len(rates) + 1)]
    assert rates == pytest.approx(expected, rel=1e-12)
    assert len(ruled["weight_rms"]) == 2 and all(w > 0 for w in ruled["weight_rms"])
