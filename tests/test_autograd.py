"""The scalar autograd (neuralbook.autograd.Value) against independent references.

Random expressions are differentiated and compared with finite differences of the same
expression computed with plain floats and the ``math`` module; a small network built
from Values is compared with the package's backpropagation; a few gradients are
compared with derivatives worked out by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from neuralbook.autograd import Value
from neuralbook.network import Network

N_VARIABLES = 3

# ----------------------------------------------------------------------------- random expressions
# An expression is a nested tuple: ("x", i) is variable i, ("c", number) a constant,
# (operation, child...) an operation. `evaluate` computes it from the same tree twice:
# with Values, and with floats and `math`, the reference.

UNARY = ("neg", "exp", "log", "tanh", "sigmoid", "relu", "square", "cube", "sqrt", "inverse_sqrt")
BINARY = ("add", "sub", "mul", "div")
NUMBER_SIDE = ("add_number", "number_add", "sub_number", "number_sub", "mul_number", "number_mul",
               "div_number", "number_div")

leaves = st.one_of(
    st.tuples(st.just("x"), st.integers(0, N_VARIABLES - 1)),
    st.tuples(st.just("c"), st.floats(-3, 3, allow_nan=False)),
)


def _extend(children):
    number = st.floats(-3, 3, allow_nan=False).filter(lambda c: abs(c) > 0.1)
    return st.one_of(
        st.tuples(st.sampled_from(UNARY), children),
        st.tuples(st.sampled_from(BINARY), children, children),
        st.tuples(st.sampled_from(NUMBER_SIDE), children, number),
    )


expressions = st.recursive(leaves, _extend, max_leaves=12)


class Unreliable(Exception):
    """The expression leaves the region where finite differences can be trusted."""


def _sigmoid(v):
    return 1 / (1 + math.exp(-v))


def evaluate(tree, variables, as_values):
    """The expression's value; with ``as_values``, ``variables`` are Values and so is the result."""
    kind = tree[0]
    if kind == "x":
        return variables[tree[1]]
    if kind == "c":
        return Value(tree[1]) if as_values else tree[1]
    a = evaluate(tree[1], variables, as_values)
    plain = a if not as_values else a.data
    if abs(plain) > 1e4:
        raise Unreliable
    if kind in BINARY:
        b = evaluate(tree[2], variables, as_values)
        b_plain = b if not as_values else b.data
        if abs(b_plain) > 1e4:
            raise Unreliable
        if kind == "div" and abs(b_plain) < 0.1:
            raise Unreliable
        return {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b, "div": lambda: a / b}[kind]()
    if kind in NUMBER_SIDE:
        c = tree[2]
        if kind == "number_div" and abs(plain) < 0.1:
            raise Unreliable
        return {
            "add_number": lambda: a + c, "number_add": lambda: c + a,
            "sub_number": lambda: a - c, "number_sub": lambda: c - a,
            "mul_number": lambda: a * c, "number_mul": lambda: c * a,
            "div_number": lambda: a / c, "number_div": lambda: c / a,
        }[kind]()
    if kind in ("log", "sqrt", "inverse_sqrt") and plain < 0.1:
        raise Unreliable  # outside the domain, or too close to its edge
    if kind == "relu" and abs(plain) < 1e-3:
        raise Unreliable  # the kink: no derivative there
    if kind == "exp" and plain > 8:
        raise Unreliable
    if as_values:
        return {
            "neg": lambda: -a, "exp": a.exp, "log": a.log, "tanh": a.tanh, "sigmoid": a.sigmoid,
            "relu": a.relu, "square": lambda: a ** 2, "cube": lambda: a ** 3, "sqrt": lambda: a ** 0.5,
            "inverse_sqrt": lambda: a ** -0.5,
        }[kind]()
    return {
        "neg": lambda: -a, "exp": lambda: math.exp(a), "log": lambda: math.log(a), "tanh": lambda: math.tanh(a),
        "sigmoid": lambda: _sigmoid(a), "relu": lambda: max(0.0, a), "square": lambda: a * a,
        "cube": lambda: a * a * a, "sqrt": lambda: math.sqrt(a), "inverse_sqrt": lambda: 1 / math.sqrt(a),
    }[kind]()


def _uses_variable(tree):
    return tree[0] == "x" or any(isinstance(child, tuple) and _uses_variable(child) for child in tree[1:])


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.filter_too_much])
@given(expressions, st.lists(st.floats(-2, 2, allow_nan=False), min_size=N_VARIABLES, max_size=N_VARIABLES))
def test_gradients_of_random_expressions_match_finite_differences(tree, point):
    assume(_uses_variable(tree))
    variables = [Value(v) for v in point]
    try:
        f = evaluate(tree, variables, as_values=True)
    except Unreliable:
        assume(False)
    assert f.data == pytest.approx(evaluate(tree, point, as_values=False), rel=1e-12, abs=1e-12)
    f.backward()
    h = 1e-6
    for i in range(N_VARIABLES):
        try:
            values = []
            for step in (-2, -1, 1, 2):
                shifted = list(point)
                shifted[i] += step * h
                values.append(evaluate(tree, shifted, as_values=False))
        except Unreliable:
            assume(False)
        # Fourth-order centred difference: its error is O(h^4), far below the tolerance.
        numeric = (values[0] - 8 * values[1] + 8 * values[2] - values[3]) / (12 * h)
        assert variables[i].grad == pytest.approx(numeric, rel=1e-5, abs=1e-6 * max(1.0, abs(f.data)))


# ----------------------------------------------------------------------------- by hand


def test_gradients_from_two_paths_add():
    x = Value(3.0)
    f = x * x + x  # x reaches f along three edges: df/dx = 2x + 1
    f.backward()
    assert f.data == 12.0 and x.grad == 7.0


def test_the_same_value_used_in_two_branches():
    x = Value(0.5)
    a = x.tanh()
    f = a * a.exp()  # df/dx = (1 + tanh x) e^(tanh x) (1 - tanh^2 x)
    f.backward()
    t = math.tanh(0.5)
    assert x.grad == pytest.approx((1 + t) * math.exp(t) * (1 - t * t), rel=1e-14)


def test_numbers_on_either_side():
    x = Value(4.0)
    for f, value, derivative in [
        (lambda v: 2 - v, -2.0, -1.0), (lambda v: v - 2, 2.0, 1.0), (lambda v: 2 + v, 6.0, 1.0),
        (lambda v: 3 * v, 12.0, 3.0), (lambda v: v * 3, 12.0, 3.0), (lambda v: 2 / v, 0.5, -2 / 16),
        (lambda v: v / 2, 2.0, 0.5), (lambda v: v ** 0.5, 2.0, 0.25), (lambda v: -v, -4.0, -1.0),
    ]:
        x.grad = 0.0
        out = f(x)
        out.backward()
        assert (out.data, x.grad) == pytest.approx((value, derivative), rel=1e-15)


def test_relu_and_sigmoid_by_hand():
    x, y = Value(-1.0), Value(2.0)
    f = x.relu() + y.relu() + x.sigmoid()
    f.backward()
    s = 1 / (1 + math.exp(1.0))
    assert f.data == pytest.approx(2.0 + s) and x.grad == pytest.approx(s * (1 - s)) and y.grad == 1.0
    assert Value(-800.0).sigmoid().data == 0.0 and Value(800.0).sigmoid().data == 1.0


def test_bad_operations_say_what_is_wrong():
    with pytest.raises(ValueError, match="log needs a positive value, got -1.0"):
        Value(-1.0).log()
    with pytest.raises(TypeError, match="exponent must be a number"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(ValueError, match="is not a real number"):
        Value(-8.0) ** 0.5


def test_a_long_chain_does_not_hit_the_recursion_limit():
    x = Value(1.0)
    total = x
    for _ in range(5000):
        total = total + x
    total.backward()
    assert total.data == 5001.0 and x.grad == 5001.0


# ----------------------------------------------------------------------------- against the package


def _value_network(net, x, y):
    """The loss of one example computed with Values from the network's parameters."""
    parameters = [np.vectorize(Value, otypes=[object])(p) for p in net.parameters()]
    a = [Value(v) for v in x]
    for l in range(len(net.layers)):
        W, b = parameters[2 * l], parameters[2 * l + 1]
        z = [sum((W[j, k] * a[k] for k in range(len(a))), b[j]) for j in range(W.shape[0])]
        last = l == len(net.layers) - 1
        activation = net.output if last else net.hidden_activation
        if activation == "softmax":
            a = z
        else:
            a = [getattr(v, activation)() for v in z]
    if net.loss_name == "quadratic":
        loss = sum((a_j - y_j) ** 2 for a_j, y_j in zip(a, y)) * 0.5
    else:  # softmax with cross-entropy, from the logits
        label = int(np.argmax(y))
        loss = -(a[label].exp() / sum(v.exp() for v in a)).log()
    return loss, parameters


@pytest.mark.parametrize("sizes, hidden, output, loss_name", [
    ([2, 3, 1], "sigmoid", "sigmoid", "quadratic"),
    ([2, 3, 1], "tanh", "sigmoid", "quadratic"),
    ([3, 4, 3], "relu", "softmax", "cross_entropy"),
    ([2, 3, 2, 2], "sigmoid", "softmax", "cross_entropy"),
])
def test_a_network_of_values_has_the_packages_gradients(sizes, hidden, output, loss_name):
    net = Network(sizes, hidden_activation=hidden, output=output, loss=loss_name, init="standard_normal",
                  seed=4, dtype=np.float64)
    rng = np.random.default_rng(5)
    x = rng.standard_normal(sizes[0])
    y = np.eye(sizes[-1])[1] if sizes[-1] > 1 else np.array([1.0])
    expected_loss, expected = net.loss_and_gradients(x[None, :], y[None, :])
    loss, parameters = _value_network(net, x, y)
    loss.backward()
    assert loss.data == pytest.approx(expected_loss, rel=1e-12)
    for p, g in zip(parameters, expected):
        grads = np.vectorize(lambda v: v.grad, otypes=[float])(p)
        np.testing.assert_allclose(grads, g, rtol=1e-10, atol=1e-14)
        assert np.any(grads != 0)
