"""Gradients by central differences, the independent reference of the networks' backward passes."""

from __future__ import annotations

import numpy as np


def assert_gradients_match(cost, parameters, gradients, *, rtol, atol, epsilon=1e-6):
    """Compare each gradient array with (C(p + ε) − C(p − ε)) / 2ε, one entry at a time.

    ``cost()`` reads the parameter arrays in place; each entry is nudged and restored.
    ``parameters`` and ``gradients`` are matching lists of arrays.
    """
    for p, g in zip(parameters, gradients, strict=True):
        assert g.shape == p.shape
        numeric = np.zeros_like(p)
        for index in np.ndindex(p.shape):
            saved = p[index]
            p[index] = saved + epsilon
            up = cost()
            p[index] = saved - epsilon
            down = cost()
            p[index] = saved
            numeric[index] = (up - down) / (2 * epsilon)
        np.testing.assert_allclose(g, numeric, rtol=rtol, atol=atol)
