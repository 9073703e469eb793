"""The capstone: the one-page network grown into a modern one, still on one page.

ReLU hidden layers with He initialisation, a softmax output with cross-entropy (so the
output error is simply ŷ − y), momentum, mini-batches, the validation accuracy after
every epoch and the test set once at the very end. Same notation as
[`neuralbook.scratch`][neuralbook.scratch]: rows are samples, W[l] has one row per
neuron. Train it on MNIST with ``python -m neuralbook.capstone``.
"""

import numpy as np

__all__ = ["SIZES", "LEARNING_RATE", "BETA", "BATCH_SIZE", "EPOCHS", "relu", "relu_prime", "softmax",
           "he_parameters", "forward", "cross_entropy_cost", "backward", "momentum_step", "train_epoch",
           "accuracy", "train"]

SIZES = [784, 64, 10]
"""The capstone network: 784 pixels in, 64 ReLU neurons, 10 softmax outputs."""
LEARNING_RATE = 0.05
"""The learning rate η, chosen on the validation set."""
BETA = 0.9
"""Momentum's β: how much of the velocity survives a step."""
BATCH_SIZE = 64
"""The mini-batch size B."""
EPOCHS = 25
"""The epochs of the solution, chosen on the validation set."""


def relu(z):
    """The rectified linear unit, max(0, z), entry by entry.

    Examples
    --------
    >>> print(relu(np.array([-2.0, 0.0, 3.0])))
    [0. 0. 3.]
    """
    return np.maximum(z, 0.0)


def relu_prime(z):
    """The ReLU's derivative: 1 where z > 0, else 0.

    Examples
    --------
    >>> print(relu_prime(np.array([-2.0, 0.0, 3.0])))
    [0. 0. 1.]
    """
    return (z > 0).astype(z.dtype)


def softmax(z):
    """The softmax of every row, e^(z_j) / Σ_k e^(z_k), computed without overflow.

    Examples
    --------
    >>> print(np.round(softmax(np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]])), 4))
    [[0.09   0.2447 0.6652]
     [0.3333 0.3333 0.3333]]
    """
    e = np.exp(z - z.max(axis=1, keepdims=True))  # the same softmax, and e^(...) ≤ 1
    return e / e.sum(axis=1, keepdims=True)


def he_parameters(sizes, rng, dtype=np.float64):
    """He initialisation, layer by layer: weights from N(0, 2/n_in), biases zero.

    Examples
    --------
    >>> W, b = he_parameters([784, 64, 10], np.random.default_rng(0))
    >>> [w.shape for w in W], round(float(W[0].std() * np.sqrt(784 / 2)), 2), float(b[0].sum())
    ([(64, 784), (10, 64)], 1.0, 0.0)
    """
    W, b = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W.append((rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)).astype(dtype))
        b.append(np.zeros(n_out, dtype=dtype))
    return W, b


def forward(W, b, x):
    """The forward pass of a batch: ReLU in the hidden layers, softmax at the output.

    Returns ``zs = [Z1, ..., ZL]`` and ``activations = [A0, ..., AL]`` with ``A0 = x``,
    as `neuralbook.scratch.forward` does; each row of ``activations[-1]`` sums to one.

    Examples
    --------
    >>> W, b = [np.ones((2, 2)), np.zeros((3, 2))], [np.zeros(2), np.zeros(3)]
    >>> zs, activations = forward(W, b, np.array([[1.0, -2.0]]))
    >>> print(zs[0], activations[1], np.round(activations[2], 4))
    [[-1. -1.]] [[0. 0.]] [[0.3333 0.3333 0.3333]]
    """
    zs, activations = [], [x]
    for l, (W_l, b_l) in enumerate(zip(W, b)):
        z = activations[-1] @ W_l.T + b_l  # Z = A Wᵀ + b
        zs.append(z)
        activations.append(softmax(z) if l == len(W) - 1 else relu(z))
    return zs, activations


def cross_entropy_cost(a, y):
    """The cross-entropy C = −1/B Σ y ln a of B softmax outputs ``a`` and one-hot targets ``y``.

    Examples
    --------
    >>> print(round(float(cross_entropy_cost(np.array([[0.25, 0.75]]), np.array([[0.0, 1.0]]))), 4))
    0.2877
    """
    return -np.sum(y * np.log(np.maximum(a, 1e-300))) / len(y)  # a floor: never log(0)


def backward(W, zs, activations, y):
    """The gradients ∂C/∂W and ∂C/∂b of every layer; softmax with cross-entropy starts at ŷ − y.

    Examples
    --------
    >>> W, b = [np.zeros((2, 1))], [np.zeros(2)]
    >>> zs, activations = forward(W, b, np.ones((4, 1)))
    >>> dW, db = backward(W, zs, activations, np.array([[0.0, 1.0]] * 4))
    >>> print(dW[0].ravel(), db[0])  # ŷ − y = (0.5, −0.5) for every sample
    [ 0.5 -0.5] [ 0.5 -0.5]
    """
    delta = (activations[-1] - y) / len(y)  # BP1 for softmax and cross-entropy, with the 1/B of the mean
    dW, db = [None] * len(W), [None] * len(W)
    for l in reversed(range(len(W))):
        dW[l] = delta.T @ activations[l]  # BP4
        db[l] = delta.sum(axis=0)  # BP3
        if l > 0:
            delta = (delta @ W[l]) * relu_prime(zs[l - 1])  # BP2, with the ReLU's derivative
    return dW, db


def momentum_step(W, b, velocities, x, y, learning_rate, beta):
    """One step of momentum on the batch (x, y), in place: v ← β v − η ∂C/∂w, then w ← w + v.

    ``velocities`` holds one array shaped like each of ``W + b`` (zeros at the start).

    Examples
    --------
    >>> W, b = [np.zeros((2, 1))], [np.zeros(2)]
    >>> velocities = [np.zeros((2, 1)), np.zeros(2)]
    >>> for step in range(2):
    ...     momentum_step(W, b, velocities, np.ones((1, 1)), np.array([[0.0, 1.0]]), 0.1, 0.9)
    >>> print(np.round(b[0], 4))  # v = -0.05, then 0.9 · (-0.05) - 0.1 · 0.45 with ŷ = (0.45, 0.55)
    [-0.14  0.14]
    """
    zs, activations = forward(W, b, x)
    dW, db = backward(W, zs, activations, y)
    for p, g, v in zip(W + b, dW + db, velocities):
        v *= beta
        v -= learning_rate * g  # v ← β v − η g
        p += v  # w ← w + v


def train_epoch(W, b, velocities, x, y, learning_rate, beta, batch_size, rng):
    """One epoch: shuffle the N samples, then one `momentum_step` per mini-batch of B.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> W, b = he_parameters([2, 8, 2], rng)
    >>> velocities = [np.zeros_like(p) for p in W + b]
    >>> x = rng.standard_normal((64, 2)); y = np.eye(2)[(x[:, 0] > 0).astype(int)]
    >>> before = cross_entropy_cost(forward(W, b, x)[1][-1], y)
    >>> for epoch in range(10):
    ...     train_epoch(W, b, velocities, x, y, 0.05, 0.9, batch_size=8, rng=rng)
    >>> bool(cross_entropy_cost(forward(W, b, x)[1][-1], y) < before / 2)
    True
    """
    order = rng.permutation(len(x))  # a new random order every epoch
    for start in range(0, len(x), batch_size):
        batch = order[start:start + batch_size]
        momentum_step(W, b, velocities, x[batch], y[batch], learning_rate, beta)


def accuracy(W, b, x, labels):
    """The fraction of samples whose largest output, the predicted class, is at their label.

    Examples
    --------
    >>> W, b = [np.array([[1.0, 0.0], [0.0, 1.0]])], [np.zeros(2)]
    >>> print(accuracy(W, b, np.array([[2.0, 0.0], [0.0, 2.0]]), np.array([0, 0])))
    0.5
    """
    _, activations = forward(W, b, x)
    return float(np.mean(activations[-1].argmax(axis=1) == labels))


def train(x, labels, validation_x, validation_labels, *, sizes=SIZES, epochs=EPOCHS, learning_rate=LEARNING_RATE,
          beta=BETA, batch_size=BATCH_SIZE, seed=0, schedule=None, dtype=np.float32):
    """Train a network from its He start; returns ``W, b`` and the validation accuracy after each epoch.

    ``schedule``, if given, maps the epoch (0, 1, ...) to that epoch's learning rate,
    e.g. [`CosineAnnealing`][neuralbook.schedules.CosineAnnealing]; else η stays
    ``learning_rate``. One seeded generator draws the start and every epoch's order.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.standard_normal((200, 2)); labels = (x[:, 0] * x[:, 1] > 0).astype(int)
    >>> W, b, history = train(x[:150], labels[:150], x[150:], labels[150:], sizes=[2, 16, 2], epochs=30,
    ...                       batch_size=10, seed=0)
    >>> len(history), history[-1] > 0.8
    (30, True)
    """
    if x.ndim != 2 or x.shape[1] != sizes[0]:
        raise ValueError(f"expected inputs of shape (N, {sizes[0]}), got {x.shape}")
    rng = np.random.default_rng(seed)
    W, b = he_parameters(sizes, rng, dtype=dtype)
    velocities = [np.zeros_like(p) for p in W + b]  # v starts at zero
    x, validation_x = x.astype(dtype), validation_x.astype(dtype)
    y = np.eye(sizes[-1], dtype=dtype)[labels]  # one-hot targets
    history = []
    for epoch in range(epochs):
        eta = learning_rate if schedule is None else schedule(epoch)
        train_epoch(W, b, velocities, x, y, eta, beta, batch_size, rng)
        history.append(accuracy(W, b, validation_x, validation_labels))
    return W, b, history


if __name__ == "__main__":  # the capstone on MNIST: validation after every epoch, the test set once
    import argparse

    from neuralbook.datasets import load_mnist, train_validation_split

    parser = argparse.ArgumentParser(description="Train the capstone network [784, 64, 10] written from scratch.")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--train-size", type=int, default=50_000, help="use the first this many training images")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error(f"expected --epochs of at least 1, got {args.epochs}")
    if not 1 <= args.train_size <= 50_000:
        parser.error(f"expected --train-size between 1 and 50000, got {args.train_size}")

    data = load_mnist()
    x, labels, validation_x, validation_labels = train_validation_split(data.train_images, data.train_labels)
    x, labels = x[:args.train_size], labels[:args.train_size]
    W, b, history = train(x, labels, validation_x, validation_labels, epochs=args.epochs, seed=args.seed)
    for epoch, validation_accuracy in enumerate(history, start=1):
        print(f"epoch {epoch}: validation accuracy {validation_accuracy:.2%}")
    # Only now, with every choice made, the test set, once:
    print(f"test accuracy {accuracy(W, b, data.test_images.astype(np.float32), data.test_labels):.2%}")
