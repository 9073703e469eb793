"""Figures of the chapter *One neuron learns by gradient descent*."""

from __future__ import annotations

import numpy as np

from neuralbook.logistic import train, two_clouds
from neuralbook.plots._style import COLORS, REGION_TINTS, new_figure, style_axes

#: Settings of the chapter's training run: the data's seed, the learning rate η and the number of steps.
SEED = 0
LEARNING_RATE = 0.5
EPOCHS = 100
#: A learning rate ten times smaller, drawn for comparison.
SMALL_LEARNING_RATE = 0.05


def chapter_run(learning_rate: float = LEARNING_RATE):
    """The chapter's data and its training run: ``X, y, w, b, costs``."""
    X, y = two_clouds(seed=SEED)
    w, b, costs = train(X, y, learning_rate=learning_rate, epochs=EPOCHS)
    return X, y, w, b, costs


def plot_logistic_training():
    """Left: the cost falling step by step for two learning rates. Right: the data and the learned line."""
    figure, (left, right) = new_figure(ncols=2, width=9.0, height=3.6)
    for rate, colour in ((LEARNING_RATE, COLORS["function"]), (SMALL_LEARNING_RATE, COLORS["accent"])):
        costs = chapter_run(rate)[-1]
        left.plot(np.arange(len(costs)), costs, color=colour, linewidth=2, label=f"η = {rate:g}")
    style_axes(left, title="cost C after each step", xlabel="step", ylabel="C")
    left.set_ylim(0, 0.75)
    left.legend()
    X, y, w, b, _ = chapter_run()
    x1 = np.linspace(-4, 4, 2)
    line = -(w[0] * x1 + b) / w[1]
    right.fill_between(x1, line, 4, color=REGION_TINTS["one"])
    right.fill_between(x1, -4, line, color=REGION_TINTS["zero"])
    right.plot(x1, line, color=COLORS["function"], linewidth=2, label="ŷ = 0.5")
    ones, zeros = X[y == 1], X[y == 0]
    right.scatter(ones[:, 0], ones[:, 1], s=18, color=COLORS["one"], label="class 1")
    right.scatter(zeros[:, 0], zeros[:, 1], s=18, facecolors="white", edgecolors=COLORS["zero"], label="class 0")
    right.set_xlim(-4, 4)
    right.set_ylim(-4, 4)
    right.set_aspect("equal")
    right.set_title(f"after {EPOCHS} steps with η = {LEARNING_RATE:g}")
    right.set_xlabel("$x_1$")
    right.set_ylabel("$x_2$")
    right.legend(loc="lower right", fontsize="small")
    return figure


FIGURES = {
    "logistic-training.svg": plot_logistic_training,
}
