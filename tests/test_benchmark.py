"""The speed benchmark compares like with like.

``benchmarks/bench_training.py`` is run by hand, not in CI, but the book quotes what it
measures, so its comparisons are tested here: the lean loop must do the trainer's
arithmetic exactly (otherwise "the price of readable code" would compare two different
computations), the FLOP count must agree with a count by hand, and a short run must
produce every figure the book reads from ``speed.json``.
"""

import importlib.util
import types
from pathlib import Path

import numpy as np
import pytest

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_training.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_training", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def small_data(n=1000, seed=3):
    rng = np.random.default_rng(seed)
    images = rng.random((n, 20), dtype=np.float32)
    images[images < 0.6] = 0  # sparse, like MNIST
    return images, rng.integers(0, 4, n)


@pytest.mark.parametrize("setting", ["adam", "modern", "momentum"])
def test_lean_loop_ends_with_the_trainers_parameters_bit_for_bit(bench, setting):
    images, labels = small_data()
    optimizer, dropout = bench.SETTINGS[setting]
    # 1000 = 7 full batches of 128 and one of 104: the short last batch is covered, and
    # 16 steps over two epochs.
    args = ([20, 16, 8, 4], optimizer, dropout, images, labels, 128, np.float32)
    trainer, lean = bench.Trainer(*args), bench.LeanLoop(*args)
    before = [p.copy() for p in trainer.parameters()]
    for _ in range(2):
        trainer.epoch()
        lean.epoch()
    assert not bench.same_parameters(before, trainer.parameters())  # it did train
    assert bench.same_parameters(trainer.parameters(), lean.parameters())


@pytest.mark.parametrize("setting", ["adam", "modern", "momentum"])
def test_optimizers_before_the_rewrite_end_with_the_same_parameters(bench, setting):
    """Today's trainer and the one with the old optimizer copy do the same arithmetic."""
    images, labels = small_data()
    optimizer, dropout = bench.SETTINGS[setting]
    args = ([20, 16, 8, 4], optimizer, dropout, images, labels, 128, np.float32)
    today, before = bench.Trainer(*args), bench.Trainer(*args, variant="before")
    assert type(before.optimizer).__name__.startswith("Before")
    for _ in range(2):
        today.epoch()
        before.epoch()
    assert bench.same_parameters(today.parameters(), before.parameters())


def test_readable_updates_agree_with_the_fused_ones_to_rounding(bench):
    images, labels = small_data()
    args = ([20, 16, 8, 4], "adam", 0.0, images, labels, 128, np.float32)
    today, readable = bench.Trainer(*args), bench.Trainer(*args, variant="readable")
    from neuralbook import fastpath

    assert fastpath.fused_update(readable.optimizer) == readable.optimizer.update
    today.epoch()
    readable.epoch()
    for a, b in zip(today.parameters(), readable.parameters()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


def test_lean_loop_differs_when_the_arithmetic_differs(bench):
    """The bit-for-bit check can fail: one extra step of the lean loop is caught."""
    images, labels = small_data()
    args = ([20, 16, 8, 4], "adam", 0.0, images, labels, 128, np.float32)
    trainer, lean = bench.Trainer(*args), bench.LeanLoop(*args)
    trainer.epoch()
    lean.epoch()
    lean.optimizer.step([lean.vector], [lean.gradient])
    assert not bench.same_parameters(trainer.parameters(), lean.parameters())


def test_flop_count_by_hand(bench):
    # [784, 30, 10], one example: forward 784·30 + 30·10 multiply-adds; backward the same
    # again for the weight gradients, plus 30·10 for the error sent back to the hidden layer.
    multiply_adds = 2 * (784 * 30 + 30 * 10) + 30 * 10
    assert bench.matmul_flops([784, 30, 10], 1) == 2 * multiply_adds == 95_880
    assert bench.matmul_flops([784, 128, 64, 10], 60_000) == 27_264_000_000


def test_short_run_reports_every_figure_the_book_reads(bench, capsys):
    result = bench.main(["--examples", "600", "--repeats", "1", "--rounds", "1", "--pairs", "3", "--no-torch", "--sizes", "784,32,16,10"])
    for setting in ("adam", "modern", "momentum"):
        figures = result["settings"][setting]
        assert figures["identical_to_lean"] is True
        assert figures["identical_to_before"] is True
        assert 0 < figures["trainer_over_before"] and 0 < figures["readable_over_trainer"]
        assert 0 < figures["lean_seconds"] and 0 < figures["trainer_seconds"]
        assert len(figures["paired_trainer_over_before"]) == 3
        low, high = figures["paired_trainer_over_before_quartiles"]
        assert low <= figures["paired_trainer_over_before_median"] <= high
        assert figures["step_only_today_seconds"] > 0 and figures["step_only_before_seconds"] > 0
    assert set(result["optimizer_only_seconds_per_epoch"]) == {"adam", "momentum"}
    assert result["parameter_count"] == 784 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10
    for key in ("numpy_seconds_per_epoch", "numpy_float64_seconds_per_epoch", "matmul_only_seconds_per_epoch", "breakdown_seconds", "whole_copy_seconds", "large_product_gflops"):
        assert key in result
    printed = capsys.readouterr().out
    assert "floor of an Adam epoch" in printed


class _FakeClock:
    """A clock that moves only when a stand-in epoch says so: no test here reads real time."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class _Epoch:
    """A stand-in for a training loop whose epoch takes a known time on the fake clock."""

    def __init__(self, name, seconds, calls, clock):
        self.name, self.seconds, self.calls, self.clock = name, seconds, calls, clock

    def epoch(self):
        self.calls.append(self.name)
        self.clock.now += self.seconds


def test_paired_ratios_alternate_the_order_and_measure_the_ratio(bench, monkeypatch):
    clock, calls = _FakeClock(), []
    monkeypatch.setattr(bench, "time", types.SimpleNamespace(perf_counter=clock))
    slow, fast = _Epoch("A", 0.02, calls, clock), _Epoch("B", 0.01, calls, clock)
    ratios = bench.paired_ratios(slow, fast, 4)
    assert calls == ["A", "B", "B", "A", "A", "B", "B", "A"]  # A B, then B A: a slow moment hits both
    assert ratios == pytest.approx([2.0, 2.0, 2.0, 2.0])  # A's time over B's, in either order
