"""The one-page network (neuralbook.scratch) is the package's network, not a toy.

Its forward pass is checked against a loop written from the formulas, its gradients
against finite differences, and a few hundred of its SGD steps against the package's
Network trained with the package's SGD, from the same start and with the same batches.
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

from neuralbook import scratch
from neuralbook.network import Network
from neuralbook.optimizers import SGD
from neuralbook.training import train_epoch

ROOT = Path(__file__).resolve().parent.parent


def package_network(sizes, seed):
    """The package's version of Nielsen's network: sigmoid everywhere, quadratic cost, N(0, 1) start."""
    return Network(sizes, hidden_activation="sigmoid", output="sigmoid", loss="quadratic",
                   init="standard_normal", seed=seed, dtype=np.float64)


def toy_problem(n, n_in, k, seed):
    rng = np.random.default_rng(seed)
    x = rng.random((n, n_in))
    labels = rng.integers(0, k, n)
    return x, labels, np.eye(k)[labels]


def test_same_seed_gives_the_packages_start():
    sizes = [7, 5, 4, 3]
    W, b = scratch.initial_parameters(sizes, np.random.default_rng(3))
    net = package_network(sizes, seed=3)
    for mine, theirs in zip([p for pair in zip(W, b) for p in pair], net.parameters()):
        np.testing.assert_array_equal(mine, theirs)


def test_forward_matches_a_loop_over_samples_and_neurons():
    sizes = [3, 4, 2]
    W, b = scratch.initial_parameters(sizes, np.random.default_rng(0))
    x, _, y = toy_problem(5, 3, 2, seed=1)
    zs, activations = scratch.forward(W, b, x)
    assert [z.shape for z in zs] == [(5, 4), (5, 2)]
    total = 0.0
    for i in range(5):
        a = list(x[i])
        for l in range(2):
            z = [sum(W[l][j][k] * a[k] for k in range(len(a))) + b[l][j] for j in range(len(b[l]))]
            a = [1 / (1 + math.exp(-v)) for v in z]
            np.testing.assert_allclose(zs[l][i], z, rtol=1e-13)
            np.testing.assert_allclose(activations[l + 1][i], a, rtol=1e-13)
        total += 0.5 * sum((a_j - y_j) ** 2 for a_j, y_j in zip(a, y[i]))
    assert scratch.quadratic_cost(activations[-1], y) == pytest.approx(total / 5, rel=1e-13)


def test_backward_matches_finite_differences():
    sizes = [4, 5, 3, 2]
    W, b = scratch.initial_parameters(sizes, np.random.default_rng(2))
    x, _, y = toy_problem(6, 4, 2, seed=3)

    def cost():
        return scratch.quadratic_cost(scratch.forward(W, b, x)[1][-1], y)

    dW, db = scratch.backward(W, *scratch.forward(W, b, x), y)
    assert_gradients_match(cost, [*W, *b], [*dW, *db], rtol=1e-6, atol=1e-10)


def test_sgd_steps_match_the_packages_network_and_sgd():
    sizes = [12, 8, 6, 3]
    x, _, y = toy_problem(200, 12, 3, seed=4)
    W, b = scratch.initial_parameters(sizes, np.random.default_rng(5))
    net = package_network(sizes, seed=6)  # another seed: the start is copied over, not shared by luck
    net.set_parameters([p for pair in zip(W, b) for p in pair])
    optimizer = SGD(learning_rate=3.0)
    order = np.random.default_rng(7)
    steps = 300
    for _ in range(steps):
        batch = order.choice(len(x), size=10, replace=False)
        _, gradients = net.loss_and_gradients(x[batch], y[batch])
        optimizer.step(net.parameters(), gradients)
        scratch.sgd_step(W, b, x[batch], y[batch], learning_rate=3.0)
    start = scratch.initial_parameters(sizes, np.random.default_rng(5))
    for mine, theirs, first in zip([p for pair in zip(W, b) for p in pair], net.parameters(),
                                   [p for pair in zip(*start) for p in pair]):
        assert not np.allclose(mine, first, rtol=1e-3)  # both moved a long way from the start ...
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)  # ... and to the same place


def test_epochs_match_the_packages_training_loop():
    sizes = [12, 8, 3]
    x, _, y = toy_problem(100, 12, 3, seed=8)
    W, b = scratch.initial_parameters(sizes, np.random.default_rng(9))
    net = package_network(sizes, seed=9)
    mine, theirs = np.random.default_rng(10), np.random.default_rng(10)
    optimizer = SGD(learning_rate=3.0)
    for _ in range(20):  # 20 epochs of 10 batches: 200 steps, each epoch in a new order
        scratch.train_epoch(W, b, x, y, learning_rate=3.0, batch_size=10, rng=mine)
        train_epoch(net, optimizer, x, y, batch_size=10, rng=theirs)
    for p, q in zip([p for pair in zip(W, b) for p in pair], net.parameters()):
        np.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-12)
    labels = y.argmax(axis=1)
    assert scratch.accuracy(W, b, x, labels) == np.mean(net.predict(x) == labels)


def test_command_line_trains_on_a_subset(mnist):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "neuralbook.scratch", "--epochs", "2", "--train-size", "2000"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 1", "epoch 2"]
    last = float(re.fullmatch(r"epoch 2: validation accuracy (\d+\.\d\d)%", lines[-1]).group(1))
    assert last > 30  # chance is 10%; two epochs on 2,000 images reach about 55%


def test_command_line_refuses_a_bad_train_size():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, "-m", "neuralbook.scratch", "--train-size", "0"],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert result.returncode != 0
    assert "expected --train-size between 1 and 50000, got 0" in result.stderr
