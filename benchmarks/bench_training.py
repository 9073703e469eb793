"""Benchmark: seconds per epoch of the trainer, and the same network in PyTorch (CPU).

Not a test: run it by hand on a quiet machine::

    python benchmarks/bench_training.py                    # [784, 128, 64, 10], batch 128, float32
    python benchmarks/bench_training.py --save             # also write src/neuralbook/results/speed.json

It times full training epochs of 60,000 images (shuffle, forward, backward, Adam
step: exactly what :func:`neuralbook.training.train_epoch` does, without the
evaluation after the epoch), repeats them and keeps the fastest, because other
programs on the machine can only make an epoch slower. It prints seconds per epoch,
the achieved GFLOP/s (counting 2 floating-point operations per multiply-add of the
matrix products, the only work that grows with the layer sizes), and, when ``torch``
is importable, the same network trained the same way by PyTorch on the CPU with the
same number of threads, in the same run, and the ratio of the two. PyTorch is a
benchmark-only comparison, never a dependency of the package.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np


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
    try:
        from neuralbook.datasets import load_mnist

        mnist = load_mnist(download=False, progress=False)
        return mnist.train_images[:n], mnist.train_labels[:n], "MNIST"
    except (FileNotFoundError, OSError):
        rng = np.random.default_rng(seed)
        return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n), "random"


def numpy_epochs(sizes, images, labels, batch_size, dtype, repeats):
    from neuralbook.network import Network
    from neuralbook.optimizers import Adam
    from neuralbook.training import _targets, train_epoch

    network = Network(sizes, hidden_activation="relu", output="softmax", loss="cross_entropy", init="he", seed=0, dtype=dtype)
    optimizer = Adam(1e-3)
    x = images.astype(dtype)
    y = _targets(network, labels)
    rng = np.random.default_rng(0)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        train_epoch(network, optimizer, x, y, batch_size, rng)
        times.append(time.perf_counter() - start)
    return times


def numpy_breakdown(sizes, images, labels, batch_size, dtype, repeats=3):
    """Seconds per epoch spent gathering batches, in forward + backward, and in Adam's step."""
    from neuralbook.network import Network
    from neuralbook.optimizers import Adam
    from neuralbook.training import _targets

    network = Network(sizes, seed=0, dtype=dtype)
    optimizer = Adam(1e-3)
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
            optimizer.step(parameters, gradients)
            t3 = time.perf_counter()
            parts["gather"] += t1 - t0
            parts["forward_backward"] += t2 - t1
            parts["optimizer"] += t3 - t2
        if best is None or sum(parts.values()) < sum(best.values()):
            best = parts
    return best


def matmul_only_epochs(sizes, n_examples, batch_size, dtype, repeats):
    """Seconds for just the matrix products of one epoch: the floor of any NumPy trainer.

    The same products as :func:`train_epoch` computes (forward ``a @ W.T``, backward
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


def torch_epochs(sizes, images, labels, batch_size, dtype, repeats, threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    torch_dtype = torch.float32 if dtype == "float32" else torch.float64
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(torch_dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = torch.nn.CrossEntropyLoss()
    x = torch.from_numpy(images.astype(dtype))
    y = torch.from_numpy(labels.astype(np.int64))
    generator = torch.Generator().manual_seed(0)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        order = torch.randperm(len(x), generator=generator)
        xs, ys = x[order], y[order]
        for s in range(0, len(x), batch_size):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_function(model(xs[s : s + batch_size]), ys[s : s + batch_size])
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    return times, torch.__version__


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="784,128,64,10")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    parser.add_argument("--examples", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=7, help="epochs timed per framework (the fastest counts)")
    parser.add_argument("--rounds", type=int, default=2, help="alternate NumPy and PyTorch this many times")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--no-float64", action="store_true", help="skip the float64 comparison")
    parser.add_argument("--save", action="store_true", help="write src/neuralbook/results/speed.json")
    args = parser.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",")]
    images, labels, source = data(args.examples)
    flops = matmul_flops(sizes, len(images))
    threads = blas_threads()
    load_before = os.getloadavg()[0]
    numpy_times, torch_times, torch_version = [], [], None
    for _ in range(args.rounds):
        numpy_times += numpy_epochs(sizes, images, labels, args.batch_size, args.dtype, args.repeats)
        if not args.no_torch:
            try:
                times, torch_version = torch_epochs(sizes, images, labels, args.batch_size, args.dtype, args.repeats, threads)
                torch_times += times
            except ImportError:
                args.no_torch = True
    best = min(numpy_times)
    result = {
        "sizes": sizes,
        "batch_size": args.batch_size,
        "dtype": args.dtype,
        "examples": len(images),
        "data": source,
        "threads": threads,
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "matmul_gflop_per_epoch": flops / 1e9,
        "numpy_seconds_per_epoch": best,
        "numpy_median_seconds_per_epoch": float(np.median(numpy_times)),
        "numpy_gflops": flops / best / 1e9,
        "numpy_version": np.__version__,
    }
    print(f"network {sizes}, batch {args.batch_size}, {args.dtype}, {len(images)} {source} images, {threads} threads")
    print(f"matrix products: {flops / 1e9:.2f} GFLOP per epoch")
    print(f"NumPy   : {best:.3f} s/epoch (median {np.median(numpy_times):.3f}), {flops / best / 1e9:.1f} GFLOP/s")
    if torch_times:
        torch_best = min(torch_times)
        result |= {
            "torch_version": torch_version,
            "torch_seconds_per_epoch": torch_best,
            "torch_median_seconds_per_epoch": float(np.median(torch_times)),
            "torch_gflops": flops / torch_best / 1e9,
            "torch_over_numpy": torch_best / best,
        }
        print(f"PyTorch : {torch_best:.3f} s/epoch (median {np.median(torch_times):.3f}), {flops / torch_best / 1e9:.1f} GFLOP/s (torch {torch_version})")
        print(f"PyTorch time / NumPy time: {torch_best / best:.2f}")
    if args.dtype == "float32" and not args.no_float64:
        float64_times = numpy_epochs(sizes, images, labels, args.batch_size, "float64", max(2, args.repeats // 2))
        result |= {"numpy_float64_seconds_per_epoch": min(float64_times), "float64_over_float32": min(float64_times) / best}
        print(f"NumPy float64: {min(float64_times):.3f} s/epoch ({min(float64_times) / best:.2f} times the float32 time)")
    floor = min(matmul_only_epochs(sizes, len(images), args.batch_size, args.dtype, 3))
    result |= {"matmul_only_seconds_per_epoch": floor, "matmul_only_gflops": flops / floor / 1e9, "matmul_share": floor / best}
    print(f"matrix products alone: {floor:.3f} s/epoch ({flops / floor / 1e9:.1f} GFLOP/s), {100 * floor / best:.0f}% of the trainer's epoch")
    parts = numpy_breakdown(sizes, images, labels, args.batch_size, args.dtype)
    result["breakdown_seconds"] = parts
    print("where the time goes: " + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in parts.items()))
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
