"""The whole network on one page: Nielsen's network.py in NumPy, vectorised over the batch.

Sigmoid neurons, the quadratic cost, backpropagation (BP1-BP4) and mini-batch SGD, in the
book's notation: rows are samples, W[l] has one row per neuron. Run it on MNIST with
``python -m neuralbook.scratch --epochs 3``.
"""

import numpy as np

__all__ = ["sigmoid", "sigmoid_prime", "initial_parameters", "forward", "quadratic_cost",
           "backward", "sgd_step", "train_epoch", "accuracy"]


def sigmoid(z):
    """The logistic sigmoid, σ(z) = 1 / (1 + e^(−z)), entry by entry.

    Examples
    --------
    >>> print(np.round(sigmoid(np.array([0.0, 2.0])), 4))
    [0.5    0.8808]
    """
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    """The sigmoid's derivative, σ'(z) = σ(z) (1 − σ(z)).

    Examples
    --------
    >>> print(sigmoid_prime(np.array([0.0])))
    [0.25]
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def initial_parameters(sizes, rng):
    """Every weight and bias drawn from N(0, 1), layer by layer, as Nielsen's network.py starts.

    ``sizes`` lists the neurons per layer, input first; layer l gets W[l] of shape
    (n[l], n[l-1]) and b[l] of shape (n[l],) (lists index from 0 for layer 1).

    Examples
    --------
    >>> W, b = initial_parameters([784, 30, 10], np.random.default_rng(0))
    >>> [w.shape for w in W], [v.shape for v in b]
    ([(30, 784), (10, 30)], [(30,), (10,)])
    """
    W, b = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W.append(rng.standard_normal((n_out, n_in)))
        b.append(rng.standard_normal(n_out))
    return W, b


def forward(W, b, x):
    """The forward pass of a batch: the weighted inputs Z and the activations A of every layer.

    ``x`` has shape (B, n[0]), one sample per row. Returns ``zs = [Z1, ..., ZL]`` and
    ``activations = [A0, A1, ..., AL]`` with ``A0 = x``; the output ŷ is ``activations[-1]``.

    Examples
    --------
    >>> W, b = [np.zeros((1, 2))], [np.zeros(1)]
    >>> zs, activations = forward(W, b, np.ones((3, 2)))
    >>> print(activations[-1].ravel())
    [0.5 0.5 0.5]
    """
    zs, activations = [], [x]
    for W_l, b_l in zip(W, b):
        z = activations[-1] @ W_l.T + b_l  # Z = A Wᵀ + b, the bias added to every row
        zs.append(z)
        activations.append(sigmoid(z))
    return zs, activations


def quadratic_cost(a, y):
    """The quadratic cost C = 1/(2B) Σ ‖a − y‖² of a batch of B outputs ``a`` and targets ``y``.

    Examples
    --------
    >>> print(round(float(quadratic_cost(np.array([[0.2, 0.6]]), np.array([[0.0, 1.0]]))), 4))
    0.1
    """
    return np.sum((a - y) ** 2) / (2 * len(y))


def backward(W, zs, activations, y):
    """The gradients ∂C/∂W and ∂C/∂b of every layer by backpropagation, BP1 to BP4.

    ``zs`` and ``activations`` come from `forward`, ``y`` holds the one-hot targets
    (B, n[L]). Returns ``dW, db``, lists shaped like ``W`` and ``b``.

    Examples
    --------
    >>> W, b = [np.zeros((1, 2))], [np.zeros(1)]
    >>> zs, activations = forward(W, b, np.ones((4, 2)))
    >>> dW, db = backward(W, zs, activations, np.ones((4, 1)))
    >>> print(dW[0], db[0])  # (0.5 - 1) · σ'(0) = -0.125 for each input and the bias
    [[-0.125 -0.125]] [-0.125]
    """
    B = len(y)
    delta = (activations[-1] - y) / B * sigmoid_prime(zs[-1])  # BP1, with the 1/B of the mean
    dW, db = [None] * len(W), [None] * len(W)
    for l in reversed(range(len(W))):
        dW[l] = delta.T @ activations[l]  # BP4: (B, n[l])ᵀ (B, n[l-1]) -> (n[l], n[l-1])
        db[l] = delta.sum(axis=0)  # BP3: the errors summed over the batch
        if l > 0:
            delta = (delta @ W[l]) * sigmoid_prime(zs[l - 1])  # BP2: one layer back
    return dW, db


def sgd_step(W, b, x, y, learning_rate):
    """One step of gradient descent on the batch (x, y): w ← w − η ∂C/∂w, in place.

    Examples
    --------
    >>> W, b = [np.zeros((1, 2))], [np.zeros(1)]
    >>> sgd_step(W, b, np.ones((4, 2)), np.ones((4, 1)), learning_rate=2.0)
    >>> print(W[0], b[0])
    [[0.25 0.25]] [0.25]
    """
    zs, activations = forward(W, b, x)
    dW, db = backward(W, zs, activations, y)
    for l in range(len(W)):
        W[l] -= learning_rate * dW[l]
        b[l] -= learning_rate * db[l]


def train_epoch(W, b, x, y, learning_rate, batch_size, rng):
    """One epoch: shuffle the N training samples, then one `sgd_step` per mini-batch of B.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> W, b = initial_parameters([2, 3, 1], rng)
    >>> x, y = rng.random((8, 2)), rng.integers(0, 2, (8, 1)).astype(float)
    >>> before = quadratic_cost(forward(W, b, x)[1][-1], y)
    >>> for epoch in range(20):
    ...     train_epoch(W, b, x, y, learning_rate=3.0, batch_size=4, rng=rng)
    >>> bool(quadratic_cost(forward(W, b, x)[1][-1], y) < before)
    True
    """
    order = rng.permutation(len(x))  # a new random order every epoch
    for start in range(0, len(x), batch_size):
        batch = order[start:start + batch_size]
        sgd_step(W, b, x[batch], y[batch], learning_rate)


def accuracy(W, b, x, labels):
    """The fraction of samples whose largest output is at their label.

    Examples
    --------
    >>> W, b = [np.array([[1.0, 0.0], [0.0, 1.0]])], [np.zeros(2)]
    >>> print(round(float(accuracy(W, b, np.array([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0]]), np.array([0, 1, 1]))), 4))
    0.6667
    """
    _, activations = forward(W, b, x)
    return np.mean(activations[-1].argmax(axis=1) == labels)


if __name__ == "__main__":  # Nielsen's [784, 30, 10] on MNIST, as the `nielsen` preset
    import argparse

    from neuralbook.datasets import load_mnist, one_hot, train_validation_split

    parser = argparse.ArgumentParser(description="Train Nielsen's network with the one-page network.")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--train-size", type=int, default=50_000, help="use the first this many training images")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not 1 <= args.train_size <= 50_000:
        parser.error(f"expected --train-size between 1 and 50000, got {args.train_size}")

    data = load_mnist()
    x, labels, validation_x, validation_labels = train_validation_split(data.train_images, data.train_labels)
    x, y = x[:args.train_size].astype(np.float64), one_hot(labels[:args.train_size], 10, dtype=np.float64)
    rng = np.random.default_rng(args.seed)
    W, b = initial_parameters([784, 30, 10], rng)
    for epoch in range(1, args.epochs + 1):
        train_epoch(W, b, x, y, learning_rate=3.0, batch_size=10, rng=rng)
        print(f"epoch {epoch}: validation accuracy {accuracy(W, b, validation_x, validation_labels):.2%}")
