"""Benchmark: does float32 arithmetic on subnormal numbers run slower on this processor?

Not a test: run it by hand on a quiet machine::

    python benchmarks/bench_subnormal.py            # print the ratios
    python benchmarks/bench_subnormal.py --save     # also write src/neuralbook/results/subnormals.json

Each operation is timed twice on float32 arrays of the same shape, once with normal
inputs (1e-3) and once with subnormal ones (1e-40, below ``np.finfo(np.float32).tiny``),
and the ratio subnormal / normal of the fastest of several repeats is reported (other
programs can only slow a run down); the two are timed in turns, so that a busy moment of
the machine hurts both alike. The operations:

* ``multiply``: ``np.multiply(x, 0.9, out=out)``, what momentum does to a velocity whose
  gradient is zero;
* ``add``: ``np.add(x, x, out=out)``;
* ``matmul``: a normal 256 × 256 matrix times a subnormal one (against two normal ones);
* ``momentum_step``: one step of the package's [`Momentum`][neuralbook.optimizers.Momentum]
  as the trainer takes it (``fastpath.step``, flush switched off) with zero gradients, on a 128 × 784 velocity that is subnormal
  everywhere against one that is normal everywhere.

A ratio near 1 means the processor handles subnormals at full speed; the slow case
(tens of times) comes from processors that take a microcode assist on every subnormal
input or result.
"""

from __future__ import annotations

import argparse
import platform
import sys
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from neuralbook import fastpath  # noqa: E402
from neuralbook.experiments import results_dir, write_json  # noqa: E402
from neuralbook.optimizers import Momentum  # noqa: E402

NORMAL, SUBNORMAL = 1e-3, 1e-40


def processor() -> dict:
    """The processor's vendor, model name, family and model number from /proc/cpuinfo (Linux), where known."""
    fields = {"vendor_id": "vendor", "model name": "name", "cpu family": "family", "model": "model"}
    found = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key in fields and fields[key] not in found:
                found[fields[key]] = value.strip()
    except OSError:
        pass
    found.setdefault("name", platform.processor() or platform.machine())
    return found


def elementwise(operation: str, value: float, size: int):
    """``np.multiply(x, 0.9)`` or ``np.add(x, x)`` on float32 entries all equal to ``value``, into a kept array."""
    x = np.full(size, value, dtype=np.float32)
    out = np.empty_like(x)
    if operation == "multiply":
        return lambda: np.multiply(x, 0.9, out=out)
    return lambda: np.add(x, x, out=out)


def matmul(value: float, side: int):
    """A normal ``side`` × ``side`` float32 matrix times one whose entries all equal ``value``."""
    a = np.full((side, side), NORMAL, dtype=np.float32)
    b = np.full((side, side), value, dtype=np.float32)
    out = np.empty_like(a)
    return lambda: np.matmul(a, b, out=out)


def momentum_step(value: float, shape):
    """One momentum step with zero gradients on a velocity whose entries all equal ``value``."""
    w = np.zeros(shape, dtype=np.float32)
    zero = np.zeros(shape, dtype=np.float32)
    optimizer = Momentum(0.01, beta=1.0 - 2.0**-20)  # β ≈ 1: the velocity stays in its range while timed
    fastpath.step(optimizer, [w], [zero], flush_every=0)
    optimizer.state[0]["velocity"][...] = value

    def run():
        fastpath.step(optimizer, [w], [zero], flush_every=0)  # as the trainer steps, without the flush
        velocity = optimizer.state[0]["velocity"]
        assert (np.abs(velocity.flat[0]) < TINY) == (value < TINY)  # still in the range it started in

    return run


TINY = float(np.finfo(np.float32).tiny)


def paired_fastest(normal, subnormal, number: int, repeats: int) -> tuple[float, float]:
    """The fastest time per call of each, timed in turns so that a busy moment hurts both alike."""
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for i, run in enumerate((normal, subnormal)):
            best[i] = min(best[i], timeit.timeit(run, number=number) / number)
    return best[0], best[1]


def measure(repeats: int = 15) -> dict:
    """The subnormal / normal time ratio of each operation, with the seconds behind it."""
    makers = {
        "multiply": (lambda v: elementwise("multiply", v, 100_000), 200),
        "add": (lambda v: elementwise("add", v, 100_000), 200),
        "matmul": (lambda v: matmul(v, 256), 20),
        "momentum_step": (lambda v: momentum_step(v, (128, 784)), 50),
    }
    timings = {name: paired_fastest(make(NORMAL), make(SUBNORMAL), number, repeats)
               for name, (make, number) in makers.items()}
    return {
        "processor": processor(),
        "machine": platform.machine(),
        "numpy": np.__version__,
        "dtype": "float32",
        "repeats": repeats,
        "normal_value": NORMAL,
        "subnormal_value": SUBNORMAL,
        "seconds": {name: {"normal": t[0], "subnormal": t[1]} for name, t in timings.items()},
        "ratio": {name: t[1] / t[0] for name, t in timings.items()},
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", action="store_true", help="write src/neuralbook/results/subnormals.json")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    result = measure(args.repeats)
    cpu = result["processor"]
    print(f"{cpu.get('name')} (family {cpu.get('family')}, model {cpu.get('model')}), NumPy {result['numpy']}")
    for name, ratio in result["ratio"].items():
        print(f"{name:>14}: subnormal / normal time {ratio:.2f}")
    if args.save:
        print("wrote", write_json(results_dir() / "subnormals.json", result))


if __name__ == "__main__":
    main()
