"""Figures of the chapter *Gradient descent and optimizers*, and the runs behind them.

The chapter quotes numbers from the same functions that draw its figures, so a figure
and the text beside it always come from one run.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from neuralbook.optimizers import SGD, Adam, Momentum, count_subnormals
from neuralbook.plots._style import COLORS, new_figure, style_axes
from neuralbook.schedules import CosineAnnealing, ExponentialDecay, StepDecay

# ---------------------------------------------------------------- 1-D quadratic

#: L(w) = w², gradient 2w; start and learning rates of the three runs.
QUADRATIC_START = 3.0
QUADRATIC_RATES = {"too low": 0.02, "about right": 0.3, "too high": 1.05}
QUADRATIC_STEPS = 20


def quadratic_run(learning_rate: float, steps: int = QUADRATIC_STEPS, start: float = QUADRATIC_START) -> np.ndarray:
    """Gradient descent on L(w) = w² with the package's SGD; returns w_0, ..., w_steps.

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
    """Three learning rates on L(w) = w²: crawling, converging, diverging."""
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
    axes[0].set_ylabel("L(w) = w²")
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
    style_axes(left, title="Learning rate", xlabel="epoch", ylabel="training loss (BCE)")
    left.legend(fontsize=8)
    colors = [COLORS["grey"], COLORS["accent"], COLORS["function"]]
    for (name, (history, _)), color in zip(network_optimizer_runs().items(), colors):
        right.plot(history, color=color, label=name)
    right.set_yscale("log")
    style_axes(right, title="Optimizer", xlabel="epoch")
    right.legend(fontsize=8)
    return figure


# ---------------------------------------------------------------- a 2-D valley

#: L(x, y) = ½ (x² + K y²): a valley K times steeper across than along.
VALLEY_K = 25.0
VALLEY_START = (-4.5, 1.5)
VALLEY_STEPS = 100
VALLEY_OPTIMIZERS = {
    "SGD (η = 0.03)": lambda: SGD(0.03),
    "momentum (η = 0.03, β = 0.9)": lambda: Momentum(0.03, beta=0.9),
    "Adam (η = 0.3)": lambda: Adam(0.3),
}


def valley_loss(x, y):
    """L(x, y) = ½ (x² + K y²) with K = VALLEY_K."""
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


def valley_paths() -> dict[str, np.ndarray]:
    """``{name: path}`` for the three optimizers of VALLEY_OPTIMIZERS."""
    return {name: valley_path(make) for name, make in VALLEY_OPTIMIZERS.items()}


def plot_valley_paths():
    """SGD, momentum and Adam on the same elongated bowl."""
    figure, (ax, curves) = new_figure(ncols=2, width=10.0, height=3.8)
    xs, ys = np.meshgrid(np.linspace(-5, 1.5, 300), np.linspace(-2, 2, 200))
    ax.contour(xs, ys, valley_loss(xs, ys), levels=np.geomspace(0.05, 60, 12), colors="#bbbbbb", linewidths=0.7)
    colors = [COLORS["grey"], COLORS["accent"], COLORS["function"]]
    for (name, path), color in zip(valley_paths().items(), colors):
        shown = path[:41]
        ax.plot(shown[:, 0], shown[:, 1], "o-", color=color, markersize=2.5, linewidth=0.9, label=name)
        curves.plot(valley_loss(path[:, 0], path[:, 1]), color=color, label=name)
    ax.plot(*VALLEY_START, "ko", markersize=5)
    ax.plot(0, 0, "k*", markersize=9)
    ax.set_aspect("equal")
    style_axes(ax, title="First 40 steps", xlabel="x", ylabel="y")
    ax.legend(fontsize=7, loc="lower right")
    curves.set_yscale("log")
    style_axes(curves, title="Loss", xlabel="step", ylabel="L(x, y)")
    return figure


# ---------------------------------------------------------------- schedules

SCHEDULE_EPOCHS = 30
SCHEDULES = {
    "step decay (×0.5 every 10)": StepDecay(0.1, factor=0.5, every=10),
    "exponential (×0.9 per epoch)": ExponentialDecay(0.1, rate=0.9),
    "cosine annealing (T = 30)": CosineAnnealing(0.1, total_epochs=SCHEDULE_EPOCHS),
}


def plot_schedules():
    """The three schedules of the chapter, each starting at η₀ = 0.1."""
    figure, ax = new_figure(width=6.4, height=3.4)
    epochs = np.arange(SCHEDULE_EPOCHS + 1)
    colors = [COLORS["function"], COLORS["derivative"], COLORS["good"]]
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
    optimizer = Momentum(0.01, beta=0.9, flush_every=flush_every)
    gradient = np.empty_like(W)
    counts = []
    for t in range(steps):
        gradient[...] = rng.standard_normal(SUBNORMAL_SHAPE, dtype=np.float32)
        if t >= SUBNORMAL_ALIVE_STEPS:
            gradient[:, -SUBNORMAL_DEAD_COLUMNS:] = 0.0
        optimizer.step([W], [gradient])
        counts.append(count_subnormals(optimizer._state[0]["velocity"]))
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
    "schedules.svg": plot_schedules,
    "subnormals.svg": plot_subnormals,
}
