"""Benchmark: seconds per epoch of the trainer, of a lean NumPy loop, and of PyTorch (CPU).

Not a test: run it by hand on a quiet machine::

    python benchmarks/bench_training.py            # [784, 128, 64, 10], batch 128, float32
    python benchmarks/bench_training.py --save     # also write src/neuralbook/results/speed.json

It times full training epochs of 60,000 images (shuffle, forward, backward, optimizer
step: exactly what [`train_epoch`][neuralbook.training.train_epoch] does, without the
evaluation after the epoch) for three optimizer settings:

* ``adam``: Adam, no dropout (the network of the ``modern`` preset, trained plainly);
* ``modern``: Adam with dropout 0.1, the ``modern`` preset itself;
* ``momentum``: SGD with momentum 0.9, no dropout.

For each it times, in the same run and taking turns so that a busy moment of the
machine hurts all of them alike:

* **trainer**: the book's own code, ``train_epoch``;
* **before**: the same ``train_epoch`` with a copy of the optimizers as they were
  before their updates were rewritten to read like the equations
  (``optimizers_before.py``, beside this file). It ends with the trainer's parameters
  bit for bit (checked), so the two time the same arithmetic, and the ratio
  trainer/before shows whether the rewrite made the trainer slower;
* **readable**: ``train_epoch`` with the optimizer's readable ``update`` (one new array
  per operation) instead of the fused in-place kernels of ``neuralbook.fastpath``: what
  the fast path saves;
* **lean**: the same arithmetic written the way nobody would teach it, every buffer
  allocated once and all parameters in one vector, so that the optimizer makes a
  dozen NumPy calls per step instead of one dozen per array. It ends with the
  trainer's parameters bit for bit (checked), so the difference between the two is
  exactly the price of the readable code;
* **PyTorch**: the same network and optimizer in PyTorch on the CPU with the same
  number of threads, when ``torch`` is importable (a benchmark-only comparison, never
  a dependency of the package).

Whether the rewrite slowed the trainer is a question about a few percent, below the
noise of single epochs on a shared machine, so it gets two measurements of its own:
**paired epochs** (trainer and before one right after the other, in alternating order,
and the median of the pairs' ratios), and **the optimizer steps alone**, today's against
before's, the only code the rewrite changed.

Each epoch is repeated and the fastest counts, because other programs on the machine
can only make an epoch slower. Then it measures two floors, with nothing else in the
loop: the epoch's matrix products alone, and the optimizer's element-wise passes alone.
No NumPy loop can beat their sum. GFLOP/s count 2 floating-point operations per
multiply-add of the matrix products, the only work that grows with the layer sizes.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from neuralbook import fastpath
from neuralbook.fastpath import FLUSH_EVERY

#: The timed settings: name -> (optimizer, dropout probability).
SETTINGS = {
    "adam": ("adam", 0.0),
    "modern": ("adam", 0.1),
    "momentum": ("momentum", 0.0),
}
LEARNING_RATES = {"adam": 1e-3, "momentum": 0.01}


def matmul_flops(sizes, n_examples):
    """Floating-point operations of the matrix products of one epoch.

    Forward: 2 n_in n_out per example and layer. Backward: the same for ∂C/∂W, and
    again for ∂C/∂a_prev in every layer but the first (whose input is the data).
    """
    per_example = 0
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        products = 2 if i == 0 else 3
        per_example += products * 2 * n_in * n_out
    return per_example * n_examples


def data(n, seed=0):
    """The first ``n`` MNIST training images and labels, or random ones without the files."""
    try:
        from neuralbook.datasets import load_mnist

        mnist = load_mnist(download=False, progress=False)
        return mnist.train_images[:n], mnist.train_labels[:n], "MNIST"
    except (FileNotFoundError, OSError):
        rng = np.random.default_rng(seed)
        return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n), "random"


def benchmark_config(sizes, optimizer, dropout, dtype):
    """The `modern` preset with these sizes, optimizer, dropout and dtype.

    (The preset's schedule changes the learning rate only between epochs, so it plays
    no part in timing one.)
    """
    from neuralbook.experiments import PRESETS

    return PRESETS["modern"].replace(
        sizes=list(sizes), optimizer=optimizer, learning_rate=LEARNING_RATES[optimizer],
        dropout=dropout, dtype=np.dtype(dtype).name,
    )


def build_network(sizes, optimizer, dropout, dtype):
    """``(network, optimizer)``, built by [`neuralbook.experiments.build`][neuralbook.experiments.build] as a training run builds them."""
    from neuralbook.experiments import build

    network, optimizer, _ = build(benchmark_config(sizes, optimizer, dropout, dtype))
    return network, optimizer


def _optimizers_before():
    """The module ``optimizers_before.py`` beside this file: the optimizers before the rewrite."""
    spec = importlib.util.spec_from_file_location("optimizers_before", Path(__file__).with_name("optimizers_before.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def take_step(optimizer, params, grads):
    """One step as the trainer takes it: the package's optimizers through the fast path, the old ones by their own ``step``."""
    if type(optimizer).__name__.startswith("Before"):
        optimizer.step(params, grads)
    else:
        fastpath.step(optimizer, params, grads)


def optimizer_before(optimizer):
    """The optimizer as it was before the rewrite, with the same constants as ``optimizer``."""
    before = _optimizers_before()
    name = type(optimizer).__name__
    if name == "SGD":
        return before.BeforeSGD(optimizer.learning_rate, flush_every=FLUSH_EVERY)
    if name == "Momentum":
        return before.BeforeMomentum(optimizer.learning_rate, beta=optimizer.beta, flush_every=FLUSH_EVERY)
    if name == "Adam":
        return before.BeforeAdam(
            optimizer.learning_rate, beta1=optimizer.beta1, beta2=optimizer.beta2, eps=optimizer.epsilon,
            flush_every=FLUSH_EVERY,
        )
    raise ValueError(f"expected SGD, Momentum or Adam, got {name}")


def readable_optimizer(optimizer):
    """A copy of ``optimizer`` whose ``step`` runs its readable ``update``, not the fused kernel.

    The fast path fuses only the exact classes, so a subclass that adds nothing runs the
    code the chapter shows.
    """
    cls = type(optimizer)
    readable = copy.copy(optimizer)
    readable.__class__ = type(f"Readable{cls.__name__}", (cls,), {})
    return readable


class Trainer:
    """The book's trainer: one call of ``train_epoch`` per epoch.

    ``variant`` is ``"today"`` (the package's optimizer), ``"before"`` (the optimizer
    before the rewrite) or ``"readable"`` (the readable updates, no fused kernels).
    """

    def __init__(self, sizes, optimizer, dropout, images, labels, batch_size, dtype, variant="today"):
        from neuralbook.training import _targets

        self.network, self.optimizer = build_network(sizes, optimizer, dropout, dtype)
        if variant == "before":
            self.optimizer = optimizer_before(self.optimizer)
        elif variant == "readable":
            self.optimizer = readable_optimizer(self.optimizer)
        elif variant != "today":
            raise ValueError(f"expected variant 'today', 'before' or 'readable', got {variant!r}")
        self.variant = variant
        self.x, self.y = images.astype(dtype, copy=False), _targets(self.network, labels)
        self.batch_size, self.rng = batch_size, np.random.default_rng(0)

    def epoch(self):
        from neuralbook.training import train_epoch

        from neuralbook.fastpath import Fast

        optimizer = self.optimizer if self.variant == "before" else Fast(self.optimizer)  # as the trainer steps
        train_epoch(self.network, optimizer, self.x, self.y, self.batch_size, self.rng)

    def parameters(self):
        return self.network.parameters()


def _windows(vector, shapes):
    """Consecutive pieces of ``vector`` with the given shapes: views, so writing one writes the vector."""
    pieces, offset = [], 0
    for shape in shapes:
        size = math.prod(shape)
        pieces.append(vector[offset : offset + size].reshape(shape))
        offset += size
    return pieces


class LeanLoop:
    """The trainer's arithmetic with every buffer allocated once.

    ReLU hidden layers, softmax output with cross-entropy, optional inverted dropout,
    and the package's own optimizer stepping once over a single vector that holds all
    parameters. It draws the same random numbers in the same order as ``train_epoch``
    and does the same floating-point operations, so it ends with the same parameters.
    """

    def __init__(self, sizes, optimizer, dropout, images, labels, batch_size, dtype):
        from neuralbook.training import _targets

        network, self.optimizer = build_network(sizes, optimizer, dropout, dtype)
        self.x, self.y = images.astype(dtype, copy=False), _targets(network, labels)
        self.batch_size, self.rng, self.dropout = batch_size, np.random.default_rng(0), dropout
        self.scale = dtype(1.0 / (1.0 - dropout)) if dropout else None
        initial = network.parameters()  # [W1, b1, W2, b2, ...]
        shapes = [p.shape for p in initial]
        self.vector = np.concatenate([p.ravel() for p in initial])
        self.gradient = np.zeros_like(self.vector)
        parameters, gradients = _windows(self.vector, shapes), _windows(self.gradient, shapes)
        self.W, self.b = parameters[::2], parameters[1::2]
        self.dW, self.db = gradients[::2], gradients[1::2]
        rows = batch_size
        outs = sizes[1:]
        self.z = [np.empty((rows, n), dtype) for n in outs]
        self.a = [np.empty((rows, n), dtype) for n in outs]
        self.da = [np.empty((rows, n), dtype) for n in outs]
        self.positive = [np.empty((rows, n), bool) for n in outs]
        self.uniform = [np.empty((rows, n)) for n in outs]  # float64, as the network draws them
        self.mask = [np.empty((rows, n), dtype) for n in outs]

    def epoch(self):
        x_all, y_all, rng, size = self.x, self.y, self.rng, self.batch_size
        last = len(self.W) - 1
        order = rng.permutation(len(x_all))
        for start in range(0, len(x_all), size):
            batch = order[start : start + size]
            m = len(batch)
            a, y = x_all[batch], y_all[batch]
            inputs = []
            for l, (W, b) in enumerate(zip(self.W, self.b)):
                inputs.append(a)
                z = np.matmul(a, W.T, out=self.z[l][:m])
                z += b
                if l == last:
                    break
                a = np.maximum(z, z.dtype.type(0), out=self.a[l][:m])
                if self.dropout:
                    keep = np.greater_equal(rng.random(out=self.uniform[l][:m]), self.dropout, out=self.positive[l][:m])
                    mask = np.multiply(keep, self.scale, out=self.mask[l][:m])
                    a *= mask
            shifted = z - z.max(axis=1, keepdims=True)
            exponentials = np.exp(shifted)
            sums = exponentials.sum(axis=1, keepdims=True)
            probabilities = exponentials / sums
            shifted -= np.log(sums)
            loss = -np.sum(y * shifted) / m  # as the trainer computes it, though nothing uses it
            delta = probabilities
            delta -= y
            delta /= m
            for l in range(last, -1, -1):
                np.matmul(delta.T, inputs[l], out=self.dW[l])
                np.sum(delta, axis=0, out=self.db[l])
                if l == 0:
                    break
                below = np.matmul(delta, self.W[l], out=self.da[l - 1][:m])
                if self.dropout:
                    below *= self.mask[l - 1][:m]
                below *= np.greater(self.z[l - 1][:m], 0, out=self.positive[l - 1][:m])
                delta = below
            take_step(self.optimizer, [self.vector], [self.gradient])
        return float(loss)

    def parameters(self):
        return [array for pair in zip(self.W, self.b) for array in pair]


class TorchLoop:
    """The same network and optimizer in PyTorch (CPU)."""

    def __init__(self, sizes, optimizer, dropout, images, labels, batch_size, dtype, threads):
        import torch

        torch.set_num_threads(threads)
        torch.manual_seed(0)
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(torch.nn.Linear(n_in, n_out))
            if i < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
                if dropout:
                    layers.append(torch.nn.Dropout(dropout))
        self.model = torch.nn.Sequential(*layers).to(torch.float32 if dtype == np.float32 else torch.float64)
        self.model.train()
        if optimizer == "adam":
            self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATES["adam"])
        else:
            self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LEARNING_RATES["momentum"], momentum=0.9)
        self.loss = torch.nn.CrossEntropyLoss()
        self.x = torch.from_numpy(images.astype(dtype))
        self.y = torch.from_numpy(labels.astype(np.int64))
        self.batch_size = batch_size
        self.generator = torch.Generator().manual_seed(0)
        self.torch = torch

    def epoch(self):
        order = self.torch.randperm(len(self.x), generator=self.generator)
        for start in range(0, len(self.x), self.batch_size):
            batch = order[start : start + self.batch_size]
            self.optimizer.zero_grad(set_to_none=True)
            self.loss(self.model(self.x[batch]), self.y[batch]).backward()
            self.optimizer.step()


def time_epochs(loop, repeats):
    """Seconds of each of ``repeats`` epochs."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        loop.epoch()
        times.append(time.perf_counter() - start)
    return times


def matmul_only_epochs(sizes, n_examples, batch_size, dtype, repeats):
    """Seconds for just the matrix products of one epoch: the floor of any NumPy trainer.

    The same products as ``train_epoch`` computes (forward ``a @ W.T``, backward
    ``delta.T @ a_prev`` and ``delta @ W`` except in the first layer), on random arrays
    of the same shapes, with nothing else: no activation, no loss, no optimizer.
    """
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((n_out, n_in)).astype(dtype) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    inputs = [rng.standard_normal((batch_size, n_in)).astype(dtype) for n_in in sizes[:-1]]
    deltas = [rng.standard_normal((batch_size, n_out)).astype(dtype) for n_out in sizes[1:]]
    batches = -(-n_examples // batch_size)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(batches):
            for W, a in zip(weights, inputs):
                a @ W.T
            for i, (W, a, delta) in enumerate(zip(weights, inputs, deltas)):
                delta.T @ a
                if i > 0:
                    delta @ W
        times.append(time.perf_counter() - start)
    return times


def large_product_gflops(dtype, n=2048, repeats=3):
    """GFLOP/s of one large square matrix product: close to what the cores can do at best."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype(dtype)
    a @ a  # the first call starts BLAS's threads
    best = min(_timed(lambda: a @ a) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def _timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def optimizer_only_epochs(name, parameter_count, n_examples, batch_size, dtype, repeats):
    """Seconds for just an epoch's optimizer steps, on one vector of all parameters.

    The fewest NumPy calls the optimizer can make: the floor of its element-wise passes.
    The gradients are random numbers, redrawn never, so nothing else is timed.
    """
    rng = np.random.default_rng(0)
    parameters = rng.standard_normal(parameter_count).astype(dtype)
    gradient = (1e-2 * rng.standard_normal(parameter_count)).astype(dtype)
    from neuralbook.experiments import make_optimizer

    optimizer = make_optimizer(benchmark_config([784, 10], name, 0.0, dtype))
    batches = -(-n_examples // batch_size)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(batches):
            take_step(optimizer, [parameters], [gradient])
        times.append(time.perf_counter() - start)
    return times


def paired_ratios(first, second, pairs):
    """The seconds of ``first``'s epoch over ``second``'s, one ratio per pair of epochs.

    The two epochs of a pair run one right after the other, in the order A B, then
    B A, and so on, so that a slow moment of the machine falls on both alike and the
    ratio of a pair barely feels it, even when the seconds of single epochs wander by
    10% or more.
    """
    ratios = []
    for i in range(pairs):
        if i % 2 == 0:
            a = _timed(first.epoch)
            b = _timed(second.epoch)
        else:
            b = _timed(second.epoch)
            a = _timed(first.epoch)
        ratios.append(a / b)
    return ratios


def step_only_seconds(setting, sizes, n_examples, batch_size, dtype, rounds=15):
    """Seconds for an epoch's optimizer steps alone, today's optimizer against the one before.

    The rewrite changed only the optimizers, so this times exactly what changed: the
    ``step`` calls of one epoch on arrays of the network's shapes, with random
    gradients, the two variants taking turns. Returns ``(today, before)``, the fastest
    of ``rounds`` each.
    """
    network, today = build_network(sizes, SETTINGS[setting][0], 0.0, dtype)
    before = optimizer_before(today)
    rng = np.random.default_rng(0)
    grads = [(1e-2 * rng.standard_normal(p.shape)).astype(dtype) for p in network.parameters()]
    params = {"today": [p.copy() for p in network.parameters()], "before": [p.copy() for p in network.parameters()]}
    optimizers = {"today": today, "before": before}
    batches = -(-n_examples // batch_size)
    best = {"today": math.inf, "before": math.inf}
    for i in range(rounds):
        for name in (("today", "before") if i % 2 == 0 else ("before", "today")):
            optimizer, p = optimizers[name], params[name]
            start = time.perf_counter()
            for _ in range(batches):
                take_step(optimizer, p, grads)
            best[name] = min(best[name], time.perf_counter() - start)
    return best["today"], best["before"]


def breakdown(sizes, images, labels, batch_size, dtype, repeats=3):
    """Seconds per epoch of the trainer spent gathering batches, in forward + backward, and in Adam's step."""
    from neuralbook.training import _targets

    network, optimizer = build_network(sizes, "adam", 0.0, dtype)
    x, y = images.astype(dtype), _targets(network, labels)
    parameters = network.parameters()
    rng = np.random.default_rng(0)
    best = None
    for _ in range(repeats):
        parts = {"gather": 0.0, "forward_backward": 0.0, "optimizer": 0.0}
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            t0 = time.perf_counter()
            batch = order[start : start + batch_size]
            xb, yb = x[batch], y[batch]
            t1 = time.perf_counter()
            loss, gradients = network.loss_and_gradients(xb, yb)
            t2 = time.perf_counter()
            take_step(optimizer, parameters, gradients)
            t3 = time.perf_counter()
            parts["gather"] += t1 - t0
            parts["forward_backward"] += t2 - t1
            parts["optimizer"] += t3 - t2
        if best is None or sum(parts.values()) < sum(best.values()):
            best = parts
    return best


def blas_threads():
    """How many threads NumPy's BLAS uses (from threadpoolctl if present, else the environment)."""
    try:
        from threadpoolctl import threadpool_info

        return max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")
    except Exception:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            if os.environ.get(name):
                return int(os.environ[name])
        return os.cpu_count()


def same_parameters(a, b):
    """Whether two lists of arrays are equal bit for bit."""
    return len(a) == len(b) and all(np.array_equal(p, q) for p, q in zip(a, b))


def compare(sizes, images, labels, batch_size, dtype, repeats, rounds, threads, use_torch, settings, pairs):
    """Time the trainer, the lean loop and PyTorch for each setting, taking turns.

    Returns a dict per setting with the fastest and median seconds of each, the
    ``pairs`` paired ratios trainer/before (`paired_ratios`), and whether the trainer
    ended with the same parameters as the lean loop and as the trainer with the
    optimizers before the rewrite.
    """
    loops, times = {}, {}
    for setting in settings:
        optimizer, dropout = SETTINGS[setting]
        args = (sizes, optimizer, dropout, images, labels, batch_size, dtype)
        loops[setting] = {
            "trainer": Trainer(*args), "before": Trainer(*args, variant="before"),
            "readable": Trainer(*args, variant="readable"), "lean": LeanLoop(*args),
        }
        if use_torch:
            loops[setting]["torch"] = TorchLoop(*args, threads)
        times[setting] = {name: [] for name in loops[setting]}
    for _ in range(rounds):
        for setting, implementations in loops.items():
            for name, loop in implementations.items():
                times[setting][name] += time_epochs(loop, repeats)
    # Checked now, while every loop has trained the same number of epochs.
    identical = {
        setting: {
            "identical_to_lean": same_parameters(implementations["trainer"].parameters(), implementations["lean"].parameters()),
            "identical_to_before": same_parameters(implementations["trainer"].parameters(), implementations["before"].parameters()),
        }
        for setting, implementations in loops.items()
    }
    ratios = {setting: paired_ratios(loops[setting]["trainer"], loops[setting]["before"], pairs) for setting in loops}
    results = {}
    for setting, implementations in loops.items():
        results[setting] = {
            "optimizer": SETTINGS[setting][0],
            "dropout": SETTINGS[setting][1],
            **identical[setting],
            "epochs_timed": len(times[setting]["trainer"]),
            "paired_trainer_over_before": ratios[setting],
            "paired_trainer_over_before_median": float(np.median(ratios[setting])),
            "paired_trainer_over_before_quartiles": [float(q) for q in np.percentile(ratios[setting], [25, 75])],
        }
        for name, values in times[setting].items():
            results[setting][f"{name}_seconds"] = min(values)
            results[setting][f"{name}_median_seconds"] = float(np.median(values))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="784,128,64,10")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    parser.add_argument("--examples", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed in a row per implementation and round")
    parser.add_argument("--rounds", type=int, default=3, help="take turns this many times (the fastest epoch counts)")
    parser.add_argument("--pairs", type=int, default=20, help="paired epochs of trainer and before, for their ratio")
    parser.add_argument("--settings", default=",".join(SETTINGS), help=f"comma-separated, from: {', '.join(SETTINGS)}")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--no-float64", action="store_true", help="skip the float64 comparison")
    parser.add_argument("--save", action="store_true", help="write src/neuralbook/results/speed.json")
    args = parser.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",")]
    settings = [s for s in args.settings.split(",") if s]
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        parser.error(f"unknown settings: {', '.join(sorted(unknown))}")
    dtype = np.dtype(args.dtype).type
    images, labels, source = data(args.examples)
    images = images.astype(dtype, copy=False)  # converted once, shared by every loop
    flops = matmul_flops(sizes, len(images))
    threads = blas_threads()
    use_torch = not args.no_torch
    torch_version = None
    if use_torch:
        try:
            import torch

            torch_version = torch.__version__
        except ImportError:
            use_torch = False
    load_before = os.getloadavg()[0]
    print(f"network {sizes}, batch {args.batch_size}, {args.dtype}, {len(images)} {source} images, {threads} threads")
    print(f"matrix products: {flops / 1e9:.2f} GFLOP per epoch")

    settings_results = compare(sizes, images, labels, args.batch_size, dtype, args.repeats, args.rounds, threads, use_torch, settings, args.pairs)
    header = (f"{'seconds per epoch':24}{'trainer':>10}{'before':>10}{'trainer/before':>16}{'readable':>10}{'lean':>10}"
              + (f"{'PyTorch':>10}{'PyTorch/trainer':>17}" if use_torch else ""))
    print(header)
    for setting, r in settings_results.items():
        r["trainer_over_before"] = r["trainer_seconds"] / r["before_seconds"]
        r["readable_over_trainer"] = r["readable_seconds"] / r["trainer_seconds"]
        line = (f"{setting:24}{r['trainer_seconds']:10.3f}{r['before_seconds']:10.3f}{r['trainer_over_before']:16.3f}"
                f"{r['readable_seconds']:10.3f}{r['lean_seconds']:10.3f}")
        if use_torch:
            r["torch_over_trainer"] = r["torch_seconds"] / r["trainer_seconds"]
            line += f"{r['torch_seconds']:10.3f}{r['torch_over_trainer']:17.2f}"
        r["lean_over_trainer"] = r["lean_seconds"] / r["trainer_seconds"]
        print(line + ("" if r["identical_to_lean"] else "   (lean loop ended with different parameters!)")
              + ("" if r["identical_to_before"] else "   (the optimizers before the rewrite ended with different parameters!)"))

    # Did rewriting the optimizers slow the trainer? Two measurements that the machine's
    # noise barely touches: paired epochs, and the optimizer steps alone.
    for setting, r in settings_results.items():
        today, before = step_only_seconds(setting, sizes, len(images), args.batch_size, dtype)
        r |= {"step_only_today_seconds": today, "step_only_before_seconds": before,
              "step_only_difference_over_trainer": (today - before) / r["trainer_seconds"]}
        low, high = r["paired_trainer_over_before_quartiles"]
        print(f"{setting}: trainer/before over {len(r['paired_trainer_over_before'])} paired epochs: median "
              f"{r['paired_trainer_over_before_median']:.3f} (quartiles {low:.3f} to {high:.3f}); optimizer steps alone: "
              f"today {today:.4f} s, before {before:.4f} s per epoch, a difference of "
              f"{100 * r['step_only_difference_over_trainer']:+.1f}% of the trainer's epoch")

    parameter_count = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    floor = min(matmul_only_epochs(sizes, len(images), args.batch_size, dtype, 3))
    optimizer_floor = {name: min(optimizer_only_epochs(name, parameter_count, len(images), args.batch_size, dtype, 3)) for name in ("adam", "momentum")}
    peak = large_product_gflops(dtype)
    print(f"one large product (2048 x 2048): {peak:.1f} GFLOP/s; at that rate the epoch's products would take {flops / peak / 1e9:.3f} s")
    print(f"floor: matrix products alone {floor:.3f} s ({flops / floor / 1e9:.1f} GFLOP/s); "
          f"optimizer passes alone: Adam {optimizer_floor['adam']:.3f} s, momentum {optimizer_floor['momentum']:.3f} s")
    print(f"floor of an Adam epoch (products + Adam's passes): {floor + optimizer_floor['adam']:.3f} s; "
          f"of a momentum epoch: {floor + optimizer_floor['momentum']:.3f} s")

    result = {
        "sizes": sizes,
        "batch_size": args.batch_size,
        "dtype": args.dtype,
        "examples": len(images),
        "data": source,
        "threads": threads,
        "cpu_count": os.cpu_count(),
        "parameter_count": parameter_count,
        "load_average_before": load_before,
        "numpy_version": np.__version__,
        "torch_version": torch_version,
        "matmul_gflop_per_epoch": flops / 1e9,
        "settings": settings_results,
        "matmul_only_seconds_per_epoch": floor,
        "matmul_only_gflops": flops / floor / 1e9,
        "large_product_gflops": peak,
        "optimizer_only_seconds_per_epoch": optimizer_floor,
    }
    if "adam" in settings_results:
        adam = settings_results["adam"]
        result |= {
            "numpy_seconds_per_epoch": adam["trainer_seconds"],
            "numpy_gflops": flops / adam["trainer_seconds"] / 1e9,
            "matmul_share": floor / adam["trainer_seconds"],
        }
        if use_torch:
            result |= {"torch_seconds_per_epoch": adam["torch_seconds"], "torch_over_numpy": adam["torch_over_trainer"]}
        print(f"trainer (adam): {result['numpy_gflops']:.1f} GFLOP/s; the products alone are {100 * result['matmul_share']:.0f}% of its epoch")

    if args.dtype == "float32" and not args.no_float64 and "adam" in settings_results:
        float64 = Trainer(sizes, "adam", 0.0, images, labels, args.batch_size, np.float64)
        float64_seconds = min(time_epochs(float64, max(2, args.repeats)))
        result |= {"numpy_float64_seconds_per_epoch": float64_seconds, "float64_over_float32": float64_seconds / result["numpy_seconds_per_epoch"]}
        print(f"trainer (adam) in float64: {float64_seconds:.3f} s/epoch ({result['float64_over_float32']:.2f} times the float32 time)")

    parts = breakdown(sizes, images, labels, args.batch_size, dtype)
    result["breakdown_seconds"] = parts
    print("where the trainer's time goes (adam): " + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in parts.items()))
    # What shuffling by copying the whole data set every epoch would cost.
    copies = []
    for _ in range(3):
        order = np.random.default_rng(0).permutation(len(images))
        start = time.perf_counter()
        shuffled = images[order]
        copies.append(time.perf_counter() - start)
        del shuffled
    result |= {"whole_copy_seconds": min(copies), "whole_copy_megabytes": images.nbytes / 1e6}
    print(f"copying the shuffled data set ({images.nbytes / 1e6:.0f} MB): {min(copies):.3f} s")
    result["load_average_after"] = os.getloadavg()[0]
    if args.save:
        from neuralbook.experiments import results_dir, write_json

        path = write_json(results_dir() / "speed.json", result)
        print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main()
    sys.exit(0)
