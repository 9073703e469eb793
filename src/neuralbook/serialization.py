"""Saving a trained network to a file and loading it back, safely.

A model file is an ordinary NumPy ``.npz`` archive (a zip of ``.npy`` arrays) that any
NumPy can open, holding only plain data:

| key | what it holds |
|---|---|
| ``format`` | the text ``"neuralbook-model"``, so that a foreign file is recognised |
| ``version`` | the format version, an integer (now `FORMAT_VERSION`) |
| ``config`` | the network's [`config`][neuralbook.network.Network.config] as JSON text |
| ``history`` | the training history as JSON text (``null`` if none) |
| ``metadata`` | anything else worth keeping, as JSON text (``{}`` if none) |
| ``param_0``... | the parameters ``W1, b1, W2, b2, ...`` as float arrays |

Texts are stored as 0-d Unicode arrays, so the file is read with
``np.load(allow_pickle=False)``: loading a model never runs code hidden in the file
(a pickle can). A file is written *atomically*: into a temporary file in the same
folder, which then replaces the target in one step (``os.replace``), so a crash or a
full disk mid-write leaves the previous model intact and no half-written file behind.

>>> import tempfile, os
>>> from neuralbook.network import Network
>>> network = Network([4, 3, 2], seed=0)
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "model.npz")
>>> save_model(path, network, metadata={"note": "untrained"})
>>> saved = load_model(path)
>>> saved.metadata
{'note': 'untrained'}
>>> x = np.ones((1, 4))
>>> bool(np.array_equal(saved.network.forward(x), network.forward(x)))
True
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neuralbook.files import atomic_write

#: The text in every model file's ``format`` entry.
FORMAT_MARKER = "neuralbook-model"
#: The version of the file format that [`save_model`][neuralbook.serialization.save_model] writes and [`load_model`][neuralbook.serialization.load_model] reads.
FORMAT_VERSION = 1

_TEXT_KEYS = ("format", "config", "history", "metadata")


class ModelFileError(ValueError):
    """A model file cannot be used: unreadable, truncated, foreign or inconsistent.

    The message names the file and the problem; ``path`` holds the file's path.
    """

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass
class SavedModel:
    """What [`load_model`][neuralbook.serialization.load_model] returns: the network and what was saved with it."""

    network: Any
    history: Any = None
    metadata: dict = field(default_factory=dict)


def _to_json(value) -> str:
    """JSON text of plain data; NumPy scalars and arrays become numbers and lists."""

    def plain(item):
        if isinstance(item, np.generic):
            return item.item()
        if isinstance(item, np.ndarray):
            return item.tolist()
        if isinstance(item, Path):
            return str(item)
        raise TypeError(f"cannot save {type(item).__name__} in a model file: only plain data (numbers, text, lists, dicts)")

    return json.dumps(value, default=plain)


# --8<-- [start:save_model]
def save_model(path, network, history=None, metadata=None) -> None:
    """Save ``network`` (its config and parameters), with its history and metadata.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write, conventionally ``*.npz``; replaced if it exists.
    network : neuralbook.network.Network
        The network; its ``config`` and ``parameters()`` are saved.
    history : optional
        The training history (plain data: dicts, lists, numbers), stored as JSON.
    metadata : dict, optional
        Anything else worth keeping (data set, seed, date), stored as JSON.
    """
    path = Path(path)
    arrays = {
        "format": np.array(FORMAT_MARKER),
        "version": np.array(FORMAT_VERSION, dtype=np.int64),
        "config": np.array(_to_json(network.config)),
        "history": np.array(_to_json(history)),
        "metadata": np.array(_to_json(metadata or {})),
    }
    for index, parameter in enumerate(network.parameters()):
        arrays[f"param_{index}"] = np.asarray(parameter)
    # Written next to the target, then swapped in with one atomic rename.
    with atomic_write(path) as file:
        np.savez(file, **arrays)
# --8<-- [end:save_model]


def _text(data, key: str, path) -> str:
    if key not in data.files:
        raise ModelFileError(path, f"no {key!r} entry; the file is not a complete neuralbook model")
    value = data[key]
    if value.shape != () or value.dtype.kind != "U":
        raise ModelFileError(path, f"the {key!r} entry should be text, got an array of {value.dtype} with shape {value.shape}")
    return str(value)


def _json(data, key: str, path):
    try:
        return json.loads(_text(data, key, path))
    except json.JSONDecodeError as error:
        raise ModelFileError(path, f"the {key!r} entry is not valid JSON: {error}") from error


def _kind_of_file(path) -> str | None:
    """Recognise what a file is from its first bytes; None for a zip archive."""
    with open(path, "rb") as file:
        head = file.read(8)
    if head.startswith(b"PK\x03\x04"):
        return None
    if not head:
        return "an empty file, not a neuralbook model"
    if head.startswith(b"\x93NUMPY"):
        return "a single .npy array, not a neuralbook model (.npz archive)"
    if head.startswith(b"\x80"):
        return "a pickle, which is never loaded (it could run code); not a neuralbook model"
    return "not an .npz archive (a neuralbook model is a zip of .npy arrays)"


def _read_entries(path):
    """Every entry of the archive as arrays, checked for the marker and version."""
    if os.path.isdir(path):
        raise ModelFileError(path, "a folder, not a model file")
    if not os.path.isfile(path):
        raise ModelFileError(path, "no such file")
    try:
        problem = _kind_of_file(path)
        if problem is not None:
            raise ModelFileError(path, problem)
        with np.load(path, allow_pickle=False) as data:
            if "format" not in data.files or _text(data, "format", path) != FORMAT_MARKER:
                raise ModelFileError(path, f"not a neuralbook model: the archive has no format marker {FORMAT_MARKER!r}")
            version = data["version"] if "version" in data.files else None
            if version is None or version.shape != () or version.dtype.kind not in "iu":
                raise ModelFileError(path, "no valid 'version' entry")
            if int(version) > FORMAT_VERSION:
                raise ModelFileError(
                    path, f"written by a newer neuralbook (format version {int(version)}; this one reads up to {FORMAT_VERSION})"
                )
            entries = {key: _json(data, key, path) for key in ("config", "history", "metadata")}
            names = sorted((name for name in data.files if name.startswith("param_")), key=_parameter_index(path))
            unknown = sorted(set(data.files) - set(names) - {"format", "version", "config", "history", "metadata"})
            if unknown:
                raise ModelFileError(path, f"unexpected entries {unknown}")
            entries["parameters"] = [data[name] for name in names]
            entries["parameter_names"] = names
            return entries
    except ModelFileError:
        raise
    except ValueError as error:
        if "pickle" in str(error).lower():
            raise ModelFileError(path, "an entry holds pickled objects, which are never loaded (they could run code)") from error
        raise ModelFileError(path, f"unreadable or truncated: {error}") from error
    except Exception as error:  # noqa: BLE001 - zip, zlib and OS errors of a damaged file
        raise ModelFileError(path, f"unreadable or truncated: {type(error).__name__}: {error}") from error


def _parameter_index(path):
    def index(name: str) -> int:
        suffix = name[len("param_") :]
        if not suffix.isdigit():
            raise ModelFileError(path, f"unexpected entry {name!r}")
        return int(suffix)

    return index


# --8<-- [start:load_model]
def load_model(path) -> SavedModel:
    """Load a model written by [`save_model`][neuralbook.serialization.save_model].

    The file is read with ``np.load(allow_pickle=False)``, and its parameters are
    checked against the shapes that its config implies before the network is built.

    Raises
    ------
    ModelFileError
        If the file is missing, unreadable, truncated, not a neuralbook model, holds
        pickled data, or its parameters do not fit its config or are not finite.
    """
    from neuralbook.network import Network

    entries = _read_entries(path)
    config, parameters, names = entries["config"], entries["parameters"], entries["parameter_names"]
    if not isinstance(config, dict):
        raise ModelFileError(path, f"the config should be a JSON object, got {type(config).__name__}")
    try:
        expected = [np.shape(p) for p in Network.from_config(config).parameters()]
    except Exception as error:  # noqa: BLE001 - any bad config is a bad file
        raise ModelFileError(path, f"the config does not describe a network: {type(error).__name__}: {error}") from error
    if names != [f"param_{i}" for i in range(len(expected))]:
        raise ModelFileError(path, f"the config needs {len(expected)} parameter arrays, the file has {len(names)}: {names}")
    for name, parameter, shape in zip(names, parameters, expected):
        if parameter.dtype.kind != "f":
            raise ModelFileError(path, f"{name} should hold floats, got {parameter.dtype}")
        if parameter.shape != shape:
            raise ModelFileError(path, f"{name} has shape {parameter.shape}, but the config {config.get('sizes')} needs {shape}")
        if not np.isfinite(parameter).all():
            raise ModelFileError(path, f"{name} contains NaN or infinity: the network it describes cannot compute anything")
    try:
        network = Network.from_config(config, parameters=parameters)
    except Exception as error:  # noqa: BLE001
        raise ModelFileError(path, f"cannot build the network: {type(error).__name__}: {error}") from error
    return SavedModel(network=network, history=entries["history"], metadata=entries["metadata"])
# --8<-- [end:load_model]
