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
import math
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neuralbook.files import atomic_write

if TYPE_CHECKING:
    from neuralbook.network import Network

#: The text in every model file's ``format`` entry.
FORMAT_MARKER = "neuralbook-model"
#: The version of the file format that [`save_model`][neuralbook.serialization.save_model] writes and [`load_model`][neuralbook.serialization.load_model] reads.
FORMAT_VERSION = 1

_TEXT_KEYS = ("format", "config", "history", "metadata")


class ModelFileError(ValueError):
    """A model file cannot be used: unreadable, truncated, foreign or inconsistent.

    The message names the file and the problem; ``path`` holds the file's path.
    """

    def __init__(self, path: str | os.PathLike[str], problem: str):
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


#: The date every member of a saved model carries (the zip format's earliest), so that
#: the file depends only on what it holds, not on when it was written.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _write_npz(file, arrays: dict) -> None:
    """Write ``arrays`` as ``np.savez`` does (uncompressed ``.npy`` members, zip64), dated `_ZIP_DATE`.

    ``np.savez`` stamps each member with the time of writing, so two saves of one
    network a minute apart differ; these do not.

    Examples
    --------
    >>> import io
    >>> first, second = io.BytesIO(), io.BytesIO()
    >>> _write_npz(first, {"a": np.arange(3)}); _write_npz(second, {"a": np.arange(3)})
    >>> first.getvalue() == second.getvalue(), np.load(io.BytesIO(first.getvalue()))["a"].tolist()
    (True, [0, 1, 2])
    """
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for key, value in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o600 << 16  # as zipfile gives the members np.savez writes
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=False)


# --8<-- [start:save_model]
def save_model(path: str | os.PathLike[str], network: Network, history: object = None, metadata: dict | None = None) -> None:
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
        _write_npz(file, arrays)  # as np.savez, with a fixed date: the same model gives the same bytes
# --8<-- [end:save_model]


def _text(data, key: str, path) -> str:
    if key not in data:
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


#: The most weights and biases a model file may hold (or ``neuralbook train`` build):
#: 100 MB as float32, about 200 times the book's largest network. A file that asks for
#: more is refused before anything of that size is allocated.
MAX_PARAMETERS = 25_000_000

#: The most layers (weight matrices) a model file may hold (or ``neuralbook train`` build):
#: about a hundred times the book's deepest network. A deeper file is refused before its
#: members are opened (each costs a little time, however small).
MAX_LAYERS = 1000

#: The most a parameter member of more than `COMPRESSION_CHECKED_BYTES` may inflate when it is
#: read: weights that were trained are noise to a compressor (about 1.1-fold), and
#: `save_model` stores them uncompressed; a member of constant weights that inflates a
#: thousandfold would make a file of kilobytes cost hundreds of MB and seconds to use.
MAX_COMPRESSION = 10

#: Members up to this size (in bytes, inflated) may compress any amount: biases that are all zero.
COMPRESSION_CHECKED_BYTES = 1 << 20

#: The longest text entry (config, history, metadata) a model file may hold, in characters.
MAX_TEXT_CHARACTERS = 10_000_000

_KNOWN_TEXTS = {"format", "config", "history", "metadata"}


def parameter_shapes(sizes: object) -> list[tuple[int, ...]]:
    """The shapes of ``W1, b1, W2, b2, ...`` for layer sizes ``sizes``, by arithmetic alone.

    Layer l has ``W`` of shape (n^[l], n^[l-1]) and ``b`` of shape (n^[l],); nothing is
    allocated, so a size that could never fit in memory is found before it is tried.

    Raises
    ------
    ValueError
        If ``sizes`` is not a list of at least two positive integers, or the network
        would have more than `MAX_LAYERS` layers or `MAX_PARAMETERS` parameters.

    Examples
    --------
    >>> parameter_shapes([784, 30, 10])
    [(30, 784), (30,), (10, 30), (10,)]
    >>> parameter_shapes([784, 100_000_000, 10])
    Traceback (most recent call last):
    ...
    ValueError: sizes [784, 100000000, 10] need 79,500,000,010 weights and biases; the most neuralbook builds is 25,000,000
    """
    if not isinstance(sizes, (list, tuple)) or len(sizes) < 2 or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sizes
    ):
        raise ValueError(f"expected sizes to be a list of at least two positive integers, got {sizes!r}")
    if len(sizes) - 1 > MAX_LAYERS:
        raise ValueError(f"sizes describe {len(sizes) - 1:,} layers; the most neuralbook builds is {MAX_LAYERS:,}")
    shapes: list[tuple[int, ...]] = [shape for n_in, n_out in zip(sizes[:-1], sizes[1:]) for shape in ((n_out, n_in), (n_out,))]
    count = sum(math.prod(shape) for shape in shapes)
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"sizes {list(sizes)} need {count:,} weights and biases; the most neuralbook builds is {MAX_PARAMETERS:,}"
        )
    return shapes


def _headers(archive: zipfile.ZipFile, path) -> dict[str, tuple[tuple[int, ...], np.dtype, zipfile.ZipInfo]]:
    """Each entry's shape and dtype, read from its ``.npy`` header without touching its data."""
    infos = archive.infolist()
    for info in infos:  # names first: a stranger is refused before any member is opened
        if not info.filename.endswith(".npy"):
            raise ModelFileError(path, f"unexpected member {info.filename!r}: a model holds only .npy arrays")
    keys = [info.filename[: -len(".npy")] for info in infos]
    if len(set(keys)) != len(keys):
        raise ModelFileError(path, "the archive names a member more than once: it was not written by NumPy")
    if len(keys) > len(_KNOWN_TEXTS) + 1 + 2 * MAX_LAYERS:
        raise ModelFileError(path, f"{len(keys):,} members; a model of at most {MAX_LAYERS:,} layers has at most "
                                   f"{len(_KNOWN_TEXTS) + 1 + 2 * MAX_LAYERS:,}")
    if "format" not in keys:
        raise ModelFileError(path, f"not a neuralbook model: the archive has no format marker {FORMAT_MARKER!r}")
    unknown = sorted(key for key in keys if key not in (*_KNOWN_TEXTS, "version") and not _is_parameter_name(key))
    if unknown:
        raise ModelFileError(path, f"unexpected entries {unknown}")
    headers = {}
    for info in infos:
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise ModelFileError(path, f"{info.filename}: .npy format version {version} is not one NumPy's savez writes")
            header_bytes = member.tell()
        if dtype.hasobject:
            raise ModelFileError(path, "an entry holds pickled objects, which are never loaded (they could run code)")
        data_bytes = math.prod(shape) * dtype.itemsize
        if info.file_size != header_bytes + data_bytes:
            raise ModelFileError(
                path, f"unreadable or truncated: {info.filename} declares {data_bytes} bytes of data for shape "
                f"{shape} but holds {info.file_size - header_bytes}"
            )
        headers[info.filename[: -len(".npy")]] = (shape, dtype, info)
    return headers


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    with archive.open(info) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def _check_small_entry(headers, key: str, path) -> None:
    """A text or version entry must be one value (and a text not a novel) before it is read."""
    if key not in headers:
        return
    shape, dtype, _ = headers[key]
    if shape != ():
        raise ModelFileError(path, f"the {key!r} entry should be a single value, got an array of {dtype} with shape {shape}")
    if dtype.kind == "U" and dtype.itemsize // 4 > MAX_TEXT_CHARACTERS:
        raise ModelFileError(
            path, f"the {key!r} entry is {dtype.itemsize // 4:,} characters long; at most {MAX_TEXT_CHARACTERS:,} are read"
        )


def _read_entries(path):
    """The archive's texts, checked for the marker and version, and the headers of its parameters."""
    if os.path.isdir(path):
        raise ModelFileError(path, "a folder, not a model file")
    if not os.path.exists(path):
        raise ModelFileError(path, "no such file")
    if not os.path.isfile(path):
        raise ModelFileError(path, "not a regular file (a device, FIFO or socket), so not a model file")
    try:
        problem = _kind_of_file(path)
        if problem is not None:
            raise ModelFileError(path, problem)
        archive = zipfile.ZipFile(path)
        with archive:
            headers = _headers(archive, path)
            for key in (*_KNOWN_TEXTS, "version"):
                _check_small_entry(headers, key, path)
            small = {key: _read(archive, headers[key][2]) for key in (*_KNOWN_TEXTS, "version") if key in headers}
            if "format" not in small or _text(small, "format", path) != FORMAT_MARKER:
                raise ModelFileError(path, f"not a neuralbook model: the archive has no format marker {FORMAT_MARKER!r}")
            version = small.get("version")
            if version is None or version.shape != () or version.dtype.kind not in "iu":
                raise ModelFileError(path, "no valid 'version' entry")
            if int(version) < 1:
                raise ModelFileError(path, f"the 'version' entry should be a positive integer, got {int(version)}")
            if int(version) > FORMAT_VERSION:
                raise ModelFileError(
                    path, f"written by a newer neuralbook (format version {int(version)}; this one reads up to {FORMAT_VERSION})"
                )
            entries = {key: _json(small, key, path) for key in ("config", "history", "metadata")}
            names = sorted((name for name in headers if name.startswith("param_")), key=_parameter_index(path))
            unknown = sorted(set(headers) - set(names) - _KNOWN_TEXTS - {"version"})
            if unknown:
                raise ModelFileError(path, f"unexpected entries {unknown}")
            entries["parameter_names"] = names
            entries["parameter_headers"] = [headers[name][:2] for name in names]
            config = entries["config"]
            if not isinstance(config, dict):
                raise ModelFileError(path, f"the config should be a JSON object, got {type(config).__name__}")
            _check_parameter_headers(path, config, names, entries["parameter_headers"])
            for name in names:
                _check_compression(path, headers[name][2])
            entries["parameters"] = [_read(archive, headers[name][2]) for name in names]
            return entries
    except ModelFileError:
        raise
    except ValueError as error:
        if "pickle" in str(error).lower():
            raise ModelFileError(path, "an entry holds pickled objects, which are never loaded (they could run code)") from error
        raise ModelFileError(path, f"unreadable or truncated: {error}") from error
    except MemoryError as error:
        raise ModelFileError(path, "an entry is too large to read into memory") from error
    except Exception as error:  # noqa: BLE001 - zip, zlib and OS errors of a damaged file
        raise ModelFileError(path, f"unreadable or truncated: {type(error).__name__}: {error}") from error


def _check_parameter_headers(path, config: dict, names: list[str], headers: list) -> None:
    """Compare every parameter's declared shape and dtype with what the config implies."""
    try:
        expected = parameter_shapes(config.get("sizes"))
    except ValueError as error:
        raise ModelFileError(path, f"the config does not describe a network: {error}") from None
    if names != [f"param_{i}" for i in range(len(expected))]:
        raise ModelFileError(path, f"the config needs {len(expected)} parameter arrays, the file has {len(names)}: {names}")
    for name, (shape, dtype), needed in zip(names, headers, expected):
        if dtype.kind != "f" or dtype.itemsize > 8:
            raise ModelFileError(path, f"{name} should hold floats (float32 or float64), got {dtype}")
        if shape != needed:
            raise ModelFileError(path, f"{name} has shape {shape}, but the config {config.get('sizes')} needs {needed}")


def _check_compression(path, info: zipfile.ZipInfo) -> None:
    """Refuse a large parameter member that inflates more than `MAX_COMPRESSION`-fold: constant, not trained."""
    if info.file_size > COMPRESSION_CHECKED_BYTES and info.file_size > MAX_COMPRESSION * info.compress_size:
        raise ModelFileError(
            path, f"{info.filename} inflates {info.file_size / max(info.compress_size, 1):,.0f}-fold, from "
            f"{info.compress_size:,} to {info.file_size:,} bytes: trained weights do not compress more than "
            f"{MAX_COMPRESSION}-fold (neuralbook saves them uncompressed), so this is no trained network"
        )


def _is_parameter_name(key: str) -> bool:
    return key.startswith("param_") and key[len("param_") :].isdigit()


def _parameter_index(path):
    def index(name: str) -> int:
        suffix = name[len("param_") :]
        if not suffix.isdigit():
            raise ModelFileError(path, f"unexpected entry {name!r}")
        return int(suffix)

    return index


# --8<-- [start:load_model]
def load_model(path: str | os.PathLike[str]) -> SavedModel:
    """Load a model written by [`save_model`][neuralbook.serialization.save_model].

    The archive's ``.npy`` members are read with ``allow_pickle=False``, as
    ``np.load`` reads them. Before any parameter's data is read, its header (shape and
    dtype) is checked against the shapes that the config implies, computed by
    [`parameter_shapes`][neuralbook.serialization.parameter_shapes] with a cap of
    `MAX_PARAMETERS`: a small file cannot make the loader allocate a huge array.

    Raises
    ------
    ModelFileError
        If the file is missing, unreadable, truncated, not a neuralbook model, holds
        pickled data, asks for more than `MAX_PARAMETERS` parameters, or its
        parameters do not fit its config or are not finite.
    """
    from neuralbook.network import Network

    entries = _read_entries(path)  # every shape checked against the config before any array is read
    config, parameters, names = entries["config"], entries["parameters"], entries["parameter_names"]
    for name, parameter in zip(names, parameters):
        if not np.isfinite(parameter).all():
            raise ModelFileError(path, f"{name} contains NaN or infinity: the network it describes cannot compute anything")
    try:
        network = Network.from_config(config, parameters=parameters)
    except Exception as error:  # noqa: BLE001
        raise ModelFileError(path, f"the config does not describe a network: {type(error).__name__}: {error}") from error
    return SavedModel(network=network, history=entries["history"], metadata=entries["metadata"])
# --8<-- [end:load_model]
