"""Figures of the chapter *Gradient descent and optimizers*, and the runs behind them.

The chapter quotes numbers from the same functions that draw its figures, so a figure
and the text beside it always come from one run.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from neuralbook import fastpath
from neuralbook.fastpath import count_subnormals
from neuralbook.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp
from neuralbook.plots._style import COLORS, new_figure, style_axes
from neuralbook.schedules import CosineAnnealing, ExponentialDecay, StepDecay, Warmup

# ---------------------------------------------------------------- 1-D quadratic

#: C(w) = w², gradient 2w; start and learning rates of the three runs.
QUADRATIC_START = 3.0
QUADRATIC_RATES = {"too low": 0.02, "about right": 0.3, "too high": 1.05}
QUADRATIC_STEPS = 20


def quadratic_run(learning_rate: float, steps: int = QUADRATIC_STEPS, start: float = QUADRATIC_START) -> np.ndarray:
    """Gradient descent on C(w) = w² with the package's SGD; returns w_0, ..., w_steps.

    Examples
    --------
    >>> print(np.round(quadratic_run(0.1, steps=2), 4))
    [3.   2.4  1.92]
    """
    w = np.array([start])
    optimizer = SGD(learning_rate)
    path = [start]
    for _ in range(steps):
        optimizer.step([w], [2 * w])
        path.append(float(w[0]))
    return np.array(path)


def plot_quadratic_rates():
    """Three learning rates on C(w) = w²: crawling, converging, diverging."""
    figure, axes = new_figure(ncols=3, width=9.0, height=3.2)
    colors = [COLORS["grey"], COLORS["good"], COLORS["bad"]]
    for ax, (label, rate), color in zip(axes, QUADRATIC_RATES.items(), colors):
        path = quadratic_run(rate)
        shown = path[:9] if label == "too high" else path
        limit = max(4.0, float(np.abs(shown).max()) * 1.1)
        w = np.linspace(-limit, limit, 300)
        ax.plot(w, w**2, color=COLORS["function"], linewidth=1)
        ax.plot(shown, shown**2, "o-", color=color, markersize=3.5, linewidth=0.9)
        ax.plot(shown[0], shown[0] ** 2, "o", color="black", markersize=5)
        style_axes(ax, title=f"η = {rate}: {label}", xlabel="w")
    axes[0].set_ylabel("C(w) = w²")
    return figure


# ---------------------------------------------------------------- a small real network

NETWORK_RATES = (0.03, 1.0, 30.0)
NETWORK_EPOCHS = 100
NETWORK_BATCH = 32


def circles(n: int = 400, seed: int = 0):
    """Two noisy rings (inner ring label 1, outer ring label 0): x of shape (n, 2), y of shape (n,)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    radius = np.where(y == 1, 0.5, 1.0) + rng.normal(0.0, 0.1, n)
    angle = rng.uniform(0.0, 2 * np.pi, n)
    return np.c_[radius * np.cos(angle), radius * np.sin(angle)], y


def _train_circles(make_optimizer, epochs=NETWORK_EPOCHS, batch_size=NETWORK_BATCH, seed=0):
    from neuralbook.network import Network

    x, y = circles()
    net = Network(
        [2, 16, 1], hidden_activation="tanh", output="sigmoid", loss="binary_cross_entropy",
        init="xavier", seed=seed, dtype=np.float64,
    )
    optimizer = make_optimizer()
    rng = np.random.default_rng(1)
    history = [net.loss(x, y)]
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            _, gradients = net.loss_and_gradients(x[batch], y[batch])
            optimizer.step(net.parameters(), gradients)
        history.append(net.loss(x, y))
    accuracy = float(np.mean(net.predict(x) == y))
    return np.array(history), accuracy


@lru_cache(maxsize=None)
def network_runs():
    """Train a 2-16-1 network on [`circles`][neuralbook.plots.optimizers.circles] with SGD at each rate of NETWORK_RATES.

    Returns ``{rate: (loss after each epoch (epoch 0 = before training), final accuracy)}``.
    """
    return {rate: _train_circles(lambda rate=rate: SGD(rate)) for rate in NETWORK_RATES}


@lru_cache(maxsize=None)
def network_optimizer_runs():
    """The same network trained by SGD (η = 0.3), momentum (η = 0.1) and Adam (η = 0.01)."""
    makers = {
        "SGD, η = 0.3": lambda: SGD(0.3),
        "momentum, η = 0.1": lambda: Momentum(0.1, beta=0.9),
        "Adam, η = 0.01": lambda: Adam(0.01),
    }
    return {name: _train_circles(make) for name, make in makers.items()}


def plot_network_rates():
    """Training loss of a small network for three learning rates, and for three optimizers."""
    figure, (left, right) = new_figure(ncols=2, width=9.0, height=3.4)
    colors = [COLORS["grey"], COLORS["good"], COLORS["bad"]]
    for (rate, (history, _)), color in zip(network_runs().items(), colors):
        left.plot(history, color=color, label=f"SGD, η = {rate:g}")
    left.set_yscale("log")
    style_axes(left, title="Learning rate", xlabel="epoch", ylabel="training cost (BCE)")
    left.legend(fontsize=8)
    colors = [COLORS["grey"], COLORS["accent"], COLORS["function"]]
    for (name, (history, _)), color in zip(network_optimizer_runs().items(), colors):
        right.plot(history, color=color, label=name)
    right.set_yscale("log")
    style_axes(right, title="Optimizer", xlabel="epoch")
    right.legend(fontsize=8)
    return figure


# ---------------------------------------------------------------- mini-batch gradient noise

VARIANCE_BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256)
VARIANCE_DRAWS = 2000


def _flat(gradients) -> np.ndarray:
    return np.concatenate([np.ravel(g) for g in gradients])


@lru_cache(maxsize=None)
def minibatch_gradient_variance(draws: int = VARIANCE_DRAWS, seed: int = 0) -> dict:
    """How far mini-batch gradients scatter around the full gradient, measured and predicted.

    The 2-16-1 network of [`network_runs`][neuralbook.plots.optimizers.network_runs], at
    its initial weights, on the N = 400 points of ``circles``. For each batch size B of
    VARIANCE_BATCH_SIZES, ``draws`` batches are drawn without replacement and their
    gradients g_B compared with the full gradient G.

    Returns a dict with ``batch_sizes``, ``variance`` (the measured mean of ‖g_B − G‖²),
    ``predicted`` (σ²/B · (N − B)/(N − 1), with σ² = mean over examples of ‖g_x − G‖²),
    ``sigma2``, ``n`` (N), ``full_norm`` (‖G‖) and ``bias`` (‖mean of g_B − G‖ for each B).
    """
    from neuralbook.network import Network

    x, y = circles()
    net = Network(
        [2, 16, 1], hidden_activation="tanh", output="sigmoid", loss="binary_cross_entropy",
        init="xavier", seed=0, dtype=np.float64,
    )
    n = len(x)
    full = _flat(net.loss_and_gradients(x, y)[1])
    per_example = np.array([_flat(net.loss_and_gradients(x[i : i + 1], y[i : i + 1])[1]) for i in range(n)])
    sigma2 = float(np.mean(np.sum((per_example - full) ** 2, axis=1)))
    rng = np.random.default_rng(seed)
    variance, bias = [], []
    for batch_size in VARIANCE_BATCH_SIZES:
        gradients = np.array([
            _flat(net.loss_and_gradients(x[batch], y[batch])[1])
            for batch in (rng.choice(n, size=batch_size, replace=False) for _ in range(draws))
        ])
        variance.append(float(np.mean(np.sum((gradients - full) ** 2, axis=1))))
        bias.append(float(np.linalg.norm(gradients.mean(axis=0) - full)))
    sizes = np.array(VARIANCE_BATCH_SIZES)
    return {
        "batch_sizes": sizes,
        "variance": np.array(variance),
        "predicted": sigma2 / sizes * (n - sizes) / (n - 1),
        "sigma2": sigma2,
        "n": n,
        "full_norm": float(np.linalg.norm(full)),
        "bias": np.array(bias),
        "draws": draws,
    }


def plot_minibatch_variance():
    """The scatter of mini-batch gradients against B, with the 1/B line and the finite-population curve."""
    result = minibatch_gradient_variance()
    sizes = result["batch_sizes"]
    figure, ax = new_figure(width=6.4, height=3.6)
    ax.plot(sizes, result["sigma2"] / sizes, "--", color=COLORS["grey"], label="σ²/B")
    ax.plot(sizes, result["predicted"], color=COLORS["function"], label="σ²/B · (N − B)/(N − 1)")
    ax.plot(sizes, result["variance"], "o", color=COLORS["accent"], label=f"measured ({result['draws']} batches per B)")
    style_axes(ax, title="Mini-batch gradient noise", xlabel="batch size B", ylabel="mean of ‖g_B − ∇C‖²")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlim(sizes[0] / 1.4, sizes[-1] * 1.4)
    ax.set_ylim(result["variance"].min() / 2, result["sigma2"] * 2)
    ax.legend(fontsize=8)
    return figure


# ---------------------------------------------------------------- a 2-D valley

#: C(x, y) = ½ (x² + K y²): a valley K times steeper across than along.
VALLEY_K = 25.0
VALLEY_START = (-4.5, 1.5)
VALLEY_STEPS = 100
VALLEY_OPTIMIZERS = {
    "SGD (η = 0.03)": lambda: SGD(0.03),
    "momentum (η = 0.03, β = 0.9)": lambda: Momentum(0.03, beta=0.9),
    "Adam (η = 0.3)": lambda: Adam(0.3),
}


def valley_loss(x, y):
    """C(x, y) = ½ (x² + K y²) with K = VALLEY_K."""
    return 0.5 * (np.asarray(x) ** 2 + VALLEY_K * np.asarray(y) ** 2)


def valley_path(make_optimizer, steps: int = VALLEY_STEPS) -> np.ndarray:
    """The points visited by an optimizer on the valley, shape (steps + 1, 2)."""
    w = np.array(VALLEY_START, dtype=np.float64)
    optimizer = make_optimizer()
    path = [w.copy()]
    for _ in range(steps):
        gradient = np.array([w[0], VALLEY_K * w[1]])
        optimizer.step([w], [gradient])
        path.append(w.copy())
    return np.array(path)


#: Momentum against Nesterov momentum, same η and β.
MOMENTUM_OPTIMIZERS = {
    "momentum (η = 0.03, β = 0.9)": lambda: Momentum(0.03, beta=0.9),
    "Nesterov (η = 0.03, β = 0.9)": lambda: Nesterov(0.03, beta=0.9),
}

#: The adaptive methods, each with a learning rate that suits it on the valley.
ADAPTIVE_OPTIMIZERS = {
    "AdaGrad (η = 0.5)": lambda: AdaGrad(0.5),
    "RMSProp (η = 0.1, β = 0.9)": lambda: RMSProp(0.1, beta=0.9),
    "Adam (η = 0.3)": lambda: Adam(0.3),
}


def valley_paths(optimizers=None) -> dict[str, np.ndarray]:
    """``{name: path}`` for each optimizer of ``optimizers`` (default VALLEY_OPTIMIZERS)."""
    optimizers = VALLEY_OPTIMIZERS if optimizers is None else optimizers
    return {name: valley_path(make) for name, make in optimizers.items()}


def _plot_paths(optimizers, colors):
    figure, (ax, curves) = new_figure(ncols=2, width=10.0, height=3.8)
    xs, ys = np.meshgrid(np.linspace(-5, 1.5, 300), np.linspace(-2, 2, 200))
    ax.contour(xs, ys, valley_loss(xs, ys), levels=np.geomspace(0.05, 60, 12), colors="#bbbbbb", linewidths=0.7)
    for (name, path), color in zip(valley_paths(optimizers).items(), colors):
        shown = path[:41]
        ax.plot(shown[:, 0], shown[:, 1], "o-", color=color, markersize=2.5, linewidth=0.9, label=name)
        curves.plot(valley_loss(path[:, 0], path[:, 1]), color=color, label=name)
    ax.plot(*VALLEY_START, "ko", markersize=5)
    ax.plot(0, 0, "k*", markersize=9)
    ax.set_aspect("equal")
    style_axes(ax, title="First 40 steps", xlabel="x", ylabel="y")
    ax.legend(fontsize=7, loc="lower right")
    curves.set_yscale("log")
    style_axes(curves, title="Cost", xlabel="step", ylabel="C(x, y)")
    return figure


def plot_valley_paths():
    """SGD, momentum and Adam on the same elongated bowl."""
    return _plot_paths(VALLEY_OPTIMIZERS, [COLORS["grey"], COLORS["accent"], COLORS["function"]])


def conditioning_runs() -> dict[str, np.ndarray]:
    """``{name: path}`` on the valley for SGD and momentum at the chapter's rates and at the best ones."""
    from neuralbook.quadratic import best_gradient_descent, best_momentum

    curvatures = [1.0, VALLEY_K]
    gd_rate, _ = best_gradient_descent(curvatures)
    hb_rate, hb_beta, _ = best_momentum(curvatures)
    runs = {
        "SGD (η = 0.03)": lambda: SGD(0.03),
        "momentum (η = 0.03, β = 0.9)": lambda: Momentum(0.03, beta=0.9),
        f"SGD, best η = {gd_rate:.4f}": lambda: SGD(gd_rate),
        f"momentum, best η = {hb_rate:.3f}, β = {hb_beta:.3f}": lambda: Momentum(hb_rate, beta=hb_beta),
    }
    return {name: valley_path(make) for name, make in runs.items()}


def plot_conditioning():
    """Gradient descent's factor per step on the valley against η, and the distance to the minimum of four runs."""
    from neuralbook.quadratic import best_gradient_descent, gradient_descent_factors

    curvatures = [1.0, VALLEY_K]
    figure, (rates, curves) = new_figure(ncols=2, width=10.0, height=3.6)
    eta = np.linspace(0.0, 0.1, 501)
    factors = np.array([gradient_descent_factors(curvatures, e) for e in eta])
    rates.plot(eta, factors[:, 0], color=COLORS["function"], label="|1 − η·1|: along the valley")
    rates.plot(eta, factors[:, 1], color=COLORS["derivative"], label=f"|1 − η·{VALLEY_K:g}|: across it")
    rates.plot(eta, factors.max(axis=1), color="black", linewidth=2.2, alpha=0.35, label="the slower of the two")
    best_rate, best_factor = best_gradient_descent(curvatures)
    rates.plot([best_rate], [best_factor], "ko", markersize=5)
    rates.annotate(f"η* = 2/26, factor {best_factor:.3f}", (best_rate, best_factor), textcoords="offset points",
                   xytext=(-70, -28), fontsize=8)
    rates.axhline(1.0, color=COLORS["grey"], linestyle="--", linewidth=0.8)
    rates.set_ylim(0, 1.6)
    style_axes(rates, title="Gradient descent's factor per step", xlabel="learning rate η", ylabel="factor")
    rates.legend(fontsize=7, loc="upper left")
    colors = [COLORS["grey"], COLORS["accent"], COLORS["function"], COLORS["good"]]
    for (name, path), color in zip(conditioning_runs().items(), colors):
        curves.plot(np.linalg.norm(path, axis=1), color=color, label=name)
    curves.set_yscale("log")
    style_axes(curves, title="Distance to the minimum", xlabel="step", ylabel="‖(x, y)‖")
    curves.legend(fontsize=7, loc="lower left")
    return figure


def plot_momentum_nesterov():
    """Momentum and Nesterov momentum on the elongated bowl."""
    return _plot_paths(MOMENTUM_OPTIMIZERS, [COLORS["accent"], COLORS["good"]])


def plot_adaptive_paths():
    """AdaGrad, RMSProp and Adam on the elongated bowl."""
    return _plot_paths(ADAPTIVE_OPTIMIZERS, [COLORS["derivative"], COLORS["good"], COLORS["function"]])


# ---------------------------------------------------------------- Adam's bias correction


def uncorrected_step_ratio(t, beta1: float = 0.9, beta2: float = 0.999):
    """How many times longer Adam's step is without bias correction: (1 − β₁ᵗ) / √(1 − β₂ᵗ).

    Examples
    --------
    >>> print(round(float(uncorrected_step_ratio(1)), 4))
    3.1623
    """
    t = np.asarray(t, dtype=np.float64)
    return (1 - beta1**t) / np.sqrt(1 - beta2**t)


BIAS_STEPS = 5000


def plot_bias_correction():
    """The ratio of the uncorrected to the corrected Adam step over the first steps."""
    figure, ax = new_figure(width=6.4, height=3.4)
    t = np.arange(1, BIAS_STEPS + 1)
    ratio = uncorrected_step_ratio(t)
    ax.plot(t, ratio, color=COLORS["function"])
    peak = int(t[np.argmax(ratio)])
    ax.plot(peak, ratio.max(), "o", color=COLORS["bad"], markersize=4)
    ax.axhline(1.0, color=COLORS["grey"], linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    style_axes(ax, title="Adam without bias correction (β₁ = 0.9, β₂ = 0.999)", xlabel="step t",
               ylabel="(1 − β₁ᵗ) / √(1 − β₂ᵗ)")
    return figure


# ---------------------------------------------------------------- schedules

SCHEDULE_EPOCHS = 30
WARMUP_EPOCHS = 5
SCHEDULES = {
    "step decay (×0.5 every 10)": StepDecay(0.1, factor=0.5, every=10),
    "exponential (×0.9 per epoch)": ExponentialDecay(0.1, rate=0.9),
    "cosine annealing (T = 30)": CosineAnnealing(0.1, total_epochs=SCHEDULE_EPOCHS),
    "5 warm-up epochs, then cosine (T = 25)": Warmup(CosineAnnealing(0.1, total_epochs=SCHEDULE_EPOCHS - WARMUP_EPOCHS), epochs=WARMUP_EPOCHS),
}


def plot_schedules():
    """The schedules of the chapter, each from η₀ = 0.1 (warm-up: towards it)."""
    figure, ax = new_figure(width=6.4, height=3.4)
    epochs = np.arange(SCHEDULE_EPOCHS + 1)
    colors = [COLORS["function"], COLORS["derivative"], COLORS["good"], COLORS["accent"]]
    for (name, schedule), color in zip(SCHEDULES.items(), colors):
        drawstyle = "steps-post" if name.startswith("step") else "default"
        ax.plot(epochs, [schedule(e) for e in epochs], color=color, drawstyle=drawstyle, label=name)
    style_axes(ax, title="Learning-rate schedules", xlabel="epoch", ylabel="learning rate η")
    ax.legend(fontsize=8)
    return figure


# ---------------------------------------------------------------- subnormals

SUBNORMAL_SHAPE = (32, 784)
SUBNORMAL_DEAD_COLUMNS = 100  # inputs whose gradient stops after the first steps
SUBNORMAL_ALIVE_STEPS = 10
SUBNORMAL_STEPS = 1500


@lru_cache(maxsize=None)
def subnormal_counts(flush_every: int, steps: int = SUBNORMAL_STEPS) -> np.ndarray:
    """Subnormal entries of a float32 momentum velocity after each step.

    A weight matrix of shape SUBNORMAL_SHAPE is trained with ``Momentum(0.01, 0.9)``
    on random gradients; the last SUBNORMAL_DEAD_COLUMNS inputs stop receiving
    gradient after SUBNORMAL_ALIVE_STEPS steps, like pixels that are almost always
    zero or units that died. ``flush_every=0`` switches the remedy off.
    """
    rng = np.random.default_rng(0)
    W = (rng.standard_normal(SUBNORMAL_SHAPE) * 0.05).astype(np.float32)
    optimizer = Momentum(0.01, beta=0.9)
    gradient = np.empty_like(W)
    counts = []
    for t in range(steps):
        gradient[...] = rng.standard_normal(SUBNORMAL_SHAPE, dtype=np.float32)
        if t >= SUBNORMAL_ALIVE_STEPS:
            gradient[:, -SUBNORMAL_DEAD_COLUMNS:] = 0.0
        fastpath.step(optimizer, [W], [gradient], flush_every)  # as the trainer steps
        counts.append(count_subnormals(optimizer.state[0]["velocity"]))
    return np.array(counts)


def plot_subnormals():
    """How many velocity entries are subnormal, with and without the flush."""
    figure, ax = new_figure(width=6.4, height=3.2)
    ax.plot(subnormal_counts(0), color=COLORS["bad"], label="no flush (flush_every=0)")
    ax.plot(subnormal_counts(50), color=COLORS["good"], linewidth=2, label="flush every 50 steps")
    style_axes(ax, title="Subnormal entries in a float32 momentum buffer", xlabel="step", ylabel="count")
    ax.legend(fontsize=8)
    return figure


FIGURES = {
    "gd-learning-rates.svg": plot_quadratic_rates,
    "network-learning-rates.svg": plot_network_rates,
    "optimizer-paths.svg": plot_valley_paths,
    "minibatch-variance.svg": plot_minibatch_variance,
    "momentum-nesterov.svg": plot_momentum_nesterov,
    "conditioning.svg": plot_conditioning,
    "adaptive-paths.svg": plot_adaptive_paths,
    "bias-correction.svg": plot_bias_correction,
    "schedules.svg": plot_schedules,
    "subnormals.svg": plot_subnormals,
}
