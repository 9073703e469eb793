"""The capstone written from scratch (neuralbook.capstone) is the package's modern network.

Its forward pass is checked against a loop written from the formulas, its gradients
against finite differences, its start against He's variance, and a few hundred of its
momentum steps against the package's Network trained with the package's Momentum, from
the same start and with the same batches.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from finite_differences import assert_gradients_match

from neuralbook import capstone
from neuralbook.network import Network
from neuralbook.optimizers import Momentum
from neuralbook.training import train_epoch

ROOT = Path(__file__).resolve().parent.parent


def package_network(sizes, seed):
    """The package's version of the capstone: ReLU, softmax, cross-entropy, He start, float64."""
    return Network(sizes, hidden_activation="relu", output="softmax", loss="cross_entropy",
                   init="he", seed=seed, dtype=np.float64)


def toy_problem(n, n_in, k, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, n_in))
    labels = rng.integers(0, k, n)
    return x, labels, np.eye(k)[labels]


def flat(W, b):
    return [p for pair in zip(W, b) for p in pair]


def test_he_start_has_the_variance_two_over_fan_in():
    W, b = capstone.he_parameters([1000, 400, 10], np.random.default_rng(0))
    assert W[0].shape == (400, 1000) and W[1].shape == (10, 400)
    assert W[0].var() == pytest.approx(2 / 1000, rel=0.02)  # 400,000 draws: about 0.2% off
    assert abs(W[0].mean()) < 1e-3
    assert all(not v.any() for v in b)


def test_forward_matches_a_loop_over_samples_and_neurons():
    sizes = [3, 4, 5, 3]
    W, b = capstone.he_parameters(sizes, np.random.default_rng(1))
    b = [np.random.default_rng(2).standard_normal(n) for n in sizes[1:]]  # biases that are not zero
    x, _, y = toy_problem(6, 3, 3, seed=3)
    zs, activations = capstone.forward(W, b, x)
    total = 0.0
    for i in range(6):
        a = list(x[i])
        for l in range(3):
            z = [sum(W[l][j][k] * a[k] for k in range(len(a))) + b[l][j] for j in range(len(b[l]))]
            if l < 2:
                a = [max(v, 0.0) for v in z]
            else:
                a = [math.exp(v) / sum(math.exp(u) for u in z) for v in z]
            np.testing.assert_allclose(zs[l][i], z, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(activations[l + 1][i], a, rtol=1e-12, atol=1e-14)
        total -= sum(y_j * math.log(a_j) for a_j, y_j in zip(a, y[i]))
    assert capstone.cross_entropy_cost(activations[-1], y) == pytest.approx(total / 6, rel=1e-12)


def test_softmax_does_not_overflow():
    a = capstone.softmax(np.array([[1000.0, 0.0], [-1000.0, -1000.0]]))
    np.testing.assert_allclose(a, [[1.0, 0.0], [0.5, 0.5]])


def test_backward_matches_finite_differences():
    sizes = [4, 6, 5, 3]
    W, b = capstone.he_parameters(sizes, np.random.default_rng(4))
    b = [np.random.default_rng(5 + l).standard_normal(len(v)) * 0.1 for l, v in enumerate(b)]
    x, _, y = toy_problem(7, 4, 3, seed=6)

    def cost():
        return capstone.cross_entropy_cost(capstone.forward(W, b, x)[1][-1], y)

    zs, _ = capstone.forward(W, b, x)
    assert all(np.abs(z).min() > 1e-4 for z in zs[:-1])  # no ReLU input at its kink: its derivative is defined
    dW, db = capstone.backward(W, *capstone.forward(W, b, x), y)
    assert_gradients_match(cost, [*W, *b], [*dW, *db], rtol=1e-5, atol=1e-9)


def test_momentum_steps_match_the_packages_network_and_momentum():
    sizes = [12, 8, 6, 3]
    x, _, y = toy_problem(200, 12, 3, seed=7)
    W, b = capstone.he_parameters(sizes, np.random.default_rng(8))
    start = [p.copy() for p in flat(W, b)]
    net = package_network(sizes, seed=9)  # another seed: the start is copied over, not shared by luck
    net.set_parameters([p.copy() for p in start])
    optimizer = Momentum(learning_rate=0.05, beta=0.9)
    velocities = [np.zeros_like(p) for p in W + b]
    order = np.random.default_rng(10)
    for _ in range(300):
        batch = order.choice(len(x), size=10, replace=False)
        _, gradients = net.loss_and_gradients(x[batch], y[batch])
        optimizer.step(net.parameters(), gradients)
        capstone.momentum_step(W, b, velocities, x[batch], y[batch], learning_rate=0.05, beta=0.9)
    for mine, theirs, first in zip(flat(W, b), net.parameters(), start):
        assert not np.allclose(mine, first, rtol=1e-3, atol=1e-3)  # both moved a long way from the start ...
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)  # ... and to the same place


def test_epochs_match_the_packages_training_loop():
    sizes = [12, 8, 3]
    x, labels, y = toy_problem(100, 12, 3, seed=11)
    W, b = capstone.he_parameters(sizes, np.random.default_rng(12))
    net = package_network(sizes, seed=13)
    net.set_parameters([p.copy() for p in flat(W, b)])
    velocities = [np.zeros_like(p) for p in W + b]
    mine, theirs = np.random.default_rng(14), np.random.default_rng(14)
    optimizer = Momentum(learning_rate=0.05, beta=0.9)
    for _ in range(20):  # 20 epochs of 7 batches (the last one of 4): each epoch in a new order
        capstone.train_epoch(W, b, velocities, x, y, 0.05, 0.9, batch_size=16, rng=mine)
        train_epoch(net, optimizer, x, y, batch_size=16, rng=theirs)
    for p, q in zip(flat(W, b), net.parameters()):
        np.testing.assert_allclose(p, q, rtol=1e-9, atol=1e-12)
    assert capstone.accuracy(W, b, x, labels) == np.mean(net.predict(x) == labels)


def test_train_records_one_validation_accuracy_per_epoch_and_learns():
    x, labels, _ = toy_problem(300, 5, 3, seed=15)
    labels = np.argmax(x[:, :3], axis=1)  # a rule the network can learn
    W, b, history = capstone.train(x[:200], labels[:200], x[200:], labels[200:], sizes=[5, 16, 3],
                                   epochs=20, batch_size=10, learning_rate=0.05, seed=0)
    assert len(history) == 20 and history[-1] > 0.85 > history[0] - 0.5
    _, _, again = capstone.train(x[:200], labels[:200], x[200:], labels[200:], sizes=[5, 16, 3],
                                 epochs=20, batch_size=10, learning_rate=0.05, seed=0)
    assert again == history  # the seed fixes the start and every order


def test_train_refuses_inputs_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"expected inputs of shape \(N, 784\), got \(3, 28, 28\)"):
        capstone.train(np.zeros((3, 28, 28)), np.zeros(3, int), np.zeros((1, 784)), np.zeros(1, int))


def test_command_line_trains_on_a_subset(mnist):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "neuralbook.capstone", "--epochs", "2", "--train-size", "2000"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == ["epoch 1", "epoch 2"]
    last = float(re.fullmatch(r"epoch 2: validation accuracy (\d+\.\d\d)%", lines[-2]).group(1))
    assert last > 50  # chance is 10%
    assert re.fullmatch(r"test accuracy \d+\.\d\d%", lines[-1])


def test_command_line_refuses_a_bad_train_size():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, "-m", "neuralbook.capstone", "--train-size", "0"],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert result.returncode != 0
    assert "expected --train-size between 1 and 50000, got 0" in result.stderr


def test_the_study_trains_every_seed_and_measures_the_test_set_only_for_the_final_models():
    from types import SimpleNamespace

    from neuralbook import search

    rng = np.random.default_rng(16)
    n = 10_000 + 120  # the last 10,000 are the validation set: 120 training images
    images = rng.random((n, 784)).astype(np.float32)
    labels = rng.integers(0, 10, n)
    data = SimpleNamespace(train_images=images, train_labels=labels,
                           test_images=rng.random((50, 784)).astype(np.float32), test_labels=rng.integers(0, 10, 50))
    study = search.capstone_study(data, seeds=(0, 1))
    assert study["config"]["sizes"] == capstone.SIZES and study["config"]["epochs"] == capstone.EPOCHS
    assert [r["seed"] for r in study["runs"]] == [0, 1]
    for run in study["runs"]:
        assert len(run["validation_accuracy_per_epoch"]) == capstone.EPOCHS
        assert run["validation_accuracy"] == run["validation_accuracy_per_epoch"][-1]
        assert 0 <= run["test_accuracy"] <= 1
    bonus = [*study["widths"].values(), study["cosine"]]
    assert sorted(study["widths"]) == sorted(str(w) for w in search.CAPSTONE_WIDTHS)
    assert all("test_accuracy" not in run for runs in bonus for run in runs)  # validation only
    assert all([r["seed"] for r in runs] == [0, 1] for runs in bonus)  # the same seeds: paired
    # The first epoch of the cosine schedule takes the full rate, so it starts as the constant run does.
    assert study["cosine"][0]["validation_accuracy_per_epoch"][0] == study["runs"][0]["validation_accuracy_per_epoch"][0]
    assert study["cosine"][0]["validation_accuracy_per_epoch"] != study["runs"][0]["validation_accuracy_per_epoch"]
