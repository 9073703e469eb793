"""neuralbook.stats against hand computations and the textbook formula."""

import math

import numpy as np
import pytest

from neuralbook.stats import compare, summarize


def test_summary_matches_the_definitions():
    values = [1.0, 2.0, 4.0]
    s = summarize(values)
    mean = 7 / 3
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / 2)  # sample standard deviation
    assert s.mean == pytest.approx(mean) and s.std == pytest.approx(std) and s.count == 3
    assert s.standard_error == pytest.approx(std / math.sqrt(3))


def test_standard_error_of_a_difference_is_the_root_sum_of_squares():
    a, b = [1.0, 3.0], [10.0, 10.0, 13.0, 11.0]
    c = compare(a, b)
    var_a, var_b = np.var(a, ddof=1), np.var(b, ddof=1)
    assert c.difference == pytest.approx(2.0 - 11.0)
    assert c.standard_error == pytest.approx(math.sqrt(var_a / 2 + var_b / 4))
    assert c.verdict == "worse"


@pytest.mark.parametrize(
    ("shift", "verdict"), [(0.0, "no measurable difference"), (0.01, "better"), (-0.01, "worse")]
)
def test_verdict_follows_two_standard_errors(shift, verdict):
    base = [0.970, 0.972, 0.968, 0.971, 0.969]  # std 0.00158, SE of a difference 0.001
    assert compare([v + shift for v in base], base).verdict == verdict


def test_a_difference_just_under_two_standard_errors_is_noise():
    base = np.array([0.970, 0.972, 0.968, 0.971, 0.969])
    se = math.sqrt(2 * np.var(base, ddof=1) / 5)
    assert compare(base + 1.9 * se, base).verdict == "no measurable difference"
    assert compare(base + 2.1 * se, base).verdict == "better"


@pytest.mark.parametrize("values", [[0.9], [], [0.9, float("nan")], [[0.9, 0.8]]])
def test_bad_input_is_refused(values):
    with pytest.raises(ValueError):
        summarize(values)
