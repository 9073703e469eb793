"""Tests of neuralbook.optimizers against hand computations and independent reference code.

The references below are written in plain Python floats, with the textbook formulas
(not the rearranged forms the package uses for speed), so that an error in the package
cannot be copied into its own test.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from neuralbook import fastpath
from neuralbook.fastpath import count_subnormals, flush_subnormals
from neuralbook.optimizers import SGD, Adam, Momentum, Optimizer

# --- independent references (plain Python floats, one scalar at a time) -----------------


def reference_sgd(w, grads_of, lr, steps):
    w = list(w)
    path = []
    for _ in range(steps):
        g = grads_of(w)
        w = [wi - lr * gi for wi, gi in zip(w, g)]
        path.append(list(w))
    return path


def reference_momentum(w, grads_of, lr, beta, steps):
    # The "other" textbook form: u <- beta*u + g ; w <- w - lr*u (same steps for constant lr).
    w = list(w)
    u = [0.0] * len(w)
    path = []
    for _ in range(steps):
        g = grads_of(w)
        u = [beta * ui + gi for ui, gi in zip(u, g)]
        w = [wi - lr * ui for wi, ui in zip(w, u)]
        path.append(list(w))
    return path


def reference_adam(w, grads_of, lr, b1, b2, eps, steps, decay=0.0):
    """Adam one scalar at a time; with ``decay``, Loshchilov & Hutter's AdamW: w ← w − η (m̂/(√ŝ+ε) + λ w)."""
    w = list(w)
    m = [0.0] * len(w)
    s = [0.0] * len(w)
    path = []
    for t in range(1, steps + 1):
        g = grads_of(w)
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        s = [b2 * si + (1 - b2) * gi * gi for si, gi in zip(s, g)]
        m_hat = [mi / (1 - b1**t) for mi in m]
        s_hat = [si / (1 - b2**t) for si in s]
        w = [wi - lr * (mh / (math.sqrt(sh) + eps) + decay * wi) for wi, mh, sh in zip(w, m_hat, s_hat)]
        path.append(list(w))
    return path


def elongated_bowl_grad(w):
    """Gradient of L(x, y) = 0.5 * (x² + 25 y²) + 0.3 x y."""
    x, y = w
    return [x + 0.3 * y, 25.0 * y + 0.3 * x]


def run_package(optimizer, w0, grads_of, steps, split=True):
    """Run the package optimizer, with the parameters split over two arrays of different shapes.

    The optimizer's own ``step`` (the code the chapter shows) gives the path returned; a
    copy stepped through ``fastpath.step`` (the trainer's fused path) must agree with it.
    """
    fast = run_package_path(copy.deepcopy(optimizer), w0, grads_of, steps, split, fastpath.step)
    readable = run_package_path(optimizer, w0, grads_of, steps, split, type(optimizer).step)
    np.testing.assert_allclose(fast, readable, rtol=0, atol=1e-12)
    return readable


def run_package_path(optimizer, w0, grads_of, steps, split, step):
    if split:
        params = [np.array([w0[0]], dtype=np.float64), np.array([[w0[1]]], dtype=np.float64)]
    else:
        params = [np.array(w0, dtype=np.float64)]
    path = []
    for _ in range(steps):
        w = [float(p.ravel()[0]) for p in params] if split else [float(x) for x in params[0]]
        g = grads_of(w)
        grads = [np.array([g[0]]), np.array([[g[1]]])] if split else [np.array(g)]
        step(optimizer, params, grads)
        path.append([float(p.ravel()[0]) for p in params] if split else [float(x) for x in params[0]])
    return path


# --- one step on known numbers ----------------------------------------------------------


def test_sgd_one_step_by_hand():
    w = np.array([0.5, -1.5, 2.0])
    g = np.array([0.2, -0.4, 1.0])
    SGD(learning_rate=0.1).step([w], [g])
    # 0.5 - 0.1*0.2 = 0.48 ; -1.5 - 0.1*(-0.4) = -1.46 ; 2.0 - 0.1*1.0 = 1.9
    np.testing.assert_allclose(w, [0.48, -1.46, 1.9], rtol=0, atol=1e-15)


def test_momentum_two_steps_by_hand():
    w = np.array([1.0, -1.0])
    opt = Momentum(learning_rate=0.1, beta=0.9)
    opt.step([w], [np.array([2.0, -4.0])])
    # v1 = -0.1*g = [-0.2, 0.4]; w1 = [0.8, -0.6]
    np.testing.assert_allclose(w, [0.8, -0.6], atol=1e-15)
    opt.step([w], [np.array([1.0, 1.0])])
    # v2 = 0.9*v1 - 0.1*g = [-0.18 - 0.1, 0.36 - 0.1] = [-0.28, 0.26]; w2 = [0.52, -0.34]
    np.testing.assert_allclose(w, [0.52, -0.34], atol=1e-15)


def test_adam_one_step_by_hand():
    w = np.array([1.0, 1.0])
    g = np.array([0.5, -2.0])
    Adam(learning_rate=0.1, beta1=0.9, beta2=0.999, epsilon=1e-8).step([w], [g])
    # m = 0.1 g, v = 0.001 g²; m̂ = g, v̂ = g²; step = 0.1 * g / (|g| + 1e-8)
    expected = [1.0 - 0.1 * 0.5 / (0.5 + 1e-8), 1.0 - 0.1 * (-2.0) / (2.0 + 1e-8)]
    np.testing.assert_allclose(w, expected, rtol=0, atol=1e-15)


def test_adam_two_steps_by_hand():
    w = np.array([0.0])
    opt = Adam(learning_rate=0.01, beta1=0.5, beta2=0.75, epsilon=1e-8)
    opt.step([w], [np.array([1.0])])
    opt.step([w], [np.array([3.0])])
    # step 1: m=0.5, v=0.25, m̂=1, v̂=1 -> w = -0.01*1/(1+1e-8)
    # step 2: m=0.25+1.5=1.75, v=0.1875+2.25=2.4375; m̂=1.75/0.75, v̂=2.4375/0.4375
    w1 = -0.01 / (1 + 1e-8)
    m_hat = 1.75 / 0.75
    v_hat = 2.4375 / 0.4375
    w2 = w1 - 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert w[0] == pytest.approx(w2, abs=1e-15)


# --- long trajectories against the references ------------------------------------------


W0 = [2.0, 1.0]


@pytest.mark.parametrize("split", [True, False])
def test_sgd_trajectory_matches_reference(split):
    ours = run_package(SGD(0.03), W0, elongated_bowl_grad, 300, split)
    ref = reference_sgd(W0, elongated_bowl_grad, 0.03, 300)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


@pytest.mark.parametrize("split", [True, False])
def test_momentum_trajectory_matches_reference(split):
    ours = run_package(Momentum(0.03, beta=0.9), W0, elongated_bowl_grad, 300, split)
    ref = reference_momentum(W0, elongated_bowl_grad, 0.03, 0.9, 300)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


@pytest.mark.parametrize("split", [True, False])
def test_adam_trajectory_matches_reference(split):
    ours = run_package(Adam(0.05), W0, elongated_bowl_grad, 500, split)
    ref = reference_adam(W0, elongated_bowl_grad, 0.05, 0.9, 0.999, 1e-8, 500)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


def test_adam_trajectory_other_constants():
    ours = run_package(Adam(0.2, beta1=0.8, beta2=0.99, epsilon=1e-3), W0, elongated_bowl_grad, 200)
    ref = reference_adam(W0, elongated_bowl_grad, 0.2, 0.8, 0.99, 1e-3, 200)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


def test_learning_rate_change_between_steps_is_used():
    w = np.array([1.0])
    opt = SGD(0.1)
    opt.step([w], [np.array([1.0])])
    opt.learning_rate = 0.01
    opt.step([w], [np.array([1.0])])
    assert w[0] == pytest.approx(1.0 - 0.1 - 0.01, abs=1e-15)


# --- momentum must move against the gradient --------------------------------------------


class WrongSignMomentum(Momentum):
    """The common slip: velocity built against the gradient but then subtracted."""

    def update(self, p, g, state):
        v = state["velocity"]
        v[...] = self.beta * v - self.learning_rate * g
        p -= v  # wrong: the step goes uphill


def momentum_checks(optimizer_class):
    """The checks this suite applies to momentum; returns a list of failures."""
    failures = []
    w = np.array([1.0, -1.0])
    optimizer_class(0.1, beta=0.9).step([w], [np.array([2.0, -4.0])])
    if not np.allclose(w, [0.8, -0.6], atol=1e-12):
        failures.append(f"one step by hand: got {w}")
    ours = run_package(optimizer_class(0.03, beta=0.9), W0, elongated_bowl_grad, 300)
    ref = reference_momentum(W0, elongated_bowl_grad, 0.03, 0.9, 300)
    if not np.allclose(ours, ref, rtol=0, atol=1e-10):
        failures.append("trajectory differs from the reference")
    if not abs(ours[-1][0]) + abs(ours[-1][1]) < 1e-3:
        failures.append(f"does not reach the minimum: ends at {ours[-1]}")
    return failures


def test_momentum_passes_its_checks():
    assert momentum_checks(Momentum) == []


def test_wrong_sign_momentum_fails_the_checks():
    failures = momentum_checks(WrongSignMomentum)
    assert len(failures) == 3, failures


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Momentum(0.1), lambda: Adam(0.1)])
def test_first_step_goes_downhill(make):
    w = np.array([0.0, 0.0])
    make().step([w], [np.array([3.0, -0.5])])
    assert w[0] < 0 < w[1]


# --- Adam's bias correction -------------------------------------------------------------


@pytest.mark.parametrize("gradient", [1e-4, 0.37, 250.0])
def test_adam_first_step_is_about_the_learning_rate(gradient):
    w = np.array([0.0, 0.0])
    Adam(learning_rate=0.01).step([w], [np.array([gradient, -gradient])])
    np.testing.assert_allclose(w, [-0.01, 0.01], rtol=1e-3)


def test_adam_without_bias_correction_would_take_a_different_first_step():
    # Without correction, the first step is η·(1-β1)g / (sqrt((1-β2)) |g| + ε) ≈ 3.16 η.
    g = 0.37
    uncorrected = 0.01 * (0.1 * g) / (math.sqrt(0.001 * g * g) + 1e-8)
    w = np.array([0.0])
    Adam(learning_rate=0.01).step([w], [np.array([g])])
    assert abs(w[0]) == pytest.approx(0.01, rel=1e-6)
    assert uncorrected == pytest.approx(0.01 * 0.1 / math.sqrt(0.001), rel=1e-6)
    assert abs(abs(w[0]) - uncorrected) > 0.02


def test_adam_steps_stay_near_learning_rate_for_constant_gradient():
    w = np.array([0.0])
    opt = Adam(learning_rate=0.01)
    previous = 0.0
    for _ in range(20):
        opt.step([w], [np.array([5.0])])
        assert previous - w[0] == pytest.approx(0.01, rel=1e-6)
        previous = w[0]


# --- dtype, in place, validation --------------------------------------------------------


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Momentum(0.1), lambda: Adam(0.1)])
def test_float32_stays_float32_and_in_place(make):
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(4, 3)).astype(np.float32), np.zeros(3, np.float32)]
    ids = [id(p) for p in params]
    before = [p.copy() for p in params]
    grads = [rng.normal(size=p.shape).astype(np.float32) for p in params]
    opt = make()
    opt.step(params, grads)
    assert [id(p) for p in params] == ids
    assert all(p.dtype == np.float32 for p in params)
    assert all(not np.array_equal(a, b) for a, b in zip(params, before))
    for state in opt.state:
        for name in opt.decaying:
            assert state[name].dtype == np.float32


def test_float32_update_agrees_with_float64():
    rng = np.random.default_rng(1)
    w64 = rng.normal(size=(5, 5))
    w32 = w64.astype(np.float32)
    a64, a32 = Adam(0.01), Adam(0.01)
    for _ in range(10):
        g = rng.normal(size=(5, 5))
        a64.step([w64], [g])
        a32.step([w32], [g.astype(np.float32)])
    np.testing.assert_allclose(w32, w64, atol=1e-5)


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match=r"parameter 1: expected a gradient of shape \(3,\), got \(4,\)"):
        SGD(0.1).step([np.zeros(2), np.zeros(3)], [np.zeros(2), np.zeros(4)])


def test_length_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match="2 parameters and 1 gradients"):
        Adam().step([np.zeros(2), np.zeros(3)], [np.zeros(2)])


def test_changed_parameter_list_is_an_error():
    opt = Momentum(0.1)
    opt.step([np.zeros(2)], [np.ones(2)])
    with pytest.raises(ValueError, match="same parameter shapes"):
        opt.step([np.zeros(3)], [np.ones(3)])


def test_non_array_parameter_is_an_error():
    with pytest.raises(TypeError, match="floating-point numpy array"):
        SGD(0.1).step([[1.0, 2.0]], [np.ones(2)])


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(0.0),
        lambda: SGD(-1.0),
        lambda: Momentum(0.1, beta=1.0),
        lambda: Adam(0.1, beta2=1.5),
        lambda: Adam(0.1, epsilon=0.0),
    ],
)
def test_bad_constants_rejected(make):
    with pytest.raises(ValueError):
        make()


# --- the subnormal trap -----------------------------------------------------------------


def test_flush_subnormals_zeroes_exactly_the_subnormals():
    tiny = float(np.finfo(np.float32).tiny)
    b = np.array([tiny, tiny / 2, -tiny / 1000, 1e-45, 0.0, -1.0, 3e-38], dtype=np.float32)
    assert flush_subnormals(b) == 3
    np.testing.assert_array_equal(b, np.array([tiny, 0, 0, 0, 0, -1.0, 3e-38], dtype=np.float32))


def test_count_subnormals_by_definition():
    values = np.array([0.0, 1e-39, -1e-40, 1.2e-38, 1.0], dtype=np.float32)
    # by hand: 1e-39 and -1e-40 are below 2**-126 ≈ 1.1755e-38; 1.2e-38 is not
    assert 2.0**-126 == pytest.approx(1.1754944e-38, rel=1e-6)
    assert count_subnormals(values) == 2


def _feed_zero_gradients(optimizer, steps, dtype=np.float32, flush_every=fastpath.FLUSH_EVERY):
    """One step with real gradients, then zero gradients, on the trainer's fast path; track subnormals after every step."""
    rng = np.random.default_rng(3)
    params = [rng.normal(size=(50, 20)).astype(dtype), np.zeros(20, dtype)]
    fastpath.step(optimizer, params, [rng.normal(size=p.shape).astype(dtype) for p in params], flush_every)
    zeros = [np.zeros_like(p) for p in params]
    worst = 0
    for _ in range(steps):
        fastpath.step(optimizer, params, zeros, flush_every)
        worst = max(worst, sum(count_subnormals(s[n]) for s in optimizer.state for n in optimizer.decaying))
    final = sum(count_subnormals(s[n]) for s in optimizer.state for n in optimizer.decaying)
    return worst, final, params


@pytest.mark.parametrize(
    "make", [lambda: Momentum(0.1, beta=0.9), lambda: Adam(0.01),
             lambda: Momentum(0.1, beta=0.5), lambda: Adam(0.01, beta1=0.5, beta2=0.9)]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_gradient_buffers_never_hold_subnormals(make, dtype):
    steps = 1500 if dtype == np.float32 else 8000
    worst, _, _ = _feed_zero_gradients(make(), steps, dtype, flush_every=50)
    assert worst == 0


def test_without_flush_buffers_do_turn_subnormal():
    # The trap is real: the same experiment without the flush ends with subnormal buffers.
    worst, final, _ = _feed_zero_gradients(Momentum(0.1, beta=0.9), 900, flush_every=0)
    assert worst > 0 and final > 0


def test_flush_does_not_change_the_parameters_noticeably():
    _, _, with_flush = _feed_zero_gradients(Momentum(0.1, beta=0.9), 1200, flush_every=50)
    _, _, without = _feed_zero_gradients(Momentum(0.1, beta=0.9), 1200, flush_every=0)
    for a, b in zip(with_flush, without):
        np.testing.assert_array_equal(a, b)


def test_optimizer_base_is_abstract():
    with pytest.raises(NotImplementedError):
        Optimizer(0.1).step([np.zeros(1)], [np.zeros(1)])


# --- the chapter's helper runs ----------------------------------------------------------


@pytest.mark.parametrize("rate", [0.02, 0.3, 1.05])
def test_quadratic_run_is_the_closed_form(rate):
    from neuralbook.plots.optimizers import quadratic_run

    path = quadratic_run(rate, steps=20)
    expected = [3.0 * (1 - 2 * rate) ** t for t in range(21)]
    np.testing.assert_allclose(path, expected, rtol=1e-12)


def test_valley_paths_start_at_the_start_and_descend():
    from neuralbook.plots.optimizers import VALLEY_START, valley_loss, valley_paths

    for path in valley_paths().values():
        assert tuple(path[0]) == VALLEY_START
        assert valley_loss(*path[-1]) < 1e-3 * valley_loss(*path[0])


@pytest.mark.parametrize(
    "optimizer, fastest",
    [(Momentum(0.1, beta=0.9), 0.9), (Adam(0.01), 0.9), (Adam(0.01, beta1=0.95, beta2=0.9), 0.9), (Adam(0.01, beta1=0.0), 0.999)],
)
def test_flush_threshold_follows_the_fastest_decaying_buffer(optimizer, fastest):
    # By hand: an untouched entry shrinks by the factor β each step; to stay normal for the
    # flush_every + 1 steps until the next flush it must be at least tiny / β**(flush_every + 1).
    tiny = float(np.finfo(np.float32).tiny)
    assert fastpath.flush_threshold(optimizer, np.float32, flush_every=50) == pytest.approx(tiny / fastest**51, rel=1e-12)


def test_flush_leaves_small_but_safe_values_alone():
    """Adam's flush zeroes only what could turn subnormal before the next flush, not 1e-30."""
    adam = Adam(0.01)
    w = np.zeros(3, dtype=np.float32)
    adam.step([w], [np.ones(3, dtype=np.float32)])
    adam.state[0]["m"][:] = [1e-30, 1e-37, 0.5]
    fastpath.flush(adam, flush_every=50)
    np.testing.assert_array_equal(adam.state[0]["m"], np.array([1e-30, 0.0, 0.5], dtype=np.float32))


# --- AdamW: decoupled weight decay ------------------------------------------------------


def test_adamw_one_step_by_hand():
    from neuralbook.optimizers import AdamW

    w = np.array([1.0, -2.0])
    g = np.array([0.5, 4.0])
    AdamW(learning_rate=0.1, weight_decay=0.2).step([w], [g])
    # m̂ = g, ŝ = g², so Adam's part is 0.1 * sign(g) (up to ε); the decay is 0.1 * 0.2 * w
    expected = [1.0 - 0.1 * (0.5 / (0.5 + 1e-8) + 0.2 * 1.0), -2.0 - 0.1 * (4.0 / (4.0 + 1e-8) + 0.2 * -2.0)]
    np.testing.assert_allclose(w, expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("split", [True, False])
def test_adamw_trajectory_matches_reference(split):
    from neuralbook.optimizers import AdamW

    opt = AdamW(0.05, beta1=0.8, beta2=0.99, epsilon=1e-6, weight_decay=0.3)
    ours = run_package(opt, W0, elongated_bowl_grad, 400, split)
    ref = reference_adam(W0, elongated_bowl_grad, 0.05, 0.8, 0.99, 1e-6, 400, decay=0.3)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


def test_adamw_decay_is_not_rescaled_by_adams_denominator():
    """L2 inside Adam shrinks a weight with large gradients less; AdamW shrinks all alike."""
    from neuralbook.optimizers import AdamW

    w = np.array([1.0, 1.0])
    g = np.array([1e-3, 1e3])  # Adam's normalised step is ≈ 1 for both
    AdamW(learning_rate=0.01, weight_decay=0.5).step([w], [g])
    # both entries: 1 − 0.01 * (1 + 0.5) = 0.985 (ε makes the first one 1e-7 larger)
    np.testing.assert_allclose(w, [0.985, 0.985], atol=1e-6)  # an L2 term inside Adam would give 0.99


def test_adamw_without_decay_is_adam():
    from neuralbook.optimizers import AdamW

    ours = run_package(AdamW(0.05, weight_decay=0.0), W0, elongated_bowl_grad, 200)
    ref = reference_adam(W0, elongated_bowl_grad, 0.05, 0.9, 0.999, 1e-8, 200)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


def test_adamw_rejects_negative_decay():
    from neuralbook.optimizers import AdamW

    with pytest.raises(ValueError, match="weight_decay"):
        AdamW(weight_decay=-0.1)


# --- Nesterov, AdaGrad, RMSProp against independent references --------------------------


def reference_nesterov(w, grads_of, lr, beta, steps):
    """Nesterov's original form: the gradient at the look-ahead point w + βv.

    Returns the look-ahead points w + βv after each step, which is what the package keeps
    as its parameters.
    """
    w = list(w)
    v = [0.0] * len(w)
    path = []
    for _ in range(steps):
        g = grads_of([wi + beta * vi for wi, vi in zip(w, v)])
        v = [beta * vi - lr * gi for vi, gi in zip(v, g)]
        w = [wi + vi for wi, vi in zip(w, v)]
        path.append([wi + beta * vi for wi, vi in zip(w, v)])
    return path


def reference_adagrad(w, grads_of, lr, eps, steps):
    w = list(w)
    total = [0.0] * len(w)
    path = []
    for _ in range(steps):
        g = grads_of(w)
        total = [ti + gi * gi for ti, gi in zip(total, g)]
        w = [wi - lr * gi / (math.sqrt(ti) + eps) for wi, gi, ti in zip(w, g, total)]
        path.append(list(w))
    return path


def reference_rmsprop(w, grads_of, lr, beta, eps, steps):
    w = list(w)
    mean_square = [0.0] * len(w)
    path = []
    for _ in range(steps):
        g = grads_of(w)
        mean_square = [beta * ri + (1 - beta) * gi * gi for ri, gi in zip(mean_square, g)]
        w = [wi - lr * gi / (math.sqrt(ri) + eps) for wi, gi, ri in zip(w, g, mean_square)]
        path.append(list(w))
    return path


def test_nesterov_one_step_by_hand():
    from neuralbook.optimizers import Nesterov

    w = np.array([1.0, 2.0])
    opt = Nesterov(learning_rate=0.1, beta=0.5)
    opt.step([w], [np.array([1.0, -2.0])])
    # v = -0.1 g = [-0.1, 0.2]; w ← w + 0.5 v − 0.1 g = [1 − 0.05 − 0.1, 2 + 0.1 + 0.2]
    np.testing.assert_allclose(w, [0.85, 2.3], atol=1e-15)


@pytest.mark.parametrize("split", [True, False])
def test_nesterov_trajectory_matches_the_look_ahead_reference(split):
    from neuralbook.optimizers import Nesterov

    # The package starts at w̃ = w + βv = w (v = 0), so both start at W0.
    ours = run_package(Nesterov(0.03, beta=0.9), W0, elongated_bowl_grad, 300, split)
    ref = reference_nesterov(W0, elongated_bowl_grad, 0.03, 0.9, 300)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


def test_nesterov_differs_from_momentum():
    from neuralbook.optimizers import Nesterov

    nesterov = run_package(Nesterov(0.03, beta=0.9), W0, elongated_bowl_grad, 50)
    momentum = run_package(Momentum(0.03, beta=0.9), W0, elongated_bowl_grad, 50)
    assert not np.allclose(nesterov, momentum, atol=1e-3)


def test_adagrad_two_steps_by_hand():
    from neuralbook.optimizers import AdaGrad

    w = np.array([0.0])
    opt = AdaGrad(learning_rate=0.5, epsilon=1e-8)
    opt.step([w], [np.array([3.0])])  # s = 9, step 0.5 * 3 / 3 = 0.5
    opt.step([w], [np.array([4.0])])  # s = 25, step 0.5 * 4 / 5 = 0.4
    assert w[0] == pytest.approx(-0.5 * 3 / (3 + 1e-8) - 0.5 * 4 / (5 + 1e-8), abs=1e-15)


@pytest.mark.parametrize("split", [True, False])
def test_adagrad_trajectory_matches_reference(split):
    from neuralbook.optimizers import AdaGrad

    ours = run_package(AdaGrad(0.5, epsilon=1e-7), W0, elongated_bowl_grad, 300, split)
    ref = reference_adagrad(W0, elongated_bowl_grad, 0.5, 1e-7, 300)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


def test_rmsprop_two_steps_by_hand():
    from neuralbook.optimizers import RMSProp

    w = np.array([0.0])
    opt = RMSProp(learning_rate=0.01, beta=0.5, epsilon=1e-8)
    opt.step([w], [np.array([2.0])])  # s = 0.5 * 4 = 2
    opt.step([w], [np.array([-1.0])])  # s = 0.5 * 2 + 0.5 * 1 = 1.5
    expected = -0.01 * 2 / (math.sqrt(2) + 1e-8) + 0.01 * 1 / (math.sqrt(1.5) + 1e-8)
    assert w[0] == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("split", [True, False])
def test_rmsprop_trajectory_matches_reference(split):
    from neuralbook.optimizers import RMSProp

    ours = run_package(RMSProp(0.01, beta=0.95, epsilon=1e-6), W0, elongated_bowl_grad, 400, split)
    ref = reference_rmsprop(W0, elongated_bowl_grad, 0.01, 0.95, 1e-6, 400)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    "make",
    [
        lambda: __import__("neuralbook.optimizers").optimizers.Nesterov(0.1, beta=1.0),
        lambda: __import__("neuralbook.optimizers").optimizers.AdaGrad(0.1, epsilon=0.0),
        lambda: __import__("neuralbook.optimizers").optimizers.RMSProp(0.1, beta=-0.1),
        lambda: __import__("neuralbook.optimizers").optimizers.RMSProp(-0.1),
    ],
)
def test_bad_constants_of_the_new_optimizers_rejected(make):
    with pytest.raises(ValueError):
        make()


# --- the fused updates of neuralbook.fastpath do what the readable updates do ------------


def _all_optimizers():
    from neuralbook.optimizers import AdaGrad, Nesterov, RMSProp

    return {
        "sgd": lambda: SGD(0.05),
        "momentum": lambda: Momentum(0.05, beta=0.8),
        "nesterov": lambda: Nesterov(0.05, beta=0.8),
        "adagrad": lambda: AdaGrad(0.05),
        "rmsprop": lambda: RMSProp(0.01),
        "adam": lambda: Adam(0.01, beta1=0.8, beta2=0.99),
        "adamw": lambda: __import__("neuralbook.optimizers").optimizers.AdamW(0.01, weight_decay=0.1),
    }


@pytest.mark.parametrize("name", list(_all_optimizers()))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_update_agrees_with_the_readable_update(name, dtype):
    """``step`` (fused where fastpath has a kernel) against the readable ``update`` called directly."""
    make = _all_optimizers()[name]
    rng = np.random.default_rng(5)
    shapes = [(6, 4), (6,), (3, 6), (3,)]
    fused_params = [rng.normal(size=s).astype(dtype) for s in shapes]
    plain_params = [p.copy() for p in fused_params]
    fused, plain = make(), make()
    plain.state = [plain.new_state(p) for p in plain_params]
    for _ in range(60):
        grads = [rng.normal(size=s).astype(dtype) for s in shapes]
        fastpath.step(fused, fused_params, grads)
        plain.t += 1
        for p, g, state in zip(plain_params, grads, plain.state):
            plain.update(p, g, state)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(fused_params, plain_params):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=0, atol=tolerance)


def test_the_fused_kernels_are_the_ones_step_runs():
    from neuralbook.optimizers import AdaGrad, AdamW

    assert fastpath.fused_update(Adam()).func is fastpath.adam_kernel
    assert fastpath.fused_update(AdamW()).func is fastpath.adamw_kernel
    adagrad = AdaGrad()
    assert fastpath.fused_update(adagrad) == adagrad.update  # no kernel: the readable code runs


def test_a_subclass_runs_its_own_update():
    calls = []

    class Logged(SGD):
        def update(self, p, g, state):
            calls.append(self.t)
            super().update(p, g, state)

    w = np.array([1.0])
    Logged(0.5).step([w], [np.array([1.0])])
    assert calls == [1] and w[0] == 0.5


def test_readable_adam_matches_the_reference():
    """Adam's readable update on its own (a subclass is never fused) against the scalar reference."""

    class ReadableAdam(Adam):
        pass

    ours = run_package(ReadableAdam(0.05), W0, elongated_bowl_grad, 500)
    ref = reference_adam(W0, elongated_bowl_grad, 0.05, 0.9, 0.999, 1e-8, 500)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


# --- gradient clipping ------------------------------------------------------------------


def test_global_norm_by_hand():
    from neuralbook.optimizers import global_norm

    grads = [np.array([[1.0, 2.0], [2.0, 0.0]]), np.array([4.0])]
    assert global_norm(grads) == pytest.approx(5.0, abs=1e-15)  # √(1 + 4 + 4 + 16)


def test_clip_scales_all_gradients_by_one_factor():
    from neuralbook.optimizers import clip_by_global_norm

    grads = [np.array([[1.0, 2.0], [2.0, 0.0]]), np.array([4.0], dtype=np.float32)]
    clipped = clip_by_global_norm(grads, max_norm=2.0)
    # the norm is 5, so every entry is multiplied by 2/5
    np.testing.assert_allclose(clipped[0], [[0.4, 0.8], [0.8, 0.0]], atol=1e-15)
    np.testing.assert_allclose(clipped[1], [1.6], atol=1e-6)
    assert clipped[1].dtype == np.float32
    assert math.sqrt(sum(float((c.astype(float) ** 2).sum()) for c in clipped)) == pytest.approx(2.0, rel=1e-6)
    np.testing.assert_array_equal(grads[0], [[1.0, 2.0], [2.0, 0.0]])  # the inputs are untouched


def test_clip_leaves_small_gradients_alone():
    from neuralbook.optimizers import clip_by_global_norm

    grads = [np.array([0.3, 0.4])]
    clipped = clip_by_global_norm(grads, max_norm=0.5)  # norm exactly 0.5: not above the limit
    assert clipped[0] is grads[0]


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_clip_rejects_a_bad_max_norm(bad):
    from neuralbook.optimizers import clip_by_global_norm

    with pytest.raises(ValueError, match="positive max_norm"):
        clip_by_global_norm([np.ones(2)], bad)


def test_clip_rejects_non_finite_gradients():
    from neuralbook.optimizers import clip_by_global_norm

    with pytest.raises(ValueError, match="finite gradients"):
        clip_by_global_norm([np.array([np.inf, 1.0])], 1.0)


# --- the chapter's mini-batch variance formula ------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 2, 3, 5, 6])
def test_finite_population_variance_by_enumerating_every_batch(batch_size):
    """E‖g_B − ∇C‖² = σ²/B · (N − B)/(N − 1) for batches drawn without replacement."""
    import itertools

    rng = np.random.default_rng(2)
    per_example = rng.normal(size=(6, 3))  # N = 6 "gradients" of 3 parameters
    full = per_example.mean(axis=0)
    sigma2 = np.mean(np.sum((per_example - full) ** 2, axis=1))
    batches = list(itertools.combinations(range(6), batch_size))  # every batch is equally likely
    exact = np.mean([np.sum((per_example[list(b)].mean(axis=0) - full) ** 2) for b in batches])
    mean_of_batches = np.mean([per_example[list(b)].mean(axis=0) for b in batches], axis=0)
    np.testing.assert_allclose(mean_of_batches, full, atol=1e-12)  # unbiased
    assert exact == pytest.approx(sigma2 / batch_size * (6 - batch_size) / (6 - 1), rel=1e-12)


def test_measured_minibatch_variance_follows_the_formula():
    from neuralbook.plots.optimizers import minibatch_gradient_variance

    result = minibatch_gradient_variance(draws=300)
    ratio = result["variance"] / result["predicted"]
    assert np.all(np.abs(ratio - 1) < 0.25)
    slope = np.polyfit(np.log(result["batch_sizes"][:5]), np.log(result["variance"][:5]), 1)[0]
    assert slope == pytest.approx(-1.0, abs=0.1)


# --- the teaching optimizers stand alone; the fast path builds on them --------------------


def test_the_optimizers_do_not_import_the_fast_path():
    import subprocess
    import sys

    code = "import sys, neuralbook.optimizers; print('neuralbook.fastpath' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_fast_steps_the_optimizer_itself():
    """``Fast(optimizer).step`` changes the optimizer's own step count and state, and reads its learning rate."""
    adam = Adam(0.01)
    fast = fastpath.Fast(adam, flush_every=0)
    w = np.array([0.0, 0.0])
    fast.step([w], [np.array([1.0, -4.0])])
    adam.learning_rate = 0.02  # a schedule changes the optimizer; the next fast step uses it
    fast.step([w], [np.array([1.0, -4.0])])
    reference = reference_adam([0.0], lambda w: [1.0], 0.01, 0.9, 0.999, 1e-8, 1)[0][0]
    assert adam.t == 2 and fast.learning_rate == 0.02 and fast.t == 2
    assert w[0] == pytest.approx(reference - 0.02, abs=1e-9)  # a steady gradient: Adam's second step is η too
    with pytest.raises(ValueError, match="flush_every"):
        fastpath.step(adam, [w], [np.zeros(2)], flush_every=-1)
