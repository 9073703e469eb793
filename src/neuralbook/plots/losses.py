"""Figures of the chapter *Loss functions*, and the small experiment one of them shows."""

from __future__ import annotations

import numpy as np

from neuralbook.activations import sigmoid, sigmoid_prime
from neuralbook.losses import (
    binary_cross_entropy,
    quadratic_cost,
    quadratic_cost_gradient,
    sigmoid_binary_cross_entropy,
    sigmoid_binary_cross_entropy_gradient,
)
from neuralbook.plots._style import COLORS, new_figure, style_axes

#: The single sigmoid neuron of the learning-slowdown experiment (after Nielsen,
#: chapter 3): input x = 1, desired output y = 0, a bad start w = b = 2 (output 0.98).
SLOWDOWN = {"x": 1.0, "y": 0.0, "w": 2.0, "b": 2.0, "learning_rate": 0.15, "steps": 300}


def slowdown_trajectory(loss, x=1.0, y=0.0, w=2.0, b=2.0, learning_rate=0.15, steps=300):
    """Train one sigmoid neuron a = σ(w x + b) towards ``y`` by gradient descent.

    Parameters
    ----------
    loss : {"quadratic", "cross-entropy"}
        The cost whose gradient drives the updates: the quadratic cost (a − y)²/2, whose
        gradient with respect to z carries the factor σ'(z), or the binary cross-entropy
        from the logit, whose gradient with respect to z is simply a − y.
    x, y, w, b, learning_rate, steps : float, float, float, float, float, int
        Input, target, starting weight and bias, step size and number of steps.

    Returns
    -------
    dict
        ``"output"`` and ``"loss"`` (arrays of ``steps + 1`` values, before each step and
        after the last) and ``"dz"`` (the gradient with respect to z at each of them).

    Examples
    --------
    >>> run = slowdown_trajectory("cross-entropy", steps=2)
    >>> print(np.round(run["output"], 4))
    [0.982  0.976  0.9681]
    """
    if loss not in ("quadratic", "cross-entropy"):
        raise ValueError(f"loss must be 'quadratic' or 'cross-entropy', got {loss!r}")
    target = np.array([[y]])
    outputs, losses, gradients = [], [], []
    for _ in range(steps + 1):
        z = np.array([[w * x + b]])
        a = sigmoid(z)
        if loss == "quadratic":
            value = quadratic_cost(target, a)
            dz = quadratic_cost_gradient(target, a) * sigmoid_prime(z)
        else:
            value = sigmoid_binary_cross_entropy(target, z)
            dz = sigmoid_binary_cross_entropy_gradient(target, z)
        outputs.append(a.item())
        losses.append(float(value))
        gradients.append(dz.item())
        w -= learning_rate * dz.item() * x
        b -= learning_rate * dz.item()
    return {"output": np.array(outputs), "loss": np.array(losses), "dz": np.array(gradients)}


def plot_negative_log():
    """−ln p on (0, 1]: the cost of giving the true class probability p."""
    p = np.linspace(0.005, 1, 400)
    figure, ax = new_figure()
    ax.plot(p, -np.log(p), color=COLORS["function"], label="−ln p")
    for q in (0.9, 0.5, 0.1):
        ax.plot([q], [-np.log(q)], "o", color=COLORS["accent"])
        # The label of the point near p = 1 goes above it, so that it stays inside the axes.
        offset, align = ((0, 12), "center") if q > 0.8 else ((8, 6), "left")
        ax.annotate(f"p = {q}: {-np.log(q):.2f}", (q, -np.log(q)), textcoords="offset points", xytext=offset,
                    ha=align)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(-0.2, 5.5)
    style_axes(ax, title="The cost of a probability: −ln p", xlabel="probability p given to the true class",
               ylabel="loss")
    ax.legend()
    return figure


def plot_binary_cross_entropy():
    """Binary cross-entropy of one prediction ŷ, for y = 1 and for y = 0."""
    y_hat = np.linspace(0.002, 0.998, 400)
    figure, ax = new_figure()
    # One prediction at a time, so each value is the loss of that single prediction.
    per_element_1 = [binary_cross_entropy([1.0], [p]) for p in y_hat]
    per_element_0 = [binary_cross_entropy([0.0], [p]) for p in y_hat]
    ax.plot(y_hat, per_element_1, color=COLORS["good"], label="y = 1: −ln ŷ")
    ax.plot(y_hat, per_element_0, color=COLORS["bad"], linestyle="--", label="y = 0: −ln(1 − ŷ)")
    ax.set_ylim(-0.2, 5.5)
    style_axes(ax, title="Binary cross-entropy of one prediction", xlabel="predicted probability ŷ", ylabel="loss")
    ax.legend(loc="upper center")
    return figure


def plot_learning_slowdown():
    """Left: ∂C/∂z against z for y = 0. Right: the output of the neuron while it learns."""
    figure, (left, right) = new_figure(ncols=2, width=9.0, height=3.6)
    z = np.linspace(-6, 6, 401)
    a = sigmoid(z)
    quadratic_dz = a * sigmoid_prime(z)  # (a − y) σ'(z) with y = 0
    cross_entropy_dz = a  # a − y with y = 0
    left.plot(z, cross_entropy_dz, color=COLORS["good"], label="cross-entropy: a − y")
    left.plot(z, quadratic_dz, color=COLORS["bad"], linestyle="--", label="quadratic: (a − y) σ'(z)")
    start = SLOWDOWN["w"] * SLOWDOWN["x"] + SLOWDOWN["b"]
    left.axvline(start, color=COLORS["grey"], linestyle=":", linewidth=1)
    left.annotate("bad start", (start, 0.5), textcoords="offset points", xytext=(-58, 0))
    style_axes(left, title="Gradient ∂C/∂z, target y = 0", xlabel="z")
    left.legend(loc="upper left", fontsize="small")

    settings = {key: SLOWDOWN[key] for key in ("x", "y", "w", "b", "learning_rate", "steps")}
    for loss, color, style in (("cross-entropy", COLORS["good"], "-"), ("quadratic", COLORS["bad"], "--")):
        run = slowdown_trajectory(loss, **settings)
        right.plot(run["output"], color=color, linestyle=style, label=loss)
    style_axes(right, title=f"Output while learning (η = {SLOWDOWN['learning_rate']})", xlabel="step",
               ylabel="output a")
    right.set_ylim(-0.05, 1.05)
    right.legend(loc="center right", fontsize="small")
    return figure


FIGURES = {
    "loss-negative-log.svg": plot_negative_log,
    "loss-binary-cross-entropy.svg": plot_binary_cross_entropy,
    "loss-learning-slowdown.svg": plot_learning_slowdown,
}
