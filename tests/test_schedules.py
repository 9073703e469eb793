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


# --- warm-up ------------------------------------------------------------------------------


def test_warmup_ramps_linearly_then_follows_the_wrapped_schedule():
    from neuralbook.schedules import Warmup

    after = StepDecay(0.4, factor=0.5, every=2)
    s = Warmup(after, epochs=3)
    # by hand: 0.4 * 1/4, 0.4 * 2/4, 0.4 * 3/4, then the step decay from its own epoch 0
    expected = [0.1, 0.2, 0.3, 0.4, 0.4, 0.2, 0.2, 0.1]
    assert [s(e) for e in range(8)] == pytest.approx(expected, rel=1e-12)


def test_warmup_increments_are_equal_and_reach_the_target():
    from neuralbook.schedules import Warmup

    s = Warmup(0.06, epochs=5)  # a number means a constant rate afterwards
    rates = [s(e) for e in range(10)]
    steps = [b - a for a, b in zip(rates[:6], rates[1:6])]
    assert steps == pytest.approx([0.01] * 5, rel=1e-9)
    assert rates[5:] == [0.06] * 5
    assert s.initial == pytest.approx(0.01, rel=1e-12)


def test_warmup_of_cosine_reaches_the_minimum_after_warmup_plus_total():
    from neuralbook.schedules import Warmup

    s = Warmup(CosineAnnealing(0.2, total_epochs=10, minimum=0.01), epochs=2)
    assert s(2) == pytest.approx(0.2)
    assert s(7) == pytest.approx(0.01 + 0.5 * 0.19 * (1 + math.cos(math.pi * 5 / 10)))
    assert s(12) == pytest.approx(0.01)


@pytest.mark.parametrize("bad", [0, -2, 1.5, True])
def test_warmup_rejects_bad_lengths(bad):
    from neuralbook.schedules import Warmup

    with pytest.raises(ValueError, match="warm-up epochs"):
        Warmup(Constant(0.1), epochs=bad)


def test_warmup_rejects_something_that_is_not_a_schedule():
    from neuralbook.schedules import Warmup

    with pytest.raises(TypeError, match="Schedule"):
        Warmup("cosine", epochs=3)


# --- Nielsen's halving rule ---------------------------------------------------------------


def test_halve_on_plateau_by_hand():
    from neuralbook.schedules import HalveOnPlateau

    s = HalveOnPlateau(1.0, patience=3)
    # epochs 1-3 improve; 4, 5, 6 do not (a tie is no improvement): halve after epoch 6;
    # 7 improves, 8 ties the new best, 9 and 10 are lower: halve again after epoch 10.
    accuracies = [0.5, 0.6, 0.7, 0.7, 0.65, 0.69, 0.71, 0.71, 0.7, 0.6, 0.72]
    stops = [s.observe(a) for a in accuracies]
    assert stops == [False] * len(accuracies)
    assert s.drops == [6, 10]
    assert s(11) == 0.25 and s(0) == 0.25  # the rate it has reached, whatever the epoch
    assert s.best == 0.72 and s.stalled == 0


def test_halve_on_plateau_counts_again_after_an_improvement():
    from neuralbook.schedules import HalveOnPlateau

    s = HalveOnPlateau(1.0, patience=3)
    # epochs 2 and 3 do not improve, 4 does: the count starts again, so the three epochs
    # without progress are 5, 6 and 7 and the rate halves after epoch 7, not after epoch 5.
    stops = [s.observe(a) for a in [0.5, 0.4, 0.4, 0.6, 0.5, 0.5, 0.5]]
    assert stops == [False] * 7 and s.drops == [7] and s(8) == 0.5


def test_halve_on_plateau_stops_when_the_rate_reaches_a_128th():
    from neuralbook.schedules import HalveOnPlateau

    s = HalveOnPlateau(0.5)  # Nielsen's rule: patience 10, stop at 1/128
    s.observe(0.9)
    stops, rates = [], []
    while not any(stops):
        stops.append(s.observe(0.8))  # never better: the rule fires every ten epochs
        rates.append(s(0))
    # seven halvings: 1/2, 1/4, ..., 1/128, the last one after 7 * 10 epochs of no progress
    assert len(stops) == 70 and s.drops == [1 + 10 * k for k in range(1, 8)]
    assert rates[-1] == 0.5 / 2**7 and rates[-11] == 0.5 / 2**6
    assert s.finished
    with pytest.raises(RuntimeError, match="already stopped"):
        s.observe(0.95)


@pytest.mark.parametrize(
    "settings",
    [dict(initial=0.0), dict(initial=0.1, patience=0), dict(initial=0.1, patience=2.5), dict(initial=0.1, factor=1.0),
     dict(initial=0.1, smallest=0.0), dict(initial=0.1, smallest=1.0)],
)
def test_halve_on_plateau_rejects_bad_settings(settings):
    from neuralbook.schedules import HalveOnPlateau

    with pytest.raises(ValueError):
        HalveOnPlateau(**settings)


def test_halve_on_plateau_rejects_a_missing_accuracy():
    from neuralbook.schedules import HalveOnPlateau

    with pytest.raises(ValueError, match="finite validation accuracy"):
        HalveOnPlateau(0.1).observe(float("nan"))
