"""The exercises: the book's references pass, slightly wrong answers fail, wrappers match the package."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from markdown.extensions.toc import slugify

from neuralbook import exercises
from neuralbook.exercises import EXERCISES, check
from neuralbook.layers import Dense
from neuralbook.network import Network
from neuralbook.optimizers import SGD, Adam, Momentum
from neuralbook.perceptron import Perceptron

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _quiet_check(name, function, capsys):
    result = check(name, function)
    return result, capsys.readouterr().out


# --------------------------------------------------------------------------- the references pass


@pytest.mark.parametrize("name", list(EXERCISES))
def test_the_book_s_reference_passes_every_case(name, capsys):
    result, out = _quiet_check(name, EXERCISES[name].reference, capsys)
    assert result, out
    lines = out.splitlines()
    assert len(lines) == len(EXERCISES[name].cases) + 1
    assert all(line.startswith("right  ") for line in lines[:-1])
    assert lines[-1] == f"{name}: {len(EXERCISES[name].cases)} of {len(EXERCISES[name].cases)} cases right"


@pytest.mark.parametrize("name", list(EXERCISES))
def test_every_exercise_points_to_a_section_that_exists(name):
    sections = {EXERCISES[name].section} | {case.section for case in EXERCISES[name].cases if case.section}
    for section in sections:
        page, anchor = section.split("#")
        text = (DOCS / page).read_text(encoding="utf-8")
        anchors = set()
        for match in re.finditer(r"^#{1,6} (.*?)\s*(?:\{ *#([\w-]+) *\})?$", text, re.MULTILINE):
            anchors.add(match.group(2) or slugify(match.group(1), "-"))
        assert anchor in anchors, f"{section}: no such heading on {page}"


# --------------------------------------------------------------------------- wrong answers fail


def _naive_sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return 1 / (1 + np.exp(-z))


def _sigmoid(z):
    z = np.asarray(z)
    z = z if z.dtype.kind == "f" else z.astype(np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _softmax(z, stable=True, axis=-1):
    z = np.asarray(z)
    z = z if z.dtype.kind == "f" else z.astype(np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True)) if stable else np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def _relu(z):
    return np.maximum(z, 0)


def _forward(x, W1, b1, W2, b2):
    z1 = x @ W1.T + b1
    a1 = _relu(z1)
    return z1, a1, _softmax(a1 @ W2.T + b2)


def _gradients(x, y, W1, b1, W2, b2, average=True, sign=1):
    """The network's gradients written out here from BP1–BP4, independently of the package."""
    z1, a1, a2 = _forward(x, W1, b1, W2, b2)
    delta2 = sign * (a2 - y) / (len(x) if average else 1)
    delta1 = (delta2 @ W2) * (z1 > 0)
    return delta1.T @ x, delta1.sum(axis=0), delta2.T @ a1, delta2.sum(axis=0)


def _train_epoch(params, x, y, order, batch_size, learning_rate, divide_by_batch_size=False, use_order=True):
    params = [p.copy() for p in params]
    order = np.asarray(order) if use_order else np.arange(len(x))
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        grads = _gradients(x[batch], y[batch], *params, average=not divide_by_batch_size)
        if divide_by_batch_size:
            grads = [g / batch_size for g in grads]
        params = [p - learning_rate * g for p, g in zip(params, grads)]
    return params


def _clip(p):
    return np.clip(p, 1e-12, 1 - 1e-12)


def _momentum_u_form(p, g, v, learning_rate, beta):
    u = beta * v + g
    return p - learning_rate * u, u


def _adam(p, g, m, s, t, learning_rate, beta1, beta2, epsilon, correct=True, eps_inside=False):
    m = beta1 * m + (1 - beta1) * g
    s = beta2 * s + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t) if correct else m
    s_hat = s / (1 - beta2**t) if correct else s
    denominator = np.sqrt(s_hat + epsilon) if eps_inside else np.sqrt(s_hat) + epsilon
    return p - learning_rate * m_hat / denominator, m, s


def _in_place_sgd(params, grads, learning_rate):
    for p, g in zip(params, grads):
        p -= learning_rate * g
    return params


def _in_place_perceptron(w, b, x, y, learning_rate):
    error = y - (1.0 if w @ x + b >= 0 else 0.0)
    w += learning_rate * error * x
    return w, b + learning_rate * error


def _one_sided(f, x, epsilon):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(x.shape):
        nudged = x.copy()
        nudged[i] += epsilon
        g[i] = (f(nudged) - base) / epsilon
    return g


def _centred(f, x, epsilon):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += epsilon
        down[i] -= epsilon
        g[i] = (f(up) - f(down)) / (2 * epsilon)
    return g


#: For every problem: a right answer written independently here, and slightly wrong ones.
RIGHT = {
    "weighted_sum": lambda x, w, b: np.asarray(x) @ np.asarray(w) + b,
    "neuron": lambda x, w, b: np.where(np.asarray(x) @ w + b >= 0, 1.0, 0.0),
    "perceptron_update": lambda w, b, x, y, lr: (w + lr * (y - float(w @ x + b >= 0)) * x, b + lr * (y - float(w @ x + b >= 0))),
    "sigmoid": _sigmoid,
    "sigmoid_prime": lambda z: _sigmoid(z) * _sigmoid(-np.asarray(z)),
    "softmax": _softmax,
    "dense_forward": lambda a, W, b: (a @ W.T + b, _relu(a @ W.T + b)),
    "network_forward": lambda *args: _forward(*args)[2],
    "quadratic_cost": lambda y, a: np.sum((y - a) ** 2) / (2 * len(a)),
    "binary_cross_entropy": lambda y, p: -np.mean(y * np.log(_clip(p)) + (1 - y) * np.log(1 - _clip(p))),
    "categorical_cross_entropy": lambda y, p: -np.sum(y * np.log(_clip(p))) / len(p),
    "dense_backward": lambda d, a, W: (d.T @ a, d.sum(axis=0), d @ W),
    "network_gradients": _gradients,
    "relative_error": lambda a, b: 0.0 if not (np.any(a) or np.any(b)) else np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)),
    "numerical_gradient": _centred,
    "sgd_step": lambda params, grads, lr: [p - lr * g for p, g in zip(params, grads)],
    "momentum_step": lambda p, g, v, lr, beta: (p + (beta * v - lr * g), beta * v - lr * g),
    "adam_step": _adam,
    "train_epoch": _train_epoch,
}

WRONG = {
    "weighted_sum": [
        ("the whole batch summed into one number", lambda x, w, b: np.sum(np.asarray(x) * w) + b),
        ("the bias subtracted", lambda x, w, b: np.asarray(x) @ w - b),
    ],
    "neuron": [("z > 0 instead of z ≥ 0", lambda x, w, b: np.where(np.asarray(x) @ w + b > 0, 1.0, 0.0))],
    "perceptron_update": [
        ("the error's sign flipped", lambda w, b, x, y, lr: (w - lr * (y - float(w @ x + b >= 0)) * x, b - lr * (y - float(w @ x + b >= 0)))),
        ("w updated in place", _in_place_perceptron),
    ],
    "sigmoid": [
        ("the formula as written: overflow warning at z = -1000", _naive_sigmoid),
        ("float32 returned as float64", lambda z: _sigmoid(np.asarray(z, dtype=np.float64))),
        ("clipped to ±500, which overflows in float32", lambda z: 1 / (1 + np.exp(-np.clip(z, -500, 500)))),
    ],
    "sigmoid_prime": [
        ("σ(1 − σ): zero at z = 40", lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
        ("σ instead of σ'", _sigmoid),
    ],
    "softmax": [
        ("no max subtraction", lambda z: _softmax(z, stable=False)),
        ("normalised over the columns", lambda z: _softmax(z, axis=0)),
        ("the whole batch's largest score subtracted", lambda z: np.exp(z - np.max(z)) / np.exp(z - np.max(z)).sum(axis=-1, keepdims=True)),
    ],
    "dense_forward": [
        ("a_prev @ W: a shape error", lambda a, W, b: (a @ W + b, _relu(a @ W + b))),
        ("a sigmoid instead of the ReLU", lambda a, W, b: (a @ W.T + b, _sigmoid(a @ W.T + b))),
    ],
    "network_forward": [
        ("the softmax without max subtraction", lambda x, W1, b1, W2, b2: _softmax(_relu(x @ W1.T + b1) @ W2.T + b2, stable=False)),
        ("no ReLU in the hidden layer", lambda x, W1, b1, W2, b2: _softmax((x @ W1.T + b1) @ W2.T + b2)),
    ],
    "quadratic_cost": [
        ("the mean over every element", lambda y, a: np.mean((y - a) ** 2) / 2),
        ("without the ½", lambda y, a: np.sum((y - a) ** 2) / len(a)),
    ],
    "binary_cross_entropy": [
        ("no clipping: 0 · ln 0 gives nan", lambda y, p: -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        ("the sum instead of the mean", lambda y, p: -np.sum(y * np.log(_clip(p)) + (1 - y) * np.log(1 - _clip(p)))),
    ],
    "categorical_cross_entropy": [
        ("no clipping: 0 · ln 0 gives nan", lambda y, p: -np.sum(y * np.log(p)) / len(p)),
        ("the mean over every element", lambda y, p: -np.mean(y * np.log(_clip(p)))),
    ],
    "dense_backward": [
        ("db as the mean over the rows", lambda d, a, W: (d.T @ a, d.mean(axis=0), d @ W)),
        ("dW transposed", lambda d, a, W: (a.T @ d, d.sum(axis=0), d @ W)),
    ],
    "network_gradients": [
        ("the batch summed, not averaged", lambda *args: _gradients(*args, average=False)),
        ("off by sign", lambda *args: _gradients(*args, sign=-1)),
    ],
    "relative_error": [
        ("divided by the larger norm only", lambda a, b: np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b))),
        ("no zero check: 0/0", lambda a, b: np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))),
    ],
    "numerical_gradient": [("one-sided differences", _one_sided)],
    "sgd_step": [
        ("updated in place", _in_place_sgd),
        ("uphill", lambda params, grads, lr: [p + lr * g for p, g in zip(params, grads)]),
    ],
    "momentum_step": [("the u-form velocity", _momentum_u_form)],
    "adam_step": [
        ("no bias correction", lambda *args: _adam(*args, correct=False)),
        ("ε inside the square root", lambda *args: _adam(*args, eps_inside=True)),
    ],
    "train_epoch": [
        ("the order ignored", lambda *args: _train_epoch(*args, use_order=False)),
        ("every batch divided by batch_size", lambda *args: _train_epoch(*args, divide_by_batch_size=True)),
    ],
}


def test_every_problem_has_a_right_and_a_wrong_answer_here():
    assert set(RIGHT) == set(EXERCISES) == set(WRONG)


@pytest.mark.parametrize("name", list(EXERCISES))
def test_an_answer_written_independently_passes(name, capsys):
    result, out = _quiet_check(name, RIGHT[name], capsys)
    assert result, out


@pytest.mark.parametrize("name, mistake, function", [(n, m, f) for n, cases in WRONG.items() for m, f in cases])
def test_a_slightly_wrong_answer_fails(name, mistake, function, capsys):
    result, out = _quiet_check(name, function, capsys)
    assert result is False, f"{name}: {mistake} passed:\n{out}"
    wrong = [line for line in out.splitlines() if line.startswith("WRONG")]
    assert wrong and all("(see " in line and ".md#" in line for line in wrong)
    assert "Traceback" not in out


def test_warnings_and_exceptions_become_sentences(capsys):
    result, out = _quiet_check("sigmoid", _naive_sigmoid, capsys)
    assert not result and 'warned "overflow encountered in exp"' in out

    def broken(z):
        raise ZeroDivisionError("oops")

    result, out = _quiet_check("sigmoid", broken, capsys)
    assert not result and "your function raised ZeroDivisionError: oops" in out
    result, out = _quiet_check("dense_forward", WRONG["dense_forward"][0][1], capsys)
    assert "your function raised ValueError: matmul" in out
    result, out = _quiet_check("sgd_step", _in_place_sgd, capsys)
    assert "changed its input in place" in out


def test_a_wrong_case_says_what_was_expected_and_what_came(capsys):
    _, out = _quiet_check("sigmoid", WRONG["sigmoid"][1][1], capsys)
    assert "WRONG  float32 input stays float32: expected dtype float32 (the input's), got float64 (see activations.md#the-sigmoid)" in out
    _, out = _quiet_check("dense_backward", WRONG["dense_backward"][1][1], capsys)
    assert "expected shape (2, 4), got shape (4, 2)" in out
    _, out = _quiet_check("softmax", WRONG["softmax"][0][1], capsys)
    assert "not finite" in out


def test_a_case_s_arguments_survive_a_function_that_changes_them(capsys):
    before = [p.copy() for p in EXERCISES["sgd_step"].cases[0].args[0]]
    check("sgd_step", _in_place_sgd)
    capsys.readouterr()
    assert all(np.array_equal(a, b) for a, b in zip(before, EXERCISES["sgd_step"].cases[0].args[0]))


def test_unknown_names_and_non_functions_are_refused():
    with pytest.raises(KeyError, match="no exercise named 'sigmod'"):
        check("sigmod", print)
    with pytest.raises(TypeError, match="expected your function"):
        check("sigmoid", 3)


def test_hint_and_solution_print(capsys):
    exercises.hint("adam_step")
    out = capsys.readouterr().out
    assert "def adam_step(p, g, m, s, t" in out and "See optimizers.md#adam" in out
    exercises.solution("momentum_step")
    out = capsys.readouterr().out
    assert out.startswith("def momentum_step(") and "beta * v - learning_rate * g" in out


# --------------------------------------------------------------------------- the pure wrappers match the package


def test_the_worked_network_is_the_chapters():
    W1, b1, W2, b2 = exercises.worked_network()
    assert W1.tolist() == [[0.0, 0.3, -0.3], [-0.9, -0.5, -1.0], [0.1, 1.3, -0.5], [-0.6, 0.5, 0.4]]
    assert b2.tolist() == [0.2, -0.2]
    a2 = exercises.network_forward(np.array([[1.0, 0.5, -2.0]]), W1, b1, W2, b2)
    z2 = np.array([-1.3 * 0.85 - 1.9 * 1.75 + 0.2, -1.8 * 0.85 - 1.3 * 1.75 - 0.2])  # by hand, the chapter's steps
    assert np.allclose(a2[0], np.exp(z2) / np.exp(z2).sum())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dense_forward_and_backward_match_the_layer(dtype):
    rng = np.random.default_rng(3)
    layer = Dense(3, 4, activation="relu", init="he", rng=rng, dtype=dtype)
    x = rng.normal(size=(6, 3)).astype(dtype)
    z, a = layer.forward(x)
    mine = exercises.dense_forward(x, layer.W, layer.b)
    assert np.allclose(mine[0], z) and np.allclose(mine[1], a) and mine[1].dtype == dtype
    delta = rng.normal(size=(6, 4)).astype(dtype)
    for theirs, ours in zip(layer.backward(delta, x), exercises.dense_backward(delta, x, layer.W)):
        assert np.allclose(theirs, ours, rtol=1e-6)


def test_network_gradients_agree_with_finite_differences():
    rng = np.random.default_rng(4)
    params = [rng.normal(size=s) for s in [(4, 3), (4,), (2, 4), (2,)]]
    x, y = rng.normal(size=(5, 3)), np.eye(2)[[0, 1, 1, 0, 0]]

    def cost(W1, b1, W2, b2):
        a2 = _forward(x, W1, b1, W2, b2)[2]
        return -np.sum(y * np.log(a2)) / len(x)

    gradients = exercises.network_gradients(x, y, *params)
    for i, g in enumerate(gradients):
        def f(p, i=i):
            return cost(*[p if j == i else q for j, q in enumerate(params)])
        assert np.allclose(g, _centred(f, params[i], 1e-6), atol=1e-7)


def test_perceptron_update_matches_the_rule_by_hand_and_leaves_w_alone():
    w = np.array([0.137, -0.23])
    new_w, new_b = exercises.perceptron_update(w, -0.459, np.array([1.0, 1.0]), 1, 0.1)
    assert np.allclose(new_w, [0.237, -0.13]) and np.isclose(new_b, -0.359)
    assert w.tolist() == [0.137, -0.23]
    model = Perceptron(2, learning_rate=0.1, init="zeros")  # the package's rule, one sample, one epoch
    model.w, model.b = w.copy(), -0.459
    model.train(np.array([[1.0, 1.0]]), np.array([1]), max_epochs=1)
    assert np.allclose(model.w, new_w) and np.isclose(model.b, new_b)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_optimizer_steps_match_the_package_s_classes(dtype):
    rng = np.random.default_rng(5)
    start = rng.normal(size=(3, 2)).astype(dtype)
    gradients = [rng.normal(size=(3, 2)).astype(dtype) for _ in range(6)]
    tolerance = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-14}

    p, optimizer = start.copy(), SGD(0.1)
    q = start.copy()
    for g in gradients:
        optimizer.step([p], [g])
        (q,) = exercises.sgd_step([q], [g], 0.1)
    assert np.allclose(p, q, **tolerance) and q.dtype == dtype

    p, optimizer = start.copy(), Momentum(0.05, beta=0.8)
    q, v = start.copy(), np.zeros_like(start)
    for g in gradients:
        optimizer.step([p], [g])
        q, v = exercises.momentum_step(q, g, v, 0.05, 0.8)
    assert np.allclose(p, q, **tolerance) and np.allclose(optimizer.state[0]["velocity"], v, **tolerance)
    assert q.dtype == dtype

    p, optimizer = start.copy(), Adam(0.01, beta1=0.9, beta2=0.99, epsilon=1e-7)
    q, m, s = start.copy(), np.zeros_like(start), np.zeros_like(start)
    for t, g in enumerate(gradients, start=1):
        optimizer.step([p], [g])
        q, m, s = exercises.adam_step(q, g, m, s, t, 0.01, 0.9, 0.99, 1e-7)
    assert np.allclose(p, q, **tolerance) and np.allclose(optimizer.state[0]["s"], s, **tolerance)
    assert q.dtype == dtype


def test_train_epoch_matches_the_package_s_trainer_on_the_same_order():
    from neuralbook.training import train_epoch

    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(7, 3)), np.eye(2)[rng.integers(0, 2, 7)]
    order = rng.permutation(7)
    params = list(exercises.worked_network())
    ours = exercises.train_epoch(params, x, y, order, 3, 0.5)
    net = Network([3, 4, 2], hidden_activation="relu", output="softmax", loss="cross_entropy",
                  init="standard_normal", dtype=np.float64)
    net.set_parameters(params)
    train_epoch(net, SGD(0.5), x[order], y[order], 3, np.random.default_rng(0), shuffle=False)
    assert all(np.allclose(a, b) for a, b in zip(ours, net.parameters()))
    assert all(np.array_equal(a, b) for a, b in zip(params, exercises.worked_network()))  # params untouched


# --------------------------------------------------------------------------- the chapters' problems

PARTS_I_TO_III = ["perceptron.md", "activations.md", "forward-propagation.md", "loss-functions.md",
                  "backpropagation.md", "optimizers.md", "xor.md"]
_PROBLEM = re.compile(r"^\*\*Problem (\d+)\. (Derive|Implement|Investigate)\.\*\*", re.MULTILINE)


@pytest.mark.parametrize("page", PARTS_I_TO_III)
def test_each_chapter_ends_its_exercises_with_labelled_problems_and_solutions(page):
    text = (DOCS / page).read_text(encoding="utf-8")
    exercises_at, problems_at = text.index("\n## Exercises\n"), text.index("\n### Problems\n")
    assert exercises_at < problems_at and "\n## " not in text[problems_at:], "the problems close the Exercises section"
    problems = list(_PROBLEM.finditer(text))
    assert 5 <= len(problems) <= 8
    assert [int(m.group(1)) for m in problems] == list(range(1, len(problems) + 1))
    assert {m.group(2) for m in problems} == {"Derive", "Implement", "Investigate"}
    ends = [m.start() for m in problems[1:]] + [len(text)]
    for match, end in zip(problems, ends):
        body = text[match.start():end]
        assert '\n??? success "Solution"\n' in body, f"Problem {match.group(1)} has no collapsed solution"
        if match.group(2) == "Implement":
            names = re.findall(r'>>> check\("(\w+)", \w+\)', body)
            assert names and all(name in EXERCISES for name in names), f"Problem {match.group(1)} shows no check"


def test_every_exercise_is_set_in_some_chapter():
    shown = set()
    for page in PARTS_I_TO_III:
        shown |= set(re.findall(r'>>> check\("(\w+)", \w+\)', (DOCS / page).read_text(encoding="utf-8")))
    assert shown == set(EXERCISES)
