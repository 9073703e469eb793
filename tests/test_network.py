"""The network: shapes, counts, forward values, every gradient, float32, dropout, errors.

References are independent of the code under test: a per-sample forward pass written
with column vectors (as in Nielsen's book), losses written out from their formulas, and
gradients by centred finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from neuralbook.gradcheck import network_numerical_gradients, relative_error
from neuralbook.network import Network

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu"]
PAIRS = [
    ("softmax", "cross_entropy"),
    ("sigmoid", "binary_cross_entropy"),
    ("sigmoid", "cross_entropy"),
    ("sigmoid", "quadratic"),
    ("sigmoid", "mse"),
    ("linear", "quadratic"),
    ("linear", "mse"),
]
INITS = ["standard_normal", "nielsen", "xavier", "he"]


# ----------------------------------------------------------------- references


def _f(name, z):
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "linear":
        return z
    if name == "softmax":
        e = np.exp(z - z.max())
        return e / e.sum()
    raise AssertionError(name)


def reference_forward(net, x):
    """One sample at a time, column vectors: a <- f(W a + b)."""
    outputs = []
    for sample in np.asarray(x, dtype=np.float64):
        a = sample.reshape(-1, 1)
        for layer in net.layers:
            z = layer.W.astype(np.float64) @ a + layer.b.astype(np.float64).reshape(-1, 1)
            a = _f(layer.activation, z)
        outputs.append(a.ravel())
    return np.array(outputs)


def reference_loss(loss, a, y):
    """The losses written out from their definitions (n samples, k outputs)."""
    n, k = a.shape
    if loss == "quadratic":
        return sum(np.sum((y[s] - a[s]) ** 2) for s in range(n)) / (2 * n)
    if loss == "mse":
        return np.sum((y - a) ** 2) / (n * k)
    if loss == "binary_cross_entropy":
        return -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)) / (n * k)
    if loss == "cross_entropy" and k > 1 and np.allclose(a.sum(axis=1), 1) and np.allclose(y.sum(axis=1), 1):
        pass  # ambiguous; the caller says which
    raise AssertionError(loss)


def reference_cross_entropy(output, a, y):
    n = a.shape[0]
    if output == "softmax":
        return -np.sum(y * np.log(a)) / n
    return -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)) / n  # Nielsen: sum over outputs


def targets(output, n, k, rng):
    if output == "softmax":
        return np.eye(k)[rng.integers(0, k, n)]
    if output == "sigmoid":
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.standard_normal((n, k))


# ----------------------------------------------------------------- shapes and counts


@pytest.mark.parametrize("sizes", [[784, 30, 10], [784, 128, 64, 10], [2, 1], [3, 4, 2], [5, 1, 1, 7]])
def test_parameter_count_and_shapes(sizes):
    net = Network(sizes, output="sigmoid", loss="binary_cross_entropy")
    independent = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    assert net.parameter_count == independent
    assert sum(p.size for p in net.parameters()) == independent
    for layer, n_in, n_out in zip(net.layers, sizes[:-1], sizes[1:]):
        assert layer.W.shape == (n_out, n_in) and layer.b.shape == (n_out,)


def test_the_two_mnist_networks_have_the_counts_the_book_states():
    assert Network([784, 30, 10]).parameter_count == 784 * 30 + 30 + 30 * 10 + 10 == 23860
    assert Network([784, 128, 64, 10]).parameter_count == 109386


def test_parameters_are_the_arrays_themselves_in_order():
    net = Network([3, 4, 2], seed=0)
    parameters = net.parameters()
    assert parameters[0] is net.layers[0].W and parameters[1] is net.layers[0].b
    assert parameters[2] is net.layers[1].W and parameters[3] is net.layers[1].b
    x = np.ones((1, 3), dtype=np.float32)
    before = net.forward(x).copy()
    parameters[3][0] += 5.0  # an optimizer's in-place update must reach the network
    assert not np.allclose(net.forward(x), before)


# ----------------------------------------------------------------- forward and loss values


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4),
    hidden=st.sampled_from(HIDDEN),
    pair=st.sampled_from(PAIRS),
    n=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_forward_and_loss_match_per_sample_reference(sizes, hidden, pair, n, seed):
    output, loss = pair
    if output == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    net = Network(sizes, hidden_activation=hidden, output=output, loss=loss, init="xavier", seed=seed, dtype=np.float64)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, sizes[0]))
    y = targets(output, n, sizes[-1], rng)
    a = net.forward(x)
    np.testing.assert_allclose(a, reference_forward(net, x), rtol=1e-10, atol=1e-12)
    if loss == "cross_entropy":
        expected = reference_cross_entropy(output, reference_forward(net, x), y)
    else:
        expected = reference_loss(loss, reference_forward(net, x), y)
    assert net.loss(x, y) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert isinstance(net.loss(x, y), float)


def test_predict_is_argmax_or_threshold():
    net = Network([2, 3], output="softmax", seed=0, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((20, 2))
    np.testing.assert_array_equal(net.predict(x), reference_forward(net, x).argmax(axis=1))
    single = Network([2, 3, 1], output="sigmoid", loss="binary_cross_entropy", seed=0, dtype=np.float64)
    np.testing.assert_array_equal(single.predict(x), (reference_forward(single, x)[:, 0] >= 0.5).astype(int))
    assert single.predict(x).shape == (20,)


def test_integer_labels_are_one_hot_targets():
    net = Network([3, 4, 3], seed=0, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((4, 3))
    labels = np.array([0, 2, 1, 2])
    assert net.loss(x, labels) == net.loss(x, np.eye(3)[labels])
    single = Network([3, 1], output="sigmoid", loss="binary_cross_entropy", dtype=np.float64)
    assert single.loss(x, [0, 1, 1, 0]) == single.loss(x, [[0], [1], [1], [0]])


# ----------------------------------------------------------------- gradients


def _hidden_pre_activations(net, x):
    zs, a = [], np.asarray(x, dtype=np.float64)
    for layer in net.layers[:-1]:
        z = a @ layer.W.T + layer.b
        zs.append(z)
        a = layer.f(z)
    return zs


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    hidden=st.sampled_from(HIDDEN),
    pair=st.sampled_from(PAIRS),
    init=st.sampled_from(INITS),
    n=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_every_gradient_agrees_with_finite_differences(sizes, hidden, pair, init, n, seed):
    output, loss = pair
    if output == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    net = Network(sizes, hidden_activation=hidden, output=output, loss=loss, init=init, seed=seed, dtype=np.float64)
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((n, sizes[0]))
    y = targets(output, n, sizes[-1], rng)
    if hidden in ("relu", "leaky_relu"):
        # Finite differences are meaningless across the kink at 0; keep away from it.
        assume(all(np.abs(z).min() > 1e-3 for z in _hidden_pre_activations(net, x)))
    loss_value, gradients = net.loss_and_gradients(x, y)
    assert loss_value == pytest.approx(net.loss(x, y), rel=1e-12)
    numeric = network_numerical_gradients(net, x, y, epsilon=1e-5)
    for g_bp, g_fd, p in zip(gradients, numeric, net.parameters()):
        assert g_bp.shape == p.shape
        if np.linalg.norm(g_fd) < 1e-7:  # too small for a relative comparison: compare absolutely
            assert np.abs(g_bp - g_fd).max() < 1e-9
        else:
            assert relative_error(g_bp, g_fd) < 1e-6


def test_softmax_cross_entropy_gradient_on_a_batch():
    net = Network([4, 6, 5, 3], hidden_activation="tanh", output="softmax", loss="cross_entropy",
                  init="xavier", seed=5, dtype=np.float64)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 4)), np.eye(3)[rng.integers(0, 3, 8)]
    _, gradients = net.loss_and_gradients(x, y)
    numeric = network_numerical_gradients(net, x, y)
    everything = relative_error(np.concatenate([g.ravel() for g in gradients]),
                                np.concatenate([g.ravel() for g in numeric]))
    assert everything < 1e-8


def test_output_error_of_softmax_cross_entropy_is_a_minus_y_over_n():
    """For a one-layer softmax network, dC/db = mean over samples of (a - y)."""
    net = Network([3, 4], output="softmax", seed=2, dtype=np.float64)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((5, 3)), np.eye(4)[rng.integers(0, 4, 5)]
    _, (dW, db) = net.loss_and_gradients(x, y)
    a = reference_forward(net, x)
    np.testing.assert_allclose(db, (a - y).mean(axis=0), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dW, (a - y).T @ x / 5, rtol=1e-12, atol=1e-14)


def test_nielsen_quadratic_output_error_has_the_sigmoid_prime_factor():
    net = Network([3, 2], output="sigmoid", loss="quadratic", seed=2, dtype=np.float64)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((5, 3)), rng.integers(0, 2, (5, 2)).astype(float)
    _, (dW, db) = net.loss_and_gradients(x, y)
    a = reference_forward(net, x)
    np.testing.assert_allclose(db, ((a - y) * a * (1 - a)).sum(axis=0) / 5, rtol=1e-12)


# ----------------------------------------------------------------- float32


@pytest.mark.parametrize("output, loss", PAIRS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_float32_stays_float32_and_agrees_with_float64(hidden, output, loss):
    net32 = Network([6, 5, 4, 3], hidden_activation=hidden, output=output, loss=loss, seed=0,
                    dtype=np.float32, dropout=0.2)
    net64 = Network.from_config(dict(net32.config, dtype="float64"), net32.parameters())
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 6))  # float64 data: converted, not allowed to upcast the network
    y = targets(output, 7, 3, rng)
    assert net32.forward(x).dtype == np.float32
    loss32, g32 = net32.loss_and_gradients(x, y, rng=np.random.default_rng(1))
    loss64, g64 = net64.loss_and_gradients(x, y, rng=np.random.default_rng(1))
    assert all(g.dtype == np.float32 for g in g32)
    assert all(p.dtype == np.float32 for p in net32.parameters())
    assert loss32 == pytest.approx(loss64, rel=1e-4)
    for a, b in zip(g32, g64):
        np.testing.assert_allclose(a, b, rtol=2e-3, atol=1e-5)


# ----------------------------------------------------------------- dropout


def test_dropout_gradient_with_a_fixed_mask_agrees_with_finite_differences():
    net = Network([5, 8, 7, 3], hidden_activation="tanh", seed=3, dtype=np.float64, dropout=0.4)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 5)), np.eye(3)[rng.integers(0, 3, 6)]
    _, gradients = net.loss_and_gradients(x, y, rng=np.random.default_rng(11))
    numeric = network_numerical_gradients(net, x, y, dropout_seed=11)
    for g_bp, g_fd in zip(gradients, numeric):
        assert relative_error(g_bp, g_fd) < 1e-7
    # The mask really acts: the gradients differ from those without dropout.
    _, plain = net.loss_and_gradients(x, y)
    assert not np.allclose(plain[0], gradients[0])


def test_without_rng_there_is_no_dropout():
    net = Network([5, 8, 3], seed=3, dtype=np.float64, dropout=0.5)
    twin = Network.from_config(dict(net.config, dropout=0.0), net.parameters())
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 5)), np.eye(3)[rng.integers(0, 3, 6)]
    loss, gradients = net.loss_and_gradients(x, y)
    loss_twin, gradients_twin = twin.loss_and_gradients(x, y, rng=np.random.default_rng(0))
    assert loss == loss_twin
    assert all(np.array_equal(a, b) for a, b in zip(gradients, gradients_twin))


def test_inverted_dropout_keeps_the_expected_activation():
    """[1, 4000, 1]: every hidden unit outputs 1, the output is their mean.

    Inverted dropout scales kept units by 1/(1 - p), so the output stays about 1 and
    the quadratic loss against 0 stays about 1/2; plain dropout would give about 1/8.
    """
    p = 0.5
    net = Network([1, 4000, 1], output="linear", loss="quadratic", dtype=np.float64, dropout=p)
    net.layers[0].W[:] = 1.0
    net.layers[1].W[:] = 1 / 4000
    x, y = np.ones((50, 1)), np.zeros((50, 1))
    loss_value, _ = net.loss_and_gradients(x, y, rng=np.random.default_rng(0))
    assert loss_value == pytest.approx(0.5, rel=0.01)
    assert loss_value != 0.5  # the masks are really random
    # dC/db1 = mean over samples of out * W2 * mask: kept units see the 1/(1-p) factor.
    _, gradients = net.loss_and_gradients(x[:1], y[:1], rng=np.random.default_rng(1))
    db1 = gradients[1]
    dropped = db1 == 0
    assert 0.45 < dropped.mean() < 0.55


# ----------------------------------------------------------------- config and errors


def test_config_rebuilds_the_same_network():
    net = Network([4, 3, 2], hidden_activation="tanh", output="sigmoid", loss="quadratic", init="nielsen",
                  seed=9, dtype=np.float32, dropout=0.1)
    config = net.config
    assert config["dtype"] == "float32" and isinstance(config["dtype"], str)
    assert config["sizes"] == [4, 3, 2] and config["dropout"] == 0.1
    rebuilt = Network.from_config(config)
    assert all(np.array_equal(a, b) for a, b in zip(net.parameters(), rebuilt.parameters()))
    assert rebuilt.config == config
    trained = [p + 1 for p in net.parameters()]
    loaded = Network.from_config(config, trained)
    assert all(np.array_equal(a, b) for a, b in zip(loaded.parameters(), trained))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sizes": [784]}, "at least two sizes"),
        ({"sizes": [784, 0, 10]}, "positive integer"),
        ({"hidden_activation": "swish"}, "unknown hidden_activation 'swish'"),
        ({"output": "tanh"}, "unknown output 'tanh'"),
        ({"loss": "hinge"}, "unknown loss 'hinge'"),
        ({"output": "softmax", "loss": "quadratic"}, "softmax output cannot be trained with the quadratic loss"),
        ({"output": "linear", "loss": "cross_entropy"}, "pair it with: quadratic, mse"),
        ({"init": "kaiming"}, "unknown init 'kaiming'"),
        ({"dtype": np.float16}, "float32 or float64"),
        ({"dropout": 1.0}, r"dropout in \[0, 1\)"),
        ({"sizes": [3, 1], "output": "softmax"}, "at least two classes"),
    ],
)
def test_bad_construction_is_a_clear_error(kwargs, message):
    arguments = {"sizes": [784, 30, 10], **kwargs}
    with pytest.raises(ValueError, match=message):
        Network(**arguments)


def test_bad_inputs_are_clear_errors():
    net = Network([784, 30, 10])
    with pytest.raises(ValueError, match=r"expected x of shape \(n, 784\), got \(5, 28, 28\).*reshape"):
        net.forward(np.zeros((5, 28, 28)))
    with pytest.raises(ValueError, match=r"expected x of shape \(n, 784\), got \(784,\).*x\[None, :\]"):
        net.forward(np.zeros(784))
    x = np.zeros((2, 784))
    x[1, 3] = np.nan
    with pytest.raises(ValueError, match="x contains NaN or infinity"):
        net.forward(x)
    x[1, 3] = np.inf
    with pytest.raises(ValueError, match="x contains NaN or infinity"):
        net.loss_and_gradients(x, [0, 1])
    with pytest.raises(ValueError, match=r"expected y of shape \(2, 10\) to match x with 2 samples, got \(3, 10\)"):
        net.loss(np.zeros((2, 784)), np.zeros((3, 10)))
    with pytest.raises(ValueError, match=r"class labels in 0..9, got values from 0 to 10"):
        net.loss(np.zeros((2, 784)), np.array([0, 10]))
    y = np.eye(10)[[0, 1]]
    y[0, 0] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        net.loss(np.zeros((2, 784)), y)
    with pytest.raises(ValueError, match="at least one sample"):
        net.forward(np.zeros((0, 784)))


def test_huge_but_finite_inputs_are_accepted():
    net = Network([3, 2], dtype=np.float32)
    x = np.full((4, 3), 3e38, dtype=np.float32)  # the sum overflows, the values do not
    assert net.forward(x).shape == (4, 2)


def test_bad_parameters_are_clear_errors():
    net = Network([3, 4, 2])
    with pytest.raises(ValueError, match=r"expected W2 of shape \(2, 4\), got \(4, 2\)"):
        net.set_parameters([np.zeros((4, 3)), np.zeros(4), np.zeros((4, 2)), np.zeros(2)])
    with pytest.raises(ValueError, match="expected 4 parameter arrays, got 2"):
        net.set_parameters([np.zeros((4, 3)), np.zeros(4)])
    with pytest.raises(ValueError, match="unknown config keys: colour"):
        Network.from_config({"sizes": [3, 2], "colour": "red"})
