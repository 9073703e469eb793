"""Export a trained network for the book's web pages, where JavaScript runs it.

The widget *Draw a digit* on the book's home page runs the trained network in the
reader's browser: no server, no framework, no internet. It needs the weights in a form
that JavaScript reads quickly and exactly, so `export_web` writes one small JSON file:

```text
{
  "format": "neuralbook-web",        always this string
  "version": 1,                      of this format
  "config": {...},                   Network.config: sizes, activations, loss, ...
  "source": {"file": "modern.npz", "sha256": "..."},   the model it came from
  "input": {"size": 784, "shape": [28, 28], "range": [0, 1],
            "preprocessing": "neuralbook.preprocessing.preprocess_drawing"},
  "encoding": "base64 of little-endian float32; W row-major, shape (n_out, n_in)",
  "layers": [
    {"n_in": 784, "n_out": 128, "activation": "relu",
     "W": "<base64>", "b": "<base64>"},
    ...
  ]
}
```

Each layer computes `a = f(W a_prev + b)` for one sample (the book's row-batch form
`a_prev @ W.T + b` on one row). Activations are named as in
`neuralbook.layers`: `sigmoid`, `tanh`, `relu`, `leaky_relu` (whose slope
is stored as `"alpha"`), `softmax` and `linear`. The weights are stored as
float32, the precision the book trains in, so a float32 network is exported without
any loss; a float64 network is rounded to float32. The browser's forward pass
(`docs/javascripts/neuralbook.js`) computes in float64 and agrees with
`Network.forward` (float32) to about 1e-6 on MNIST digits (the tests demand 1e-5).

The command `neuralbook export-web MODEL` calls `export_web`, and
`neuralbook results` writes the book's own model to `SITE_MODEL`.
"""

from __future__ import annotations

import base64
import inspect
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from neuralbook.files import atomic_write

__all__ = ["FORMAT", "VERSION", "SITE_MODEL", "network_to_web", "check_widget_network", "export_web", "read_web", "forward_web"]

#: The ``"format"`` field of every exported file.
FORMAT = "neuralbook-web"
"""The `"format"` field of every exported file."""
#: The version of the format written by `export_web`.
VERSION = 1
"""The version of the format written by `export_web`."""
#: Where the book's widget looks for its model, relative to the repository's root.
SITE_MODEL = Path("docs") / "assets" / "digit-model.json"
"""Where the book's widget looks for its model, relative to the repository's root."""

_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "softmax", "linear")


def _encode(array: np.ndarray) -> str:
    """Base64 of the array as little-endian float32, row-major."""
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def _decode(text: str, shape: tuple[int, ...]) -> np.ndarray:
    values = np.frombuffer(base64.b64decode(text, validate=True), dtype="<f4")
    if values.size != int(np.prod(shape)):
        raise ValueError(f"expected {int(np.prod(shape))} float32 values for shape {shape}, got {values.size}")
    return values.reshape(shape).astype(np.float32)


def _leaky_alpha() -> float:
    """The slope of leaky ReLU for negative inputs, as the package uses it."""
    from neuralbook.activations import leaky_relu

    return float(inspect.signature(leaky_relu).parameters["alpha"].default)


def network_to_web(network: Any, source: dict | None = None) -> dict:
    """The JSON-ready description of a network, in the format of this module.

    Parameters
    ----------
    network : neuralbook.network.Network
        Any object with ``layers`` (each with ``W`` of shape (n_out, n_in), ``b`` of
        shape (n_out,) and ``activation``) and a JSON-serialisable ``config``.
    source : dict, optional
        Where the network came from (file name, hash), stored as ``"source"``.

    Returns
    -------
    dict
        Ready for `json.dump`.

    Examples
    --------
    >>> from neuralbook.network import Network
    >>> web = network_to_web(Network([4, 3, 2], seed=0))
    >>> web["format"], [layer["activation"] for layer in web["layers"]]
    ('neuralbook-web', ['relu', 'softmax'])
    >>> len(web["layers"][0]["W"])          # 12 float32 = 48 bytes = 64 base64 characters
    64
    """
    layers: list[dict] = []
    for i, layer in enumerate(network.layers):
        W = np.asarray(layer.W)
        b = np.asarray(layer.b).reshape(-1)
        activation = getattr(layer, "activation", None)
        if activation not in _ACTIVATIONS:
            raise ValueError(f"layer {i + 1}: expected an activation in {_ACTIVATIONS}, got {activation!r}")
        if W.ndim != 2 or b.shape != (W.shape[0],):
            raise ValueError(f"layer {i + 1}: expected W of shape (n_out, n_in) and b of shape (n_out,), "
                             f"got {W.shape} and {b.shape}")
        if layers and layers[-1]["n_out"] != W.shape[1]:
            raise ValueError(f"layer {i + 1} takes {W.shape[1]} inputs but layer {i} gives {layers[-1]['n_out']}")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise ValueError(f"layer {i + 1} has a NaN or infinite parameter")
        with np.errstate(over="ignore"):
            if not (np.all(np.isfinite(W.astype(np.float32))) and np.all(np.isfinite(b.astype(np.float32)))):
                raise ValueError(f"layer {i + 1} has a parameter beyond float32's range (3.4e38), "
                                 f"the precision the file stores")
        entry = {"n_in": int(W.shape[1]), "n_out": int(W.shape[0]), "activation": activation}
        if activation == "leaky_relu":
            entry["alpha"] = _leaky_alpha()
        entry["W"] = _encode(W)
        entry["b"] = _encode(b)
        layers.append(entry)
    if not layers:
        raise ValueError("expected a network with at least one layer")
    return {
        "format": FORMAT,
        "version": VERSION,
        "config": json.loads(json.dumps(getattr(network, "config", {}))),
        "source": source or {},
        "input": {
            "size": layers[0]["n_in"],
            "shape": [28, 28] if layers[0]["n_in"] == 784 else [layers[0]["n_in"]],
            "range": [0, 1],
            "preprocessing": "neuralbook.preprocessing.preprocess_drawing",
        },
        "encoding": "base64 of little-endian float32; W row-major, shape (n_out, n_in)",
        "layers": layers,
    }


def check_widget_network(network: Any) -> None:
    """Refuse a network the book's digit widget cannot run.

    The widget feeds 784 pixels (a 28 × 28 drawing) and reads 10 outputs (one per
    digit), computing in float64 from float32 weights: its outputs must be finite for
    a blank canvas and for a full one, the two extremes of what can be drawn.

    Examples
    --------
    >>> from neuralbook.network import Network
    >>> check_widget_network(Network([784, 16, 10], seed=0))
    >>> check_widget_network(Network([100, 10], seed=0))
    Traceback (most recent call last):
    ...
    ValueError: the widget draws 784 pixels (28 x 28) and shows 10 digits, but this network has sizes [100, 10]
    """
    sizes = list(getattr(network, "sizes", None) or network.config["sizes"])
    if sizes[0] != 784 or sizes[-1] != 10:
        raise ValueError(f"the widget draws 784 pixels (28 x 28) and shows 10 digits, but this network has sizes {sizes}")
    web = network_to_web(network)
    web["layers"] = [(_decode(layer["W"], (layer["n_out"], layer["n_in"])), _decode(layer["b"], (layer["n_out"],)),
                      layer["activation"]) for layer in web["layers"]]
    with np.errstate(over="ignore", invalid="ignore"):
        outputs = forward_web(web, np.stack([np.zeros(784), np.ones(784)]))
    if not np.all(np.isfinite(outputs)):
        raise ValueError("the widget would compute NaN or infinite outputs with this network (for a blank or a "
                         "full canvas): its weights are too large; retrain it with a smaller learning rate")


def _network_of(model):
    """A network from a model file path, a loaded model (with ``.network``) or a network."""
    if isinstance(model, (str, os.PathLike)):
        from neuralbook.serialization import load_model

        model = load_model(model)
    return getattr(model, "network", model)


# --8<-- [start:export_web]
def export_web(model_path: Any, out_path: str | os.PathLike[str]) -> Path:
    """Write a trained model as the JSON file that the book's JavaScript runs.

    Parameters
    ----------
    model_path : str, os.PathLike, or a model or network
        A model saved by `neuralbook.serialization.save_model` (``.npz``); a loaded model or
        a `Network` is accepted too.
    out_path : str or os.PathLike
        The JSON file to write (atomically: a half-written file is never left behind).

    Returns
    -------
    pathlib.Path
        ``out_path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from neuralbook.network import Network
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "model.json"
    >>> _ = export_web(Network([784, 16, 10], seed=0), out)
    >>> web = read_web(out)
    >>> [W.shape for W, b, activation in web["layers"]]
    [(16, 784), (10, 16)]
    """
    network = _network_of(model_path)  # first: a missing or damaged file is named as such
    source = {}
    if isinstance(model_path, (str, os.PathLike)):
        from neuralbook.datasets import sha256_of

        source = {"file": Path(model_path).name, "sha256": sha256_of(model_path)}
    web = network_to_web(network, source)
    out_path = Path(out_path)
    with atomic_write(out_path, "w", encoding="utf-8") as file:
        json.dump(web, file, separators=(",", ":"))
        file.write("\n")
    return out_path
# --8<-- [end:export_web]


def read_web(path: str | os.PathLike[str]) -> dict:
    """Read a file written by `export_web`.

    Returns
    -------
    dict
        The file's fields, with `"layers"` turned into a list of
        ``(W, b, activation)``: float32 arrays of shapes (n_out, n_in) and (n_out,).

    Raises
    ------
    ValueError
        If the file is not in this format, or a layer's data has the wrong size.
    """
    web = json.loads(Path(path).read_text(encoding="utf-8"))
    if web.get("format") != FORMAT or web.get("version") != VERSION:
        raise ValueError(f"expected a {FORMAT} file of version {VERSION}, got format "
                         f"{web.get('format')!r} version {web.get('version')!r}")
    web["layers"] = [
        (_decode(layer["W"], (layer["n_out"], layer["n_in"])), _decode(layer["b"], (layer["n_out"],)),
         layer["activation"])
        for layer in web["layers"]
    ]
    return web


def forward_web(web: dict, x: np.typing.ArrayLike) -> np.ndarray:
    """Run a network read by `read_web` on a batch, in float64 (as JavaScript does).

    Parameters
    ----------
    web : dict
        As returned by `read_web`.
    x : array_like, shape (n, n_in)

    Returns
    -------
    numpy.ndarray, shape (n, n_out)

    Examples
    --------
    >>> web = {"layers": [(np.array([[1.0, -1.0]]), np.array([0.5]), "relu")]}
    >>> forward_web(web, [[2.0, 1.0], [0.0, 3.0]])
    array([[1.5],
           [0. ]])
    """
    a = np.asarray(x, dtype=np.float64)
    for W, b, activation in web["layers"]:
        z = a @ W.astype(np.float64).T + b.astype(np.float64)
        if activation == "sigmoid":
            a = 1.0 / (1.0 + np.exp(-z))
        elif activation == "tanh":
            a = np.tanh(z)
        elif activation == "relu":
            a = np.maximum(z, 0.0)
        elif activation == "leaky_relu":
            a = np.where(z > 0, z, _leaky_alpha() * z)
        elif activation == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
        elif activation == "linear":
            a = z
        else:
            raise ValueError(f"unknown activation {activation!r}")
    return a
