"""The dense (fully connected) layer: forward and backward.

A dense layer with ``n_in`` inputs and ``n_out`` neurons holds a weight matrix ``W``
of shape ``(n_out, n_in)`` (row ``j`` holds the weights of neuron ``j``) and a bias
vector ``b`` of shape ``(n_out,)``. Rows are samples: a batch ``a_prev`` of shape
``(B, n_in)`` becomes

    z = a_prev @ W.T + b        shape (B, n_out)
    a = f(z)                    shape (B, n_out)

where ``f`` is the layer's activation. Going backward, given δ = ∂C/∂z of shape
``(B, n_out)``, the layer gives the gradients of its parameters and, when asked, the
gradient with respect to its input:

    ∂C/∂W = δᵀ @ a_prev          shape (n_out, n_in)    (BP4)
    ∂C/∂b = δ summed over rows   shape (n_out,)         (BP3)
    ∂C/∂a_prev = δ @ W           shape (B, n_in)        (first half of BP2)

The chapters *Multi-layer networks and forward propagation* and *Backpropagation*
explain these lines.
"""

from __future__ import annotations

import numpy as np

from neuralbook import activations
from neuralbook.initializers import initialize

__all__ = ["Dense", "ACTIVATIONS"]


def _identity(z):
    return z


def _identity_prime(z):
    return np.ones_like(z)


#: Activation name -> (function, derivative). ``softmax`` has no element-wise
#: derivative; a softmax output layer is always paired with cross-entropy, whose
#: combined gradient the network uses directly.
ACTIVATIONS = {
    "sigmoid": (activations.sigmoid, activations.sigmoid_prime),
    "tanh": (activations.tanh, activations.tanh_prime),
    "relu": (activations.relu, activations.relu_prime),
    "leaky_relu": (activations.leaky_relu, activations.leaky_relu_prime),
    "linear": (_identity, _identity_prime),
    "softmax": (activations.softmax, None),
}
"""Activation name -> (function, derivative); `softmax` has no element-wise derivative."""


class Dense:
    """A fully connected layer: ``a = f(a_prev @ W.T + b)``.

    Parameters
    ----------
    n_in, n_out : int
        Number of inputs and of neurons.
    activation : str
        One of ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"leaky_relu"``, ``"linear"``,
        ``"softmax"``.
    init : str
        Name of an initialisation in [`neuralbook.initializers`][neuralbook.initializers].
    rng : numpy.random.Generator
        Draws the initial weights.
    dtype : numpy dtype
        float32 or float64: the dtype of ``W`` and ``b``, and of everything the layer
        computes from inputs of that dtype (the network casts its inputs to it).

    Attributes
    ----------
    W : numpy.ndarray, shape (n_out, n_in)
    b : numpy.ndarray, shape (n_out,)

    Examples
    --------
    >>> layer = Dense(3, 2, activation="relu", init="he", rng=np.random.default_rng(0))
    >>> layer.W.shape, layer.b.shape, layer.parameter_count
    ((2, 3), (2,), 8)
    >>> z, a = layer.forward(np.ones((5, 3)))
    >>> a.shape
    (5, 2)
    """

    def __init__(self, n_in: int, n_out: int, activation: str = "relu", init: str = "he",
                 rng: np.random.Generator | None = None, dtype: np.typing.DTypeLike = np.float64) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; expected one of: {', '.join(ACTIVATIONS)}")
        if rng is None:
            raise TypeError("Dense needs rng=numpy.random.default_rng(seed) to draw its initial weights")
        self.n_in = n_in
        self.n_out = n_out
        self.activation = activation
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"expected dtype float32 or float64, got {self.dtype}")
        self.f, self.f_prime = ACTIVATIONS[activation]
        self.W, self.b = initialize(init, n_in, n_out, rng, dtype=self.dtype)

    @property
    def parameter_count(self) -> int:
        """Number of weights plus number of biases: ``n_out * n_in + n_out``."""
        return self.W.size + self.b.size

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out}, activation={self.activation!r}, dtype={self.dtype.name})"

    # --8<-- [start:forward]
    def forward(self, a_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pre-activations and activations for a batch.

        Parameters
        ----------
        a_prev : numpy.ndarray, shape (B, n_in)
            The previous layer's activations (or the input), one sample per row.

        Returns
        -------
        z : numpy.ndarray, shape (B, n_out)
            Weighted inputs, ``a_prev @ W.T + b``.
        a : numpy.ndarray, shape (B, n_out)
            Activations, ``f(z)``.
        """
        z = a_prev @ self.W.T  # (B, n_in) @ (n_in, n_out) -> (B, n_out)
        z += self.b  # the bias is added to every row (broadcasting)
        a = self.f(z)
        return z, a
    # --8<-- [end:forward]

    # --8<-- [start:backward]
    def backward(self, delta: np.ndarray, a_prev: np.ndarray, input_gradient: bool = True
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The gradients that follow from this layer's error delta = ∂C/∂z.

        Parameters
        ----------
        delta : numpy.ndarray, shape (B, n_out)
            ∂C/∂z for this layer, already averaged over the batch by the loss.
        a_prev : numpy.ndarray, shape (B, n_in)
            The input this layer saw in the forward pass.
        input_gradient : bool
            Whether to compute ∂C/∂a_prev. The first layer's input is the data, whose
            gradient nobody needs, so the network skips it there.

        Returns
        -------
        dW : numpy.ndarray, shape (n_out, n_in)
        db : numpy.ndarray, shape (n_out,)
        da_prev : numpy.ndarray, shape (B, n_in), or None
        """
        dW = delta.T @ a_prev  # BP4: sums δ_j · a_k over the batch
        db = delta.sum(axis=0)  # BP3: sums δ_j over the batch
        da_prev = delta @ self.W if input_gradient else None  # carries the error back
        return dW, db, da_prev
    # --8<-- [end:backward]
