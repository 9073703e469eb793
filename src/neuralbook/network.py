"""A multi-layer network built from a list of layer sizes.

``Network([784, 128, 64, 10])`` is a network with 784 inputs, two hidden layers of
128 and 64 neurons and 10 outputs: three [`Dense`][neuralbook.layers.Dense] layers.
Rows are samples everywhere: ``forward`` maps a batch ``x`` of shape ``(B, 784)`` to
outputs of shape ``(B, 10)``.

The output layer and the loss come in pairs, because the pair decides the *output
error* δ^[L] = ∂C/∂z^[L] where backpropagation starts:

| output | loss | output error δ^[L] (B samples, K outputs) |
|---|---|---|
| ``softmax`` | ``cross_entropy`` | (a − y) / B   (softmax and cross-entropy combined) |
| ``sigmoid`` | ``binary_cross_entropy`` | (a − y) / (B K): mean over all B K outputs |
| ``sigmoid`` | ``cross_entropy`` | (a − y) / B   (Nielsen's: sum over outputs, mean over samples) |
| ``sigmoid`` | ``quadratic`` | (a − y) / B ⊙ σ'(z)  (Nielsen's classic) |
| ``sigmoid`` | ``mse`` | 2 (a − y) / (B K) ⊙ σ'(z) |
| ``linear`` | ``quadratic`` / ``mse`` | (a − y) / B,  2 (a − y) / (B K) |

The losses themselves live in [`neuralbook.losses`][neuralbook.losses]; the combined forms
([`softmax_cross_entropy`][neuralbook.losses.softmax_cross_entropy],
[`sigmoid_binary_cross_entropy`][neuralbook.losses.sigmoid_binary_cross_entropy]) work from the logits z, so
they never take the logarithm of 0.
"""

from __future__ import annotations

import numpy as np

from neuralbook import losses
from neuralbook.activations import sigmoid_prime
from neuralbook.layers import Dense
from neuralbook.initializers import INITIALIZERS

__all__ = ["Network", "HIDDEN_ACTIVATIONS", "OUTPUTS", "LOSSES", "PAIRINGS"]

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
"""The activations a hidden layer can use."""
OUTPUTS = ("sigmoid", "softmax", "linear")
"""The activations an output layer can use."""
LOSSES = ("quadratic", "mse", "cross_entropy", "binary_cross_entropy")
"""The losses a network can be trained with."""

#: Which losses each output layer can be trained with.
PAIRINGS = {
    "softmax": ("cross_entropy",),
    "sigmoid": ("binary_cross_entropy", "cross_entropy", "quadratic", "mse"),
    "linear": ("quadratic", "mse"),
}
"""Which losses each output layer can be trained with."""


def _output_loss(output, loss, y, z, a):
    """The loss of a batch from its targets ``y``, logits ``z`` and outputs ``a``."""
    if loss == "cross_entropy" and output == "softmax":
        # losses.softmax_cross_entropy(y, z), without re-checking y on every batch (the
        # trainer calls this hundreds of times per epoch): log softmax(z) = z - log Σ e^z.
        m = z.max(axis=1, keepdims=True)
        log_softmax = z - m
        log_softmax -= np.log(np.exp(log_softmax).sum(axis=1, keepdims=True))
        return -np.sum(y * log_softmax) / z.shape[0]
    if loss == "binary_cross_entropy":
        return losses.sigmoid_binary_cross_entropy(y, z)
    if loss == "cross_entropy":  # sigmoid outputs, Nielsen's form: sum over the k outputs
        return z.shape[1] * losses.sigmoid_binary_cross_entropy(y, z)
    if loss == "quadratic":
        return losses.quadratic_cost(y, a)
    return losses.mse(y, a)


# --8<-- [start:output_error]
def _output_error(output, loss, y, z, a):
    """BP1: the output error ∂C/∂z^[L] of a batch, shape (B, K).

    The cost C is the average over the batch, so each row is one example's error divided by B.
    """
    if loss == "cross_entropy" and output == "softmax":
        return (a - y) / z.shape[0]  # a = softmax(z): softmax and cross-entropy combined
    if loss == "binary_cross_entropy":
        return losses.sigmoid_binary_cross_entropy_gradient(y, z)  # (a - y) / (B K)
    if loss == "cross_entropy":  # sigmoid outputs, Nielsen's form
        return z.shape[1] * losses.sigmoid_binary_cross_entropy_gradient(y, z)  # (a - y) / B
    if loss == "quadratic":
        dC_da = losses.quadratic_cost_gradient(y, a)  # (a - y) / B
    else:
        dC_da = losses.mse_gradient(y, a)  # 2 (a - y) / (B K)
    if output == "sigmoid":
        dC_da *= sigmoid_prime(z)  # chain rule through the output sigmoid
    return dC_da
# --8<-- [end:output_error]


class Network:
    """A feed-forward network of dense layers.

    Parameters
    ----------
    sizes : sequence of int
        Neurons per layer, input first: ``[784, 30, 10]`` has 784 inputs, one hidden
        layer of 30 neurons and 10 outputs.
    hidden_activation : str
        ``"sigmoid"``, ``"tanh"``, ``"relu"`` or ``"leaky_relu"``, used by every hidden
        layer.
    output : str
        Activation of the output layer: ``"softmax"``, ``"sigmoid"`` or ``"linear"``.
    loss : str
        ``"cross_entropy"``, ``"binary_cross_entropy"``, ``"quadratic"`` or ``"mse"``;
        see `PAIRINGS` for which output each one goes with.
    init : str
        Weight initialisation, a name in `neuralbook.initializers.INITIALIZERS`.
    seed : int
        Seed of the generator that draws the initial weights.
    dtype : numpy dtype
        ``numpy.float32`` (fast; the default) or ``numpy.float64`` (for gradient checks).
    dropout : float
        Probability of dropping each hidden activation during training (0 = off).

    Examples
    --------
    >>> net = Network([784, 30, 10], hidden_activation="sigmoid", output="softmax",
    ...               loss="cross_entropy", init="nielsen", seed=0)
    >>> net.parameter_count
    23860
    >>> [layer.W.shape for layer in net.layers]
    [(30, 784), (10, 30)]
    >>> net.forward(np.zeros((5, 784), dtype=np.float32)).shape
    (5, 10)
    """

    def __init__(
        self,
        sizes: list[int] | tuple[int, ...],
        hidden_activation: str = "relu",
        output: str = "softmax",
        loss: str = "cross_entropy",
        init: str = "he",
        seed: int | None = 0,
        dtype: np.typing.DTypeLike = np.float32,
        dropout: float = 0.0,
    ) -> None:
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"expected at least two sizes (inputs and outputs), got {sizes}")
        for size in sizes:
            if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
                raise ValueError(f"expected every size to be a positive integer, got {sizes}")
        if hidden_activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(
                f"unknown hidden_activation {hidden_activation!r}; expected one of: {', '.join(HIDDEN_ACTIVATIONS)}"
            )
        if output not in OUTPUTS:
            raise ValueError(f"unknown output {output!r}; expected one of: {', '.join(OUTPUTS)}")
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; expected one of: {', '.join(LOSSES)}")
        if loss not in PAIRINGS[output]:
            raise ValueError(
                f"a {output} output cannot be trained with the {loss} loss; "
                f"pair it with: {', '.join(PAIRINGS[output])}"
            )
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError("a softmax output needs at least two classes; use output='sigmoid' for one")
        if init not in INITIALIZERS:
            raise ValueError(f"unknown init {init!r}; expected one of: {', '.join(INITIALIZERS)}")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"expected dtype float32 or float64, got {dtype}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"expected dropout in [0, 1), got {dropout}")

        self.sizes = [int(size) for size in sizes]
        self.hidden_activation = hidden_activation
        self.output = output
        self.loss_name = loss
        self.init = init
        self.seed = seed
        self.dtype = dtype
        self.dropout = float(dropout)

        rng = np.random.default_rng(seed)
        self.layers = []
        for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            is_output = i == len(self.sizes) - 2
            activation = output if is_output else hidden_activation
            self.layers.append(Dense(n_in, n_out, activation=activation, init=init, rng=rng, dtype=dtype))

    # ------------------------------------------------------------------ description

    @property
    def config(self) -> dict:
        """Everything needed to rebuild this network (without its trained weights)."""
        return {
            "sizes": list(self.sizes),
            "hidden_activation": self.hidden_activation,
            "output": self.output,
            "loss": self.loss_name,
            "init": self.init,
            "seed": self.seed,
            "dtype": self.dtype.name,
            "dropout": self.dropout,
        }

    @classmethod
    def from_config(cls, config: dict, parameters: list[np.ndarray] | None = None) -> Network:
        """Build a network from `config`, optionally with given parameters.

        Parameters
        ----------
        config : dict
            As returned by `config`.
        parameters : list of numpy.ndarray, optional
            ``[W1, b1, W2, b2, ...]``; their values are copied into the new network.

        Examples
        --------
        >>> net = Network([3, 4, 2], seed=1)
        >>> copy = Network.from_config(net.config, net.parameters())
        >>> all(np.array_equal(p, q) for p, q in zip(net.parameters(), copy.parameters()))
        True
        """
        known = {"sizes", "hidden_activation", "output", "loss", "init", "seed", "dtype", "dropout"}
        unknown = set(config) - known
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(sorted(unknown))}")
        if "sizes" not in config:
            raise ValueError("config needs 'sizes'")
        arguments = dict(config)
        if "dtype" in arguments:
            arguments["dtype"] = np.dtype(arguments["dtype"])
        net = cls(**arguments)
        if parameters is not None:
            net.set_parameters(parameters)
        return net

    def parameters(self) -> list[np.ndarray]:
        """``[W1, b1, W2, b2, ...]``: the arrays themselves, so updating them in place trains the network."""
        return [array for layer in self.layers for array in (layer.W, layer.b)]

    def set_parameters(self, parameters: list[np.ndarray]) -> None:
        """Copy values into the network's parameters (same order and shapes as `parameters`)."""
        own = self.parameters()
        parameters = list(parameters)
        if len(parameters) != len(own):
            raise ValueError(f"expected {len(own)} parameter arrays, got {len(parameters)}")
        for i, (mine, given) in enumerate(zip(own, parameters)):
            given = np.asarray(given)
            if given.shape != mine.shape:
                kind = "W" if i % 2 == 0 else "b"
                raise ValueError(f"expected {kind}{i // 2 + 1} of shape {mine.shape}, got {given.shape}")
            if not np.all(np.isfinite(given)):
                raise ValueError(f"parameter {i} contains NaN or infinity")
            np.copyto(mine, given, casting="same_kind")

    @property
    def parameter_count(self) -> int:
        """Total number of weights and biases."""
        return sum(layer.parameter_count for layer in self.layers)

    def __repr__(self):
        return (
            f"Network({self.sizes}, hidden_activation={self.hidden_activation!r}, output={self.output!r}, "
            f"loss={self.loss_name!r}, dtype={self.dtype.name})"
        )

    # ------------------------------------------------------------------ checking inputs

    def _check_x(self, x):
        """``x`` as a finite array of shape (n, n_in) and the network's dtype."""
        x = np.asarray(x)
        n_in = self.sizes[0]
        if x.ndim != 2 or x.shape[1] != n_in:
            hint = ""
            if x.ndim > 2 and int(np.prod(x.shape[1:])) == n_in:
                hint = "; flatten each sample first: x.reshape(len(x), -1)"
            elif x.ndim == 1 and x.shape[0] == n_in:
                hint = "; for one sample use x[None, :] (rows are samples)"
            raise ValueError(f"expected x of shape (n, {n_in}), got {x.shape}{hint}")
        if x.shape[0] == 0:
            raise ValueError(f"expected at least one sample, got x of shape {x.shape}")
        if x.dtype.kind not in "biuf":
            raise ValueError(f"expected x to hold numbers, got dtype {x.dtype}")
        x = x.astype(self.dtype, copy=False)
        # A cheap test first (one sum); the exact one only if the sum is not finite.
        with np.errstate(over="ignore", invalid="ignore"):
            total = x.sum()
        if not np.isfinite(total) and not np.all(np.isfinite(x)):
            raise ValueError("x contains NaN or infinity")
        return x

    def _check_y(self, y, n):
        """Targets as an (B, K) array of the network's dtype.

        Accepts one-hot rows ``(B, K)``, a column ``(B, 1)`` or ``(B,)`` for a single
        output, and integer class labels ``(B,)`` for several outputs.
        """
        y = np.asarray(y)
        k = self.sizes[-1]
        if y.ndim == 1 and k == 1:
            y = y.reshape(-1, 1)
        elif y.ndim == 1 and y.dtype.kind in "iu":
            if y.size and (y.min() < 0 or y.max() >= k):
                raise ValueError(f"expected class labels in 0..{k - 1}, got values from {y.min()} to {y.max()}")
            y = np.eye(k, dtype=self.dtype)[y]
        if y.shape != (n, k):
            raise ValueError(f"expected y of shape ({n}, {k}) to match x with {n} samples, got {y.shape}")
        if y.dtype.kind not in "biuf":
            raise ValueError(f"expected y to hold numbers, got dtype {y.dtype}")
        y = y.astype(self.dtype, copy=False)
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinity")
        return y

    # ------------------------------------------------------------------ using the network

    # --8<-- [start:forward]
    def forward(self, x: np.typing.ArrayLike) -> np.ndarray:
        """The network's output for a batch: each layer's activations feed the next.

        Parameters
        ----------
        x : array_like, shape (B, n_in)
            One sample per row.

        Returns
        -------
        numpy.ndarray, shape (B, n_out)
            The output layer's activations a^[L].
        """
        a = self._check_x(x)
        for layer in self.layers:
            z, a = layer.forward(a)
        return a
    # --8<-- [end:forward]

    def predict(self, x: np.typing.ArrayLike) -> np.ndarray:
        """Class labels, shape (B,): the arg-max output, or ``a >= 0.5`` for one output.

        Examples
        --------
        >>> net = Network([2, 3, 1], output="sigmoid", loss="binary_cross_entropy", seed=0)
        >>> net.predict(np.zeros((4, 2))).shape
        (4,)
        """
        a = self.forward(x)
        if a.shape[1] == 1:
            return (a[:, 0] >= 0.5).astype(np.int64)
        return a.argmax(axis=1)

    def loss(self, x: np.typing.ArrayLike, y: np.typing.ArrayLike) -> float:
        """The loss on a batch (no dropout), as a Python float.

        Parameters
        ----------
        x : array_like, shape (B, n_in)
        y : array_like
            One-hot targets ``(B, k)``, a column ``(B, 1)`` for one output, or integer
            labels ``(B,)``.
        """
        a = self._check_x(x)
        y = self._check_y(y, a.shape[0])
        for layer in self.layers:
            z, a = layer.forward(a)
        return float(_output_loss(self.output, self.loss_name, y, z, a))

    def loss_and_gradients(self, x: np.typing.ArrayLike, y: np.typing.ArrayLike, rng: np.random.Generator | None = None
                           ) -> tuple[float, list[np.ndarray]]:
        """The loss on a batch and its gradient with respect to every parameter.

        Parameters
        ----------
        x : array_like, shape (B, n_in)
        y : array_like
            Targets, as for `loss`.
        rng : numpy.random.Generator, optional
            Draws the dropout masks. Dropout is applied (inverted: kept activations are
            divided by 1 − p) only when ``self.dropout > 0`` and ``rng`` is given.

        Returns
        -------
        loss : float
        gradients : list of numpy.ndarray
            ``[dW1, db1, dW2, db2, ...]``, in the order of `parameters`.

        Examples
        --------
        >>> net = Network([3, 4, 2], seed=0, dtype=np.float64)
        >>> loss, gradients = net.loss_and_gradients(np.ones((5, 3)), np.eye(2)[[0, 1, 0, 1, 1]])
        >>> [g.shape for g in gradients]
        [(4, 3), (4,), (2, 4), (2,)]
        """
        a = self._check_x(x)
        y = self._check_y(y, a.shape[0])
        if self.dropout > 0 and rng is not None:
            return self._backprop_with_dropout(a, y, rng)
        return self._backprop(a, y)

    # --8<-- [start:backprop]
    def _backprop(self, x, y):
        """The loss and every gradient by backpropagation, for a checked batch."""
        # Forward pass, remembering each layer's input a^[l-1] and weighted input z^[l].
        inputs, zs = [], []
        a = x
        for layer in self.layers:
            inputs.append(a)
            z, a = layer.forward(a)
            zs.append(z)
        loss = _output_loss(self.output, self.loss_name, y, z, a)

        # Backward pass, from the output layer L down to layer 1.
        delta = _output_error(self.output, self.loss_name, y, z, a)  # BP1
        gradients = [None] * (2 * len(self.layers))
        for l in reversed(range(len(self.layers))):
            dW, db, da_prev = self.layers[l].backward(delta, inputs[l], input_gradient=l > 0)
            gradients[2 * l], gradients[2 * l + 1] = dW, db  # BP4, BP3
            if l > 0:
                delta = da_prev * self.layers[l - 1].f_prime(zs[l - 1])  # BP2
        return float(loss), gradients
    # --8<-- [end:backprop]

    def _backprop_with_dropout(self, x, y, rng):
        """Backpropagation with inverted dropout on every hidden layer, for a checked batch."""
        last = len(self.layers) - 1
        inputs, zs, masks = [], [], []
        a = x
        for l, layer in enumerate(self.layers):
            inputs.append(a)
            z, a = layer.forward(a)
            # --8<-- [start:backprop_dropout]
            mask = None
            if l < last:  # hidden layers only
                mask = self._dropout_mask(a.shape, rng)  # 0, or 1/(1 - p) for a kept neuron
                a = a * mask
            # --8<-- [end:backprop_dropout]
            zs.append(z)
            masks.append(mask)
        loss = _output_loss(self.output, self.loss_name, y, z, a)

        delta = _output_error(self.output, self.loss_name, y, z, a)  # BP1
        gradients = [None] * (2 * len(self.layers))
        for l in reversed(range(len(self.layers))):
            dW, db, da_prev = self.layers[l].backward(delta, inputs[l], input_gradient=l > 0)
            gradients[2 * l], gradients[2 * l + 1] = dW, db  # BP4, BP3
            if l > 0:
                # --8<-- [start:backprop_dropout_backward]
                da_prev = da_prev * masks[l - 1]  # a dropped neuron passes no gradient back
                # --8<-- [end:backprop_dropout_backward]
                delta = da_prev * self.layers[l - 1].f_prime(zs[l - 1])  # BP2
        return float(loss), gradients

    def _dropout_mask(self, shape, rng):
        """Inverted dropout: 0 with probability p, else 1/(1 − p), in the network's dtype.

        The uniform numbers are drawn in float64 whatever the dtype, so a float32
        network and its float64 copy draw the same masks from the same generator.
        """
        keep = rng.random(shape) >= self.dropout
        mask = keep.astype(self.dtype)
        mask *= 1.0 / (1.0 - self.dropout)
        return mask
