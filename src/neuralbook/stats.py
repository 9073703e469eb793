"""Comparing training runs honestly: several seeds, a difference, and a 95% interval.

One training run is one draw from a random process: the seed decides the initial
weights, the order of the mini-batches and the dropout masks. Two settings can only be
compared by running each with several seeds and asking whether the difference of their
means is larger than the noise of the seeds.

When the two settings were run with the *same* seeds, their runs share the initial
weights and the batch order, and they are compared **paired**: seed by seed, through
the mean of the per-seed differences. Otherwise they are compared **unpaired**, through
the difference of the two means (Welch's standard error). The caller says which with
``paired=``; there is no default, because choosing wrongly either wastes most of the
information (unpaired on shared seeds) or invents it (paired on unrelated runs).

The rule the book uses: a difference is *measurable* when its 95% confidence interval
(Student's t) excludes zero. Otherwise the two settings are within the noise of the
seeds, and the book says so: that is not evidence that they are equally good.

Examples
--------
>>> plain = [0.9748, 0.9748, 0.9749, 0.9762, 0.9755]
>>> with_dropout = [0.9800, 0.9791, 0.9795, 0.9806, 0.9788]
>>> comparison = compare(with_dropout, plain, paired=True)
>>> comparison.verdict
'better'
>>> low, high = comparison.interval
>>> print(round(100 * comparison.difference, 2), round(100 * low, 2), round(100 * high, 2))
0.44 0.35 0.52
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as _scipy_stats

__all__ = [
    "Summary", "Comparison", "summarize", "compare", "t_quantile", "smallest_detectable_difference",
    "VERDICTS", "CONFIDENCE", "BORDERLINE",
]

#: The confidence level of the interval [`compare`][neuralbook.stats.compare] reports.
CONFIDENCE = 0.95
"""The confidence level of the interval `compare` reports."""

#: A verdict is borderline when the two-sided p-value lies in this range: a 90% interval
#: and a 99% interval would disagree about whether zero is excluded.
BORDERLINE = (0.01, 0.10)
"""A verdict is borderline when its p-value lies in this range (90% and 99% intervals disagree)."""

#: The three verdicts [`compare`][neuralbook.stats.compare] can reach.
VERDICTS = ("better", "worse", "no measurable difference")
"""The three verdicts `compare` can reach."""


@dataclass(frozen=True)
class Summary:
    """Mean and sample standard deviation of one setting's runs (one value per seed)."""

    mean: float
    std: float
    count: int

    @property
    def standard_error(self) -> float:
        """The standard error of the mean, ``std / sqrt(count)``."""
        return self.std / math.sqrt(self.count)


# --8<-- [start:summarize]
def summarize(values) -> Summary:
    """Mean and sample standard deviation (``ddof=1``) of at least two values.

    Examples
    --------
    >>> s = summarize([0.97, 0.98, 0.99])
    >>> print(round(s.mean, 4), round(s.std, 4), s.count)
    0.98 0.01 3
    """
    values = _values(values)
    return Summary(float(values.mean()), float(values.std(ddof=1)), int(values.size))
# --8<-- [end:summarize]


def _values(values) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size < 2:
        raise ValueError(f"expected at least two values (one per seed), got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("expected finite values, got NaN or infinity")
    return values


@dataclass(frozen=True)
class Comparison:
    """The difference of two settings, its standard error, its 95% interval, and the verdict.

    ``first`` and ``second`` summarize each setting's runs. For a paired comparison
    ``differences`` summarizes the per-seed differences and ``wins`` counts the seeds
    where ``first`` is higher (both are ``None`` when unpaired).
    """

    difference: float
    standard_error: float
    interval: tuple[float, float]
    degrees_of_freedom: float
    verdict: str
    paired: bool
    first: Summary
    second: Summary
    differences: Summary | None = None
    wins: int | None = None

    @property
    def ratio(self) -> float:
        """The difference in standard errors, the t statistic (infinite when nothing varies)."""
        if self.standard_error == 0:
            return math.inf if self.difference else 0.0
        return self.difference / self.standard_error

    @property
    def p_value(self) -> float:
        """The two-sided p-value of the t test behind the interval."""
        if self.standard_error == 0:
            return 0.0 if self.difference else 1.0
        return float(2 * _scipy_stats.t.sf(abs(self.ratio), self.degrees_of_freedom))

    @property
    def borderline(self) -> bool:
        """True when the interval's edge is near zero (the p-value lies within ``BORDERLINE``)."""
        low, high = BORDERLINE
        return low <= self.p_value < high


def t_quantile(degrees_of_freedom: float, confidence: float = CONFIDENCE) -> float:
    """The Student-t value that a two-sided ``confidence`` interval reaches out to.

    Examples
    --------
    >>> round(t_quantile(4), 3)
    2.776
    """
    return float(_scipy_stats.t.ppf(0.5 + confidence / 2, degrees_of_freedom))


def smallest_detectable_difference(sd_of_differences: float, count: int, power: float = 0.8,
                                   confidence: float = CONFIDENCE) -> float:
    """The smallest true difference that ``count`` paired seeds find with probability ``power``.

    A paired comparison declares a difference when its interval, of half-width
    ``t * s / sqrt(n)``, excludes zero; ``s`` is the standard deviation of the per-seed
    differences measured in one experiment, which varies around the true
    ``sd_of_differences``. The statistic ``mean / (s / sqrt(n))`` then follows a
    noncentral t distribution with ``n - 1`` degrees of freedom, and the answer is the
    true difference at which it exceeds ``t`` with probability ``power`` (declaring a
    *better* setting; the chance of a wrong-way verdict is negligible here).

    Examples
    --------
    >>> round(smallest_detectable_difference(1.0, 5), 2)  # four experiments in five find it
    1.68
    """
    if count < 2 or not 0 < power < 1:
        raise ValueError(f"expected at least two seeds and a power between 0 and 1, got {count} and {power}")
    from scipy.optimize import brentq

    df, critical = count - 1, t_quantile(count - 1, confidence)

    def shortfall(shift):  # shift = delta * sqrt(n) / sd, the noncentrality
        return float(_scipy_stats.nct.sf(critical, df, shift)) - power

    return brentq(shortfall, 0.0, 100.0) * sd_of_differences / math.sqrt(count)


# --8<-- [start:compare]
def compare(first, second, *, paired: bool) -> Comparison:
    """Is ``first`` better than ``second``? Each is a list of results, one per seed.

    ``paired=True`` when both settings ran with the same seeds, in the same order: the
    difference is the mean of the per-seed differences ``d``, its standard error
    ``sd(d) / sqrt(n)`` with ``n - 1`` degrees of freedom. ``paired=False`` for
    independent runs: the difference of the means, Welch's standard error
    ``sqrt(s1**2 / n1 + s2**2 / n2)`` and the Welch-Satterthwaite degrees of freedom.
    The interval is the 95% Student-t interval; the verdict is ``"better"`` or
    ``"worse"`` when it excludes zero, else ``"no measurable difference"``.
    Larger values are better (accuracies); compare losses with their signs flipped.

    Examples
    --------
    >>> compare([0.951, 0.953, 0.949], [0.950, 0.952, 0.951], paired=False).verdict
    'no measurable difference'
    """
    a, b = _values(first), _values(second)
    if paired:
        if a.size != b.size:
            raise ValueError(f"a paired comparison needs one value per seed in both lists, got {a.size} and {b.size}")
        d = summarize(a - b)
        difference, standard_error, df = d.mean, d.standard_error, d.count - 1.0
        wins = int(np.sum(a > b))
    else:
        d, wins = None, None
        var_a, var_b = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
        difference = float(a.mean() - b.mean())
        standard_error = math.sqrt(var_a + var_b)
        if standard_error > 0:
            df = (var_a + var_b) ** 2 / (var_a**2 / (a.size - 1) + var_b**2 / (b.size - 1))
        else:
            df = float(a.size + b.size - 2)
    half_width = t_quantile(df) * standard_error
    interval = (difference - half_width, difference + half_width)
    if interval[0] > 0:
        verdict = "better"
    elif interval[1] < 0:
        verdict = "worse"
    else:
        verdict = "no measurable difference"
    return Comparison(difference, standard_error, interval, float(df), verdict, paired,
                      summarize(a), summarize(b), d, wins)
# --8<-- [end:compare]
