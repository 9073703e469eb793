"""Comparing training runs honestly: several seeds, a mean, and the noise around it.

One training run is one draw from a random process: the seed decides the initial
weights, the order of the mini-batches and the dropout masks. Two settings can only be
compared by running each with several seeds and asking whether the difference of their
means is larger than the noise of the seeds.

The rule the book uses: a difference is *measurable* when it is larger than two
standard errors of the difference (about a 95% confidence interval that excludes
zero). Otherwise the two settings are within the noise of the seeds, and the book says
so.

Examples
--------
>>> plain = [0.9748, 0.9748, 0.9749, 0.9762, 0.9755]
>>> with_dropout = [0.9800, 0.9791, 0.9795, 0.9806, 0.9788]
>>> comparison = compare(with_dropout, plain)
>>> comparison.verdict
'better'
>>> print(round(100 * comparison.difference, 2), round(100 * comparison.standard_error, 2))
0.44 0.04
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Summary", "Comparison", "summarize", "compare", "VERDICTS", "MEASURABLE"]

#: A difference counts as measurable when it exceeds this many standard errors.
MEASURABLE = 2.0
"""A difference counts as measurable when it exceeds this many standard errors."""

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
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size < 2:
        raise ValueError(f"expected at least two values (one per seed), got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("expected finite values, got NaN or infinity")
    return Summary(float(values.mean()), float(values.std(ddof=1)), int(values.size))
# --8<-- [end:summarize]


@dataclass(frozen=True)
class Comparison:
    """The difference of two settings' means, its standard error, and the verdict."""

    difference: float
    standard_error: float
    verdict: str
    first: Summary
    second: Summary

    @property
    def ratio(self) -> float:
        """The difference in standard errors (infinite when both settings never vary)."""
        if self.standard_error == 0:
            return math.inf if self.difference else 0.0
        return self.difference / self.standard_error


# --8<-- [start:compare]
def compare(first, second, *, measurable: float = MEASURABLE) -> Comparison:
    """Is ``first`` better than ``second``? Each is a list of results, one per seed.

    The difference of the means has the standard error
    ``sqrt(s1**2 / n1 + s2**2 / n2)`` (the runs of the two settings are independent).
    The verdict is ``"better"`` or ``"worse"`` when the difference is more than
    ``measurable`` standard errors away from zero, else ``"no measurable difference"``.
    Larger values are better (accuracies); compare losses with their signs flipped.

    Examples
    --------
    >>> compare([0.951, 0.953, 0.949], [0.950, 0.952, 0.951]).verdict
    'no measurable difference'
    """
    a, b = summarize(first), summarize(second)
    difference = a.mean - b.mean
    standard_error = math.sqrt(a.std**2 / a.count + b.std**2 / b.count)
    if abs(difference) > measurable * standard_error:
        verdict = "better" if difference > 0 else "worse"
    else:
        verdict = "no measurable difference"
    return Comparison(difference, standard_error, verdict, a, b)
# --8<-- [end:compare]
