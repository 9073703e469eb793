"""Tests of neuralbook.schedules against their formulas, written out independently."""

from __future__ import annotations

import math

import pytest

from neuralbook.schedules import Constant, CosineAnnealing, ExponentialDecay, StepDecay


def test_constant():
    s = Constant(0.05)
    assert [s(e) for e in range(5)] == [0.05] * 5


def test_step_decay_by_hand():
    s = StepDecay(0.2, factor=0.1, every=3)
    expected = [0.2, 0.2, 0.2, 0.02, 0.02, 0.02, 0.002]
    assert [s(e) for e in range(7)] == pytest.approx(expected, rel=1e-12)


def test_step_decay_defaults_halve_every_ten():
    s = StepDecay(1.0)
    # Repeated halving, computed by a loop rather than a power.
    rate, expected = 1.0, []
    for e in range(35):
        if e > 0 and e % 10 == 0:
            rate /= 2
        expected.append(rate)
    assert [s(e) for e in range(35)] == expected


def test_exponential_decay_is_repeated_multiplication():
    s = ExponentialDecay(0.1, rate=0.95)
    rate = 0.1
    for e in range(50):
        assert s(e) == pytest.approx(rate, rel=1e-12)
        rate *= 0.95


def test_cosine_annealing_formula():
    s = CosineAnnealing(0.1, total_epochs=20, minimum=0.001)
    assert s(0) == pytest.approx(0.1)
    assert s(10) == pytest.approx((0.1 + 0.001) / 2)
    assert s(20) == pytest.approx(0.001)
    assert s(30) == pytest.approx(0.001)
    # Quarter way: cos(π/4) = √2/2.
    assert s(5) == pytest.approx(0.001 + 0.5 * 0.099 * (1 + math.sqrt(2) / 2))
    values = [s(e) for e in range(21)]
    assert all(a > b for a, b in zip(values, values[1:]))


def test_cosine_is_symmetric_about_the_middle():
    s = CosineAnnealing(1.0, total_epochs=10)
    for e in range(11):
        assert s(e) + s(10 - e) == pytest.approx(1.0)


@pytest.mark.parametrize("epoch", [-1, 1.5, "3", True])
def test_bad_epoch_rejected(epoch):
    with pytest.raises((ValueError, TypeError)):
        StepDecay(0.1)(epoch)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Constant(0.0),
        lambda: StepDecay(0.1, factor=0.0),
        lambda: StepDecay(0.1, every=0),
        lambda: ExponentialDecay(0.1, rate=1.5),
        lambda: CosineAnnealing(0.1, total_epochs=0),
        lambda: CosineAnnealing(0.1, total_epochs=10, minimum=0.2),
    ],
)
def test_bad_settings_rejected(make):
    with pytest.raises(ValueError):
        make()
