"""neuralbook.stats against hand computations, tabulated t values and scipy's t tests."""

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from neuralbook.stats import compare, summarize, t_quantile

# Student-t quantiles for a two-sided 95% interval, from a printed table.
T_TABLE = {1: 12.706, 2: 4.303, 4: 2.776, 9: 2.262, 19: 2.093}


def test_summary_matches_the_definitions():
    values = [1.0, 2.0, 4.0]
    s = summarize(values)
    mean = 7 / 3
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / 2)  # sample standard deviation
    assert s.mean == pytest.approx(mean) and s.std == pytest.approx(std) and s.count == 3
    assert s.standard_error == pytest.approx(std / math.sqrt(3))


@pytest.mark.parametrize(("df", "tabulated"), sorted(T_TABLE.items()))
def test_t_quantiles_match_the_printed_table(df, tabulated):
    assert t_quantile(df) == pytest.approx(tabulated, abs=5e-4)


def test_paired_comparison_by_hand():
    first = [0.95, 0.97, 0.96, 0.99, 0.98]
    second = [0.94, 0.95, 0.955, 0.975, 0.97]
    d = [0.01, 0.02, 0.005, 0.015, 0.01]  # per-seed differences, by hand
    mean = sum(d) / 5
    sd = math.sqrt(sum((x - mean) ** 2 for x in d) / 4)
    se = sd / math.sqrt(5)
    c = compare(first, second, paired=True)
    assert c.paired and c.degrees_of_freedom == 4
    assert c.difference == pytest.approx(mean) and c.standard_error == pytest.approx(se)
    assert c.interval[0] == pytest.approx(mean - 2.776 * se, abs=5e-4 * se)
    assert c.interval[1] == pytest.approx(mean + 2.776 * se, abs=5e-4 * se)
    assert c.verdict == "better" and c.wins == 5
    assert c.differences.std == pytest.approx(sd)


def test_unpaired_comparison_by_hand():
    a, b = [1.0, 3.0], [10.0, 10.0, 13.0, 11.0]
    c = compare(a, b, paired=False)
    va, vb = 2.0 / 2, 2.0 / 4  # sample variances 2 and 2, over n
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / 1 + vb**2 / 3)  # Welch-Satterthwaite
    assert c.difference == pytest.approx(2.0 - 11.0) and c.standard_error == pytest.approx(se)
    assert c.degrees_of_freedom == pytest.approx(df)
    assert c.verdict == "worse" and not c.paired and c.wins is None


def _shared_seed_runs(seed, n, gap):
    rng = np.random.default_rng(seed)
    seed_effect = rng.normal(0.97, 0.004, n)  # what the shared start and batch order do
    first = seed_effect + gap + rng.normal(0, 0.0005, n)
    second = seed_effect + rng.normal(0, 0.0005, n)
    return first, second


@pytest.mark.parametrize("seed", range(5))
def test_paired_p_value_agrees_with_scipys_paired_t_test(seed):
    first, second = _shared_seed_runs(seed, 5, 0.0007)
    c = compare(first, second, paired=True)
    reference = scipy_stats.ttest_rel(first, second)
    assert c.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    # The interval excludes zero exactly when the test rejects at 5%.
    assert (c.verdict != "no measurable difference") == (reference.pvalue < 0.05)


@pytest.mark.parametrize("seed", range(5))
def test_unpaired_p_value_agrees_with_welchs_t_test(seed):
    rng = np.random.default_rng(seed)
    first, second = rng.normal(0.971, 0.002, 5), rng.normal(0.969, 0.004, 7)
    c = compare(first, second, paired=False)
    reference = scipy_stats.ttest_ind(first, second, equal_var=False)
    assert c.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert (c.verdict != "no measurable difference") == (reference.pvalue < 0.05)


def test_pairing_sees_a_small_gap_that_the_seed_spread_hides():
    first, second = _shared_seed_runs(0, 5, 0.002)
    assert compare(first, second, paired=True).verdict == "better"
    assert compare(first, second, paired=False).verdict == "no measurable difference"


@pytest.mark.parametrize(
    ("shift", "verdict"), [(0.0, "no measurable difference"), (0.01, "better"), (-0.01, "worse")]
)
def test_verdict_follows_the_interval(shift, verdict):
    base = [0.970, 0.972, 0.968, 0.971, 0.969]
    noise = [0.001, -0.002, 0.0005, 0.0, -0.001]
    other = [v + shift + e for v, e in zip(base, noise)]
    assert compare(other, base, paired=True).verdict == verdict
    assert compare(other, base, paired=False).verdict == verdict


def test_a_difference_just_inside_the_interval_is_noise():
    base = np.array([0.970, 0.972, 0.968, 0.971, 0.969])
    d = np.array([-1.0, 1.0, -0.5, 0.5, 0.0]) * 1e-3  # mean zero, sd by hand
    se = math.sqrt(np.sum(d**2) / 4) / math.sqrt(5)
    assert compare(base + d + 2.70 * se, base, paired=True).verdict == "no measurable difference"
    assert compare(base + d + 2.85 * se, base, paired=True).verdict == "better"


def test_borderline_marks_an_interval_edge_near_zero():
    base = np.array([0.970, 0.972, 0.968, 0.971, 0.969])
    d = np.array([-1.0, 1.0, -0.5, 0.5, 0.0]) * 1e-3
    se = math.sqrt(np.sum(d**2) / 4) / math.sqrt(5)
    assert compare(base + d + 2.5 * se, base, paired=True).borderline  # p about 0.07
    assert not compare(base + d + 10 * se, base, paired=True).borderline
    assert not compare(base + d, base, paired=True).borderline


def test_paired_needs_one_value_per_seed_on_both_sides():
    with pytest.raises(ValueError, match="one value per seed"):
        compare([0.9, 0.91, 0.92], [0.9, 0.91], paired=True)


def test_paired_must_be_said():
    with pytest.raises(TypeError):
        compare([0.9, 0.91], [0.9, 0.92])


@pytest.mark.parametrize("values", [[0.9], [], [0.9, float("nan")], [[0.9, 0.8]]])
def test_bad_input_is_refused(values):
    with pytest.raises(ValueError):
        summarize(values)
    with pytest.raises(ValueError):
        compare(values, [0.9, 0.8], paired=False)


def test_smallest_detectable_difference_finds_it_as_often_as_promised():
    # Simulate paired experiments with a true difference of exactly that size: the share of
    # experiments whose interval excludes zero must be close to the promised power.
    from neuralbook.stats import smallest_detectable_difference

    rng = np.random.default_rng(0)
    sd, n = 0.002, 5
    for power in (0.5, 0.8):
        delta = smallest_detectable_difference(sd, n, power=power)
        found = 0
        for _ in range(2000):
            d = rng.normal(delta, sd, n)
            se = d.std(ddof=1) / math.sqrt(n)
            found += d.mean() - T_TABLE[4] * se > 0  # the hand formula with the tabulated t
        assert abs(found / 2000 - power) < 0.05, (power, found / 2000)
    with pytest.raises(ValueError):
        smallest_detectable_difference(sd, 1)
