"""Gradient descent on a quadratic cost: how conditioning sets the speed of convergence.

On a quadratic cost C = ½ Σᵢ λᵢ xᵢ², written in the eigen-directions of its Hessian,
gradient descent and heavy-ball momentum act on every direction separately. Each
direction shrinks by a fixed factor per step, and the slowest direction sets the pace.
The chapter *Gradient descent and optimizers* derives the factors; this module computes
them, the best constant settings, and the factor actually measured on a path of points,
so the derivation can be compared with the package's optimizers.

It also measures the noise floor of SGD with a constant learning rate on a noisy
quadratic, the reason learning-rate schedules decay.

Examples
--------
>>> import numpy as np
>>> print(gradient_descent_factors([1.0, 25.0], learning_rate=0.03))
[0.97 0.25]
>>> print(round(condition_number([1.0, 25.0]), 1))
25.0
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "condition_number", "gradient_descent_factors", "momentum_factors", "best_gradient_descent",
    "best_momentum", "measured_factor", "noise_floor",
]


def _eigenvalues(eigenvalues) -> np.ndarray:
    """The curvatures as a 1-D float array, after checking that they are positive and finite."""
    lambdas = np.asarray(eigenvalues, dtype=np.float64).ravel()
    if lambdas.size == 0 or not np.all(np.isfinite(lambdas)) or not np.all(lambdas > 0):
        raise ValueError(f"expected positive, finite curvatures λᵢ, got {np.asarray(eigenvalues).tolist()}")
    return lambdas


def condition_number(eigenvalues) -> float:
    """The condition number κ = λ_max / λ_min of a quadratic with curvatures λᵢ.

    Parameters
    ----------
    eigenvalues : array_like
        The curvatures λᵢ (the eigenvalues of the Hessian), all positive.

    Examples
    --------
    >>> condition_number([2.0, 8.0])
    4.0
    """
    lambdas = _eigenvalues(eigenvalues)
    return float(lambdas.max() / lambdas.min())


def gradient_descent_factors(eigenvalues, learning_rate: float) -> np.ndarray:
    """The factor |1 − ηλᵢ| by which gradient descent shrinks each eigen-direction per step.

    Along direction i the gradient of C = ½ Σ λᵢ xᵢ² is λᵢ xᵢ, so one step maps
    xᵢ to xᵢ − η λᵢ xᵢ = (1 − ηλᵢ) xᵢ.

    Parameters
    ----------
    eigenvalues : array_like
        The curvatures λᵢ, all positive.
    learning_rate : float
        The step size η.

    Returns
    -------
    numpy.ndarray
        One factor per curvature; a factor ≥ 1 means that direction does not converge.

    Examples
    --------
    >>> print(gradient_descent_factors([1.0, 4.0], learning_rate=0.25))
    [0.75 0.  ]
    """
    return np.abs(1.0 - learning_rate * _eigenvalues(eigenvalues))


def momentum_factors(eigenvalues, learning_rate: float, beta: float) -> np.ndarray:
    """The factor by which heavy-ball momentum shrinks each eigen-direction per step, in the long run.

    Along direction i, v ← β v − η λᵢ x and x ← x + v give
    x_{t+1} = (1 + β − ηλᵢ) x_t − β x_{t−1}, whose solutions are combinations of rᵗ
    for the two roots r of r² − (1 + β − ηλᵢ) r + β = 0. The factor is the larger
    root's magnitude; when the roots are complex, both have magnitude √β.

    Parameters
    ----------
    eigenvalues : array_like
        The curvatures λᵢ, all positive.
    learning_rate : float
        The step size η.
    beta : float
        The momentum coefficient β, 0 ≤ β < 1.

    Returns
    -------
    numpy.ndarray
        One factor per curvature.

    Examples
    --------
    >>> print(np.round(momentum_factors([1.0, 25.0], learning_rate=0.03, beta=0.9), 4))
    [0.9487 0.9487]
    """
    if not 0 <= beta < 1:
        raise ValueError(f"expected 0 <= beta < 1, got {beta}")
    trace = 1.0 + beta - learning_rate * _eigenvalues(eigenvalues)
    discriminant = trace**2 - 4.0 * beta
    real_roots = np.maximum(np.abs(trace + np.sqrt(np.abs(discriminant))), np.abs(trace - np.sqrt(np.abs(discriminant)))) / 2
    return np.where(discriminant >= 0, real_roots, math.sqrt(beta))


def best_gradient_descent(eigenvalues) -> tuple[float, float]:
    """The learning rate η* = 2 / (λ_min + λ_max) and its factor per step, (κ − 1) / (κ + 1).

    The slowest direction is the flattest (1 − ηλ_min) or the steepest (ηλ_max − 1);
    η* makes the two equal, which is the smallest the larger of them can be.

    Examples
    --------
    >>> rate, factor = best_gradient_descent([1.0, 3.0])
    >>> print(rate, factor)
    0.5 0.5
    """
    lambdas = _eigenvalues(eigenvalues)
    low, high = float(lambdas.min()), float(lambdas.max())
    kappa = high / low
    return 2.0 / (low + high), (kappa - 1.0) / (kappa + 1.0)


def best_momentum(eigenvalues) -> tuple[float, float, float]:
    """The heavy-ball settings η*, β* with the smallest factor per step, and that factor (√κ − 1) / (√κ + 1).

    η* = 4 / (√λ_max + √λ_min)² and β* = ((√κ − 1) / (√κ + 1))² (Polyak, 1964).

    Examples
    --------
    >>> rate, beta, factor = best_momentum([1.0, 9.0])
    >>> print(rate, beta, factor)
    0.25 0.25 0.5
    """
    lambdas = _eigenvalues(eigenvalues)
    low, high = math.sqrt(float(lambdas.min())), math.sqrt(float(lambdas.max()))
    factor = (high - low) / (high + low)
    return 4.0 / (high + low) ** 2, factor**2, factor


def measured_factor(path, minimum=None) -> float:
    """The factor per step by which a path approaches the minimum, measured.

    The distance from the minimum is fitted by a straight line on a log scale,
    log ‖x_t − x*‖ ≈ a + t log ρ (least squares over all steps), and ρ is returned.
    Fitting the whole run averages out the swings of an oscillating path.

    Parameters
    ----------
    path : array_like, shape (steps + 1, dimensions)
        The points visited, one row per step (the start first).
    minimum : array_like, optional
        The minimum x*; the origin by default.

    Examples
    --------
    >>> path = [[8.0, 0.0], [4.0, 0.0], [2.0, 0.0], [1.0, 0.0]]
    >>> measured_factor(path)
    0.5
    """
    points = np.asarray(path, dtype=np.float64)
    if points.ndim != 2 or len(points) < 2:
        raise ValueError(f"expected a path of shape (steps + 1, dimensions) with at least two points, got {points.shape}")
    centre = np.zeros(points.shape[1]) if minimum is None else np.asarray(minimum, dtype=np.float64)
    distances = np.linalg.norm(points - centre, axis=1)
    if not np.all(distances > 0):
        raise ValueError("expected a path that never lands exactly on the minimum (its distance is fitted on a log scale)")
    slope = np.polyfit(np.arange(len(points)), np.log(distances), 1)[0]
    return float(round(math.exp(slope), 12))


def noise_floor(learning_rate: float, noise: float = 1.0, steps: int = 2000, runs: int = 10_000, seed: int = 0) -> float:
    """The cost at which SGD with a constant learning rate settles on a noisy quadratic, measured.

    The cost is C(w) = ½ w² (minimum 0), and every step sees the gradient w + noise · ξ
    with ξ drawn from N(0, 1), as a mini-batch gradient scatters around the true one.
    ``runs`` independent runs start at w = 1 and take ``steps`` steps with the package's
    [`SGD`][neuralbook.optimizers.SGD]; the result is the mean of ½ w² over the runs and
    over the second half of the steps, when the start is forgotten.

    For this problem the stationary mean is η noise² / (2 (2 − η)): proportional to η
    for small rates.

    Parameters
    ----------
    learning_rate : float
        The constant step size η, 0 < η < 2.
    noise : float, optional
        The standard deviation of the gradient noise. Default 1.
    steps, runs : int, optional
        Steps per run and how many runs, side by side. Defaults 2,000 and 10,000.
    seed : int, optional
        Seed of the noise.

    Examples
    --------
    >>> floor = noise_floor(0.1, steps=400, runs=2000)
    >>> print(round(floor / (0.1 / (2 * 1.9)), 1))   # measured against η / (2 (2 − η))
    1.0
    """
    from neuralbook.optimizers import SGD

    if not 0 < learning_rate < 2:
        raise ValueError(f"expected 0 < learning_rate < 2 (larger rates diverge on C = ½ w²), got {learning_rate}")
    if steps < 2 or runs < 1:
        raise ValueError(f"expected at least two steps and one run, got steps={steps}, runs={runs}")
    rng = np.random.default_rng(seed)
    w = np.ones(runs)
    optimizer = SGD(learning_rate)
    total, counted = 0.0, 0
    for t in range(steps):
        optimizer.step([w], [w + noise * rng.standard_normal(runs)])
        if t >= steps // 2:
            total += float(np.mean(0.5 * w**2))
            counted += 1
    return total / counted
