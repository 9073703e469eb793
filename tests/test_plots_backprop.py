"""The measurements of the chapter *Backpropagation* (neuralbook.plots.backprop)."""

from __future__ import annotations

import numpy as np
import pytest

from neuralbook.gradcheck import numerical_gradient
from neuralbook.network import Network, _output_loss
from neuralbook.plots.backprop import FIGURES, error_norm_experiment, layer_errors, variance_by_layer


@pytest.mark.parametrize(("activation", "output", "loss"), [
    ("relu", "softmax", "cross_entropy"),
    ("tanh", "sigmoid", "quadratic"),
    ("sigmoid", "linear", "mse"),
])
def test_layer_errors_are_the_derivatives_of_the_cost_with_respect_to_z(activation, output, loss):
    """δ^[l] = ∂C/∂z^[l], against finite differences on z itself."""
    net = Network([3, 5, 4, 2], hidden_activation=activation, output=output, loss=loss, seed=3, dtype=np.float64)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 3))
    y = np.eye(2)[rng.integers(0, 2, 6)]
    deltas = layer_errors(net, x, y)
    assert [d.shape for d in deltas] == [(6, 5), (6, 4), (6, 2)]

    def cost_from_z(l, z):
        """The cost with layer l's weighted inputs (layers counted from 0) replaced by z."""
        a = x
        for i, layer in enumerate(net.layers):
            zi, a = layer.forward(a)
            if i == l:
                zi, a = z, layer.f(z)
        return float(_output_loss(net.output, net.loss_name, y, zi, a))

    a = x
    for l, layer in enumerate(net.layers):
        z, a = layer.forward(a)
        numeric = numerical_gradient(lambda v, l=l: cost_from_z(l, v), z.copy())
        np.testing.assert_allclose(deltas[l], numeric, rtol=1e-5, atol=1e-9)


def test_layer_errors_give_the_network_s_own_gradients():
    net = Network([4, 6, 3], hidden_activation="relu", seed=1, dtype=np.float64)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 4))
    y = np.eye(3)[rng.integers(0, 3, 5)]
    deltas = layer_errors(net, x, y)
    _, gradients = net.loss_and_gradients(x, y)
    a, inputs = x, []
    for layer in net.layers:
        inputs.append(a)
        _, a = layer.forward(a)
    for l, (delta, a_prev) in enumerate(zip(deltas, inputs)):
        np.testing.assert_allclose(gradients[2 * l], delta.T @ a_prev)  # BP4
        np.testing.assert_allclose(gradients[2 * l + 1], delta.sum(axis=0))  # BP3


def test_error_norm_experiment_on_a_small_network():
    results = error_norm_experiment(hidden_layers=3, width=20, n=30)
    for sizes in results.values():
        assert len(sizes["delta"]) == len(sizes["input"]) == len(sizes["gradient"]) == 4
        # ‖δᵀ A‖ ≤ ‖δ‖ ‖A‖ for Frobenius norms (submultiplicativity).
        for d, a, g in zip(sizes["delta"], sizes["input"], sizes["gradient"]):
            assert g <= d * a * (1 + 1e-12)
    exploding = results["ReLU, N(0, 1)"]
    assert exploding["delta"][0] > 10 * exploding["delta"][-1]  # the error grows on its way back
    assert exploding["input"][-1] > 10 * exploding["input"][0]  # the activations on their way up


def test_variance_by_layer_follows_var_z_equals_n_var_w_mean_square_a():
    """A linear network keeps Var z = n_in · Var w · E[a²]: with Var w = c / n_in it scales by c per layer."""
    identity = lambda z: z  # noqa: E731
    for c in (0.5, 1.0, 2.0):
        variances = variance_by_layer(identity, lambda n, c=c: c / n, layers=4, width=400, batch_size=500)
        ratios = np.array(variances[1:]) / np.array(variances[:-1])
        np.testing.assert_allclose(ratios, c, rtol=0.15)
        assert variances[0] == pytest.approx(c, rel=0.15)  # inputs from N(0, 1): E[x²] = 1


def test_the_figures_draw():
    assert set(FIGURES) == {"backprop-one-layer.svg", "variance-by-layer.svg", "error-norms-by-layer.svg",
                            "autograd-graph.svg"}
    for draw in FIGURES.values():
        figure = draw()
        assert figure.axes


def test_an_error_is_the_sum_over_every_path_to_the_outputs():
    """δ^[1]_k = Σ over paths k → j → i of f'(z^[1]_k) w^[2]_jk f'(z^[2]_j) w^[3]_ij δ^[3]_i, path by path."""
    net = Network([2, 3, 4, 2], hidden_activation="tanh", output="sigmoid", loss="quadratic", seed=5, dtype=np.float64)
    x = np.array([[0.3, -0.8]])
    y = np.array([[1.0, 0.0]])
    deltas = layer_errors(net, x, y)
    a, zs = x, []
    for layer in net.layers:
        z, a = layer.forward(a)
        zs.append(z[0])
    W2, W3 = net.layers[1].W, net.layers[2].W
    slope = [1 - np.tanh(z) ** 2 for z in zs[:2]]
    for k in range(3):
        total = 0.0
        for j in range(4):
            for i in range(2):
                total += slope[0][k] * W2[j, k] * slope[1][j] * W3[i, j] * deltas[2][0, i]
        assert total == pytest.approx(deltas[0][0, k], rel=1e-12, abs=1e-15)
