"""Reading, downloading and caching MNIST.

The chapter *The MNIST data set* explains every function here. In short:

    from neuralbook.datasets import load_mnist, one_hot, train_validation_split
    data = load_mnist()                 # data.train_images: float32 (60000, 784) in [0, 1]
    x_train, y_train, x_val, y_val = train_validation_split(data.train_images, data.train_labels)
    targets = one_hot(y_train)          # float32 (50000, 10)

Where the four files come from, in this order:

1. a folder that you name, with the argument ``data_dir`` or the environment variable
   ``NEURALBOOK_DATA``. It may hold the canonical ``.gz`` files or the same files
   uncompressed (``train-images-idx3-ubyte`` and so on); either way each file must have
   the SHA-256 listed in `MNIST_FILES`, and nothing is ever written there (with
   ``remember=True``, as the command line passes it, a copy of each verified file
   goes into the cache, so that the folder has to be named only once);
2. the cache, ``$XDG_CACHE_HOME/neuralbook/mnist`` (``~/.cache/neuralbook/mnist``;
   ``~/Library/Caches/neuralbook/mnist`` on macOS, ``%LOCALAPPDATA%\\neuralbook\\Cache\\mnist``
   on Windows), or the folder given as ``cache_dir``;
3. a download from the mirrors in `MNIST_MIRRORS`, one after the other until one
   delivers a file with the right SHA-256, into the cache.

Every file is checked against its SHA-256 each time it is used, not only when it is
downloaded, and then parsed by [`read_idx`][neuralbook.datasets.read_idx], which checks the IDX header against
the payload. The files are plain bytes: nothing is ever unpickled.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import http.client
import math
import os
import shutil
import socket
import struct
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from neuralbook.files import atomic_write, cleanup_on_termination

__all__ = [
    "MNIST_FILES",
    "MNIST_SIZES",
    "MNIST_RAW_SIZES",
    "MNIST_MIRRORS",
    "IdxFormatError",
    "ChecksumError",
    "DownloadError",
    "MnistData",
    "read_idx",
    "sha256_of",
    "default_cache_dir",
    "locate_mnist",
    "download_file",
    "load_mnist",
    "load_test_set",
    "offline_help",
    "one_hot",
    "train_validation_split",
    "pixel_statistics",
    "standardise",
    "summarize_mnist",
    "write_summary",
    "load_summary",
    "SUMMARY_NAME",
]

# --8<-- [start:table]
#: The four files of MNIST: name -> (SHA-256 of the ``.gz`` file as distributed,
#: SHA-256 of the uncompressed IDX file). A download is the mirror's URL + name + ".gz".
MNIST_FILES = {
    "train-images-idx3-ubyte": (
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    "train-labels-idx1-ubyte": (
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    "t10k-images-idx3-ubyte": (
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    "t10k-labels-idx1-ubyte": (
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
}
"""The four files of MNIST: name -> (SHA-256 of the `.gz` file as distributed, SHA-256 of the uncompressed IDX file)."""

#: The size in bytes of each ``.gz`` file as distributed: a mirror that announces
#: another length, or sends more, is cut off and the next one is tried.
MNIST_SIZES = {
    "train-images-idx3-ubyte": 9_912_422,
    "train-labels-idx1-ubyte": 28_881,
    "t10k-images-idx3-ubyte": 1_648_877,
    "t10k-labels-idx1-ubyte": 4_542,
}
"""The size in bytes of each MNIST ``.gz`` file as distributed; a download that disagrees is cut off."""

#: Mirrors of the original files, tried in this order. The hashes above, not the
#: transport, vouch for what arrives, so a plain-HTTP mirror is as safe as the others.
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
# --8<-- [end:table]
"""Mirrors of the original files, tried in this order; the hashes in `MNIST_FILES`, not the transport, vouch for what arrives."""

#: The size in bytes of each uncompressed MNIST file, fixed by the IDX format: a header of
#: 16 bytes (images) or 8 (labels), then one byte per pixel or label.
MNIST_RAW_SIZES = {
    "train-images-idx3-ubyte": 16 + 60_000 * 28 * 28,
    "train-labels-idx1-ubyte": 8 + 60_000,
    "t10k-images-idx3-ubyte": 16 + 10_000 * 28 * 28,
    "t10k-labels-idx1-ubyte": 8 + 10_000,
}
"""The size in bytes of each uncompressed MNIST file; a larger file is refused before it is hashed."""

#: A mirror must send at least `STALL_BYTES` every `STALL_SECONDS` (or the rest of the
#: file), or it is left for the next: a stalled mirror costs tens of seconds, not minutes.
STALL_SECONDS = 20.0
"""Seconds in which a mirror must send at least `STALL_BYTES`, or be left for the next."""
STALL_BYTES = 16_000
"""Bytes a mirror must send every `STALL_SECONDS` (1 kB a second at least)."""

#: The environment variable naming a folder that holds the four files.
DATA_ENV = "NEURALBOOK_DATA"

_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, three dimensions
_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, one dimension
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16


class IdxFormatError(ValueError):
    """A file is not a well-formed MNIST IDX file (or not a well-formed gzip of one)."""


class ChecksumError(ValueError):
    """A file's SHA-256 is not the one listed in `MNIST_FILES`."""


class DownloadError(OSError):
    """No mirror delivered a file with the right SHA-256."""


# --- Reading IDX files ------------------------------------------------------------------


def _file_bytes(path: Path) -> bytes:
    """The content of ``path``, decompressed if it is a gzip file (by its first two bytes)."""
    raw = path.read_bytes()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        # BadGzipFile (an OSError), a stream cut short (EOFError) or bad deflate data.
        raise IdxFormatError(f"{path}: corrupt gzip stream ({type(error).__name__}: {error})") from error


# --8<-- [start:read_idx]
def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an MNIST IDX file (images or labels), gzip-compressed or not.

    An IDX file is a header followed by the data, every number big-endian:

    | bytes | meaning |
    |---|---|
    | 0-3 | magic number: 0, 0, data type (0x08 = unsigned byte), number of dimensions; so 2051 (0x00000803) for images, 2049 (0x00000801) for labels |
    | 4-7 | size of dimension 0 (the number of images or labels) |
    | 8-15 | images only: the number of rows, then of columns (28, 28) |
    | rest | the values, one byte each, row after row |

    The header is read first; then at most as many bytes as it promises, so that a file
    never costs more memory than the array it honestly holds (a gzip stream that
    would inflate far beyond its header's promise is refused after one extra chunk).

    Parameters
    ----------
    path : str or os.PathLike
        An IDX file; if its first two bytes are the gzip magic ``1f 8b`` it is
        decompressed as it is read.

    Returns
    -------
    numpy.ndarray
        ``uint8`` array of shape ``(n, rows, cols)`` for images, ``(n,)`` for labels.

    Raises
    ------
    IdxFormatError
        If the gzip stream is corrupt, the magic number is not 2049 or 2051, or the
        payload is shorter or longer than the header says; the message names the file.

    Examples
    --------
    >>> import struct, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "labels-idx1-ubyte"
    >>> _ = path.write_bytes(struct.pack(">II", 2049, 3) + bytes([5, 0, 4]))
    >>> read_idx(path)
    array([5, 0, 4], dtype=uint8)
    """
    path = Path(path)
    with _open_idx(path) as (file, compressed):
        shape = _read_header(path, file)
        header_size = 4 + 4 * len(shape)
        expected = math.prod(shape)  # Python integers: a forged header cannot overflow them
        _check_possible(path, shape, expected, header_size, compressed)
        values = np.empty(expected, dtype=np.uint8)  # pages are taken only as bytes arrive
        received = _read_into(path, file, values)
        if received < expected:
            raise IdxFormatError(
                f"{path}: truncated file: the header promises {expected} bytes of data "
                f"for shape {shape}, the file has {received}"
            )
        extra = len(_read_or_fail(path, file, _CHUNK))  # at most one chunk beyond the promise
        if extra:
            more = "" if extra < _CHUNK else "at least "
            raise IdxFormatError(
                f"{path}: {more}{extra} trailing bytes after the {expected} bytes of data "
                f"that the header promises for shape {shape}"
            )
    return values.reshape(shape)
# --8<-- [end:read_idx]


@contextlib.contextmanager
def _open_idx(path: Path):
    """The file, decompressed as it is read if it is gzip (by its first two bytes)."""
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        if not compressed:
            yield raw, False
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as unpacked:
            yield unpacked, True


def _read_or_fail(path: Path, file, count: int) -> bytes:
    """Up to ``count`` bytes; a damaged gzip stream becomes an `IdxFormatError`."""
    try:
        return file.read(count)
    except (OSError, EOFError, zlib.error) as error:
        # BadGzipFile (an OSError), a stream cut short (EOFError) or bad deflate data.
        raise IdxFormatError(f"{path}: corrupt gzip stream ({type(error).__name__}: {error})") from error


def _read_header(path: Path, file) -> tuple[int, ...]:
    """The shape that an IDX header declares, after checking its magic number."""
    head = _read_or_fail(path, file, 4)
    if len(head) < 4:
        raise IdxFormatError(f"{path}: truncated file: {len(head)} bytes, too short for an IDX header")
    (magic,) = struct.unpack(">I", head)
    if magic not in (_IMAGES_MAGIC, _LABELS_MAGIC):
        raise IdxFormatError(
            f"{path}: wrong magic number {magic} (0x{magic:08x}); expected 2051 (0x00000803) "
            f"for images or 2049 (0x00000801) for labels"
        )
    ndim = magic & 0xFF  # the low byte: 3 for images, 1 for labels
    sizes = _read_or_fail(path, file, 4 * ndim)
    if len(sizes) < 4 * ndim:
        raise IdxFormatError(f"{path}: truncated file: header needs {4 + 4 * ndim} bytes, file has {4 + len(sizes)}")
    return struct.unpack(f">{ndim}I", sizes)


#: Deflate never inflates one byte into more than 1032 bytes.
_DEFLATE_MAX_RATIO = 1032


def _check_possible(path: Path, shape, expected: int, header_size: int, compressed: bool) -> None:
    """Refuse, before reading, a header that promises more than the file could hold."""
    size = path.stat().st_size
    if not compressed:
        payload = size - header_size
        if payload < expected:
            raise IdxFormatError(
                f"{path}: truncated file: the header promises {expected} bytes of data "
                f"for shape {shape}, the file has {payload}"
            )
        if payload > expected:
            raise IdxFormatError(
                f"{path}: {payload - expected} trailing bytes after the {expected} bytes of data "
                f"that the header promises for shape {shape}"
            )
    elif header_size + expected > _DEFLATE_MAX_RATIO * size:
        raise IdxFormatError(
            f"{path}: truncated file: the header promises {expected} bytes of data for shape {shape}, "
            f"more than a gzip file of {size} bytes can hold"
        )


def _read_into(path: Path, file, values: np.ndarray) -> int:
    """Fill ``values`` from ``file`` chunk by chunk; the number of bytes that came."""
    view = memoryview(values)  # type: ignore[arg-type]  # an ndarray is a buffer
    received = 0
    while received < len(values):
        chunk = _read_or_fail(path, file, min(_CHUNK, len(values) - received))
        if not chunk:
            break
        view[received : received + len(chunk)] = chunk
        received += len(chunk)
    return received


# --- Finding, checking and downloading the files ----------------------------------------


def sha256_of(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file, as 64 hexadecimal digits.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "empty"
    >>> _ = path.write_bytes(b"")
    >>> sha256_of(path)[:16]
    'e3b0c44298fc1c14'
    """
    return _sha256_and_size(path)[0]


def _sha256_and_size(path, most: int | None = None) -> tuple[str, int]:
    """The SHA-256 of a file and its length in bytes, reading no more than ``most + 1`` bytes.

    The size a file's folder entry gives is not always what reading it yields (a link
    into ``/proc`` says 0 bytes and never ends), so the bytes are counted as they come.
    """
    digest, count = hashlib.sha256(), 0
    with open(path, "rb") as file:
        while most is None or count <= most:
            chunk = file.read(1 << 20 if most is None else min(1 << 20, most + 1 - count))
            if not chunk:
                break
            digest.update(chunk)
            count += len(chunk)
    return digest.hexdigest(), count


def _verify(path: Path, expected: str) -> None:
    compressed = path.name.endswith(".gz")
    name = path.name[: -len(".gz")] if compressed else path.name
    size, known = path.stat().st_size, (MNIST_SIZES if compressed else MNIST_RAW_SIZES).get(name)
    if known is not None and size > known:  # refused without reading gigabytes to hash them
        raise ChecksumError(f"{path}: {size} bytes, but the original file has {known}: not the original file")
    actual, length = _sha256_and_size(path, known)
    if known is not None and length > known:  # more than its size said (a link into /proc)
        raise ChecksumError(f"{path}: more than {known} bytes, the original file's size: not the original file")
    if actual != expected:
        raise ChecksumError(f"{path}: SHA-256 mismatch: expected {expected}, got {actual}")


def default_cache_dir(platform: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The folder where downloaded MNIST files are kept.

    ``$XDG_CACHE_HOME/neuralbook/mnist`` (default ``~/.cache/neuralbook/mnist``) on
    Linux and other Unix systems, ``~/Library/Caches/neuralbook/mnist`` on macOS and
    ``%LOCALAPPDATA%\\neuralbook\\Cache\\mnist`` on Windows.

    Examples
    --------
    >>> default_cache_dir("linux", {"XDG_CACHE_HOME": "/tmp/c"}).as_posix()
    '/tmp/c/neuralbook/mnist'
    """
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    if platform.startswith("win"):
        base = environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "neuralbook" / "Cache" / "mnist"
    if platform == "darwin":
        return Path.home() / "Library" / "Caches" / "neuralbook" / "mnist"
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "neuralbook" / "mnist"


def _size(count: int) -> str:
    """A byte count for people: ``'28.9 kB'``, ``'9.9 MB'``."""
    return f"{count / 1e6:.1f} MB" if count >= 1e6 else f"{count / 1e3:.1f} kB"


class _Progress:
    """A one-line progress bar on stderr: name, bar, percent, megabytes."""

    def __init__(self, label: str, total: int | None, enabled: bool, stream=None):
        self.label, self.total, self.enabled = label, total, enabled
        self.stream = sys.stderr if stream is None else stream
        self.done = 0
        self._shown: str | None = None

    def update(self, count: int) -> None:
        """Count ``count`` more bytes; redraw the line if what it shows has changed."""
        self.done += count
        if not self.enabled:
            return
        if self.total:
            percent = min(100, 100 * self.done // self.total)
            filled = percent * 30 // 100
            bar = "#" * filled + "-" * (30 - filled)
            line = f"{self.label} [{bar}] {percent:3d}% {_size(self.done)} of {_size(self.total)}"
        else:
            line = f"{self.label} {_size(self.done)}"
        if line == self._shown:
            return
        self._shown = line
        self.stream.write("\r" + line)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._shown is not None:
            self.stream.write("\n")
            self.stream.flush()


# --8<-- [start:download_file]
def download_file(name: str, cache_dir: str | os.PathLike[str], *, mirrors: Sequence[str] | None = None, progress: bool = True, timeout: float = 30.0,
                  deadline: float | None = None, stall: float = STALL_SECONDS) -> Path:
    """Download ``name + ".gz"`` into ``cache_dir``, trying each mirror in turn.

    The file is written to a temporary file in ``cache_dir``, its SHA-256 is checked
    against `MNIST_FILES`, and only then is it renamed to its final name with
    `os.replace`; a download that is cut short, too long, too slow or corrupt is
    deleted and the next mirror is tried. No half file ever has the final name, and
    none is left behind by a ``SIGTERM`` (see
    [`cleanup_on_termination`][neuralbook.files.cleanup_on_termination]) or, after an
    hour, by a process killed outright.

    Parameters
    ----------
    timeout : float
        Seconds to wait for a connection, and for each piece of data.
    deadline : float, optional
        Seconds one mirror has to deliver the whole file; by default one minute plus
        one second per 20 kB, so a mirror that trickles is left for the next.
    stall : float
        Seconds in which a mirror must send at least `STALL_BYTES` (or the rest of
        the file): a mirror that stalls, or sends a few bytes now and then, is left
        for the next after tens of seconds, not after the whole deadline. A mirror
        that is left is named on the progress display.

    Returns
    -------
    pathlib.Path
        The verified file, ``cache_dir / (name + ".gz")``.

    Raises
    ------
    DownloadError
        If no mirror delivered the right bytes; the message lists what each mirror did.
    """
    expected = MNIST_FILES[name][0]
    size = MNIST_SIZES.get(name)
    mirrors = MNIST_MIRRORS if mirrors is None else mirrors
    if deadline is None:
        deadline = 60.0 + (size or 0) / 20e3
    cache_dir = Path(cache_dir)
    _check_cache(cache_dir)
    target = cache_dir / f"{name}.gz"
    _remove_stale_parts(cache_dir, target.name)
    failures = []
    with cleanup_on_termination():  # a SIGTERM runs the finally below, removing the .part file
        for mirror in mirrors:
            url = mirror + target.name
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=cache_dir)
            try:
                with os.fdopen(handle, "wb") as file:
                    _fetch(url, file, target.name, progress, timeout, size, deadline, stall)
                _verify(Path(temporary), expected)
                os.chmod(temporary, 0o644)  # mkstemp makes it private; a cache file need not be
                os.replace(temporary, target)
                return target
            except (OSError, ValueError) as error:  # network, HTTP, short/long/slow read, wrong hash
                failures.append((url, error))
                if progress:
                    print(f"{url}: {error}", file=sys.stderr, flush=True)
            finally:
                if os.path.exists(temporary):
                    os.remove(temporary)
    raise DownloadError(_failure_report(target.name, failures))
# --8<-- [end:download_file]


def _check_cache(cache_dir: Path) -> None:
    """Make sure a download can be written into the cache; otherwise say it is the cache and what to do."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".probe.", suffix=".part", dir=cache_dir)
        os.close(handle)
        os.remove(probe)
    except OSError as error:
        why = error.strerror or str(error)
        where = f" ({error.filename})" if error.filename and str(error.filename) != str(cache_dir) else ""
        raise DownloadError(
            f"cannot download MNIST into the cache {cache_dir}: {why}{where}. The cache is "
            f"$XDG_CACHE_HOME/neuralbook/mnist (default ~/.cache/neuralbook/mnist): point XDG_CACHE_HOME "
            f"at a writable folder, or put the four MNIST files in a folder and name it with "
            f"--data-dir DIR or ${DATA_ENV}"
        ) from None


def _failure_report(filename: str, failures) -> str:
    lines = [f"  {url}: {error}" for url, error in failures]
    offline = failures and all(
        isinstance(error, urllib.error.URLError) and isinstance(error.reason, socket.gaierror) for _, error in failures
    )
    why = " (no network: no mirror's host name could be resolved)" if offline else ""
    return f"could not download {filename} from any mirror{why}:\n" + "\n".join(lines)


def _remove_stale_parts(cache_dir: Path, filename: str, age: float = 3600.0) -> None:
    """Delete ``.part`` files of ``filename`` untouched for ``age`` seconds: left by a killed process.

    A download in progress writes its ``.part`` file every few seconds at least (see
    ``deadline``), so an old one belongs to nobody.
    """
    now = time.time()
    for part in cache_dir.glob(f".{filename}.*.part"):
        with contextlib.suppress(OSError):
            if now - part.stat().st_mtime > age:
                part.unlink()


def _fetch(url: str, file, label: str, progress: bool, timeout: float, size: int | None, deadline: float,
           stall: float = 20.0) -> None:
    """Copy the body at ``url`` into ``file``: exactly ``size`` bytes (when known), within ``deadline`` seconds.

    Every ``stall`` seconds at least `STALL_BYTES` must have come (or the rest of the file).
    """
    sockets: list = []
    expired = threading.Event()

    def expire():  # wakes a read that waits on a mirror trickling its headers, which no timeout ends
        expired.set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    # The body's own checks speak first (within one read's timeout of the deadline); this ends the rest.
    timer = threading.Timer(deadline + min(timeout, deadline, stall), expire)
    timer.daemon = True
    timer.start()
    try:
        _fetch_body(url, file, label, progress, timeout, size, deadline, stall, sockets)
    except (OSError, http.client.HTTPException) as error:
        if expired.is_set():
            raise TimeoutError(f"too slow: no whole file after {deadline:g} s; trying the next mirror") from None
        if isinstance(error, OSError):
            raise
        raise OSError(f"not an HTTP answer ({type(error).__name__}: {error})") from None
    finally:
        timer.cancel()


def _watched_opener(sockets: list):
    """A URL opener that puts the socket of every connection it makes into ``sockets``."""

    class Connection(http.client.HTTPConnection):
        def connect(self):
            super().connect()
            sockets.append(self.sock)

    class SecureConnection(http.client.HTTPSConnection):
        def connect(self):
            super().connect()
            sockets.append(self.sock)

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Connection, req)

    class SecureHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(SecureConnection, req, context=self._context)  # type: ignore[attr-defined]

    return urllib.request.build_opener(Handler, SecureHandler)


def _open(request, timeout: float, sockets: list):
    """``urllib.request.urlopen(request, timeout=timeout)``, keeping the sockets it connects in ``sockets``."""
    return _watched_opener(sockets).open(request, timeout=timeout)


def _fetch_body(url: str, file, label: str, progress: bool, timeout: float, size: int | None, deadline: float,
                stall: float, sockets: list) -> None:
    started = time.monotonic()
    request = urllib.request.Request(url, headers={"User-Agent": "neuralbook (MNIST loader)"})
    with _open(request, min(timeout, deadline, stall), sockets) as response:
        length = response.headers.get("Content-Length")
        announced = int(length) if length and length.strip().isdigit() else None
        if size is not None and announced is not None and announced != size:
            raise OSError(f"the mirror announces {announced} bytes; the file has {size}")
        total = size if size is not None else announced
        bar = _Progress(label, total, progress)
        bar.update(0)
        window_start, window_done = started, 0
        try:
            # read1 returns what has arrived, so the bar moves and the clock is checked
            # even when a mirror sends a byte at a time.
            while chunk := response.read1(_CHUNK):
                if total is not None and bar.done + len(chunk) > total:
                    raise OSError(f"the mirror sent more than the {total} bytes of the file")
                file.write(chunk)
                bar.update(len(chunk))
                now = time.monotonic()
                if now - window_start >= stall:  # a few bytes now and then are not a download
                    wanted = STALL_BYTES if total is None else min(STALL_BYTES, total - window_done)
                    if bar.done - window_done < wanted:
                        raise TimeoutError(
                            f"stalled: {bar.done - window_done} bytes in {now - window_start:.0f} s "
                            f"({bar.done} of {total if total is not None else '?'} in all); trying the next mirror"
                        )
                    window_start, window_done = now, bar.done
                if now - started > deadline:
                    raise TimeoutError(
                        f"too slow: {bar.done} of {total if total is not None else '?'} bytes "
                        f"after {deadline:g} s; trying the next mirror"
                    )
        finally:
            bar.close()
    if total is not None and bar.done != total:
        raise OSError(f"connection closed after {bar.done} of {total} bytes")


def _user_dir(data_dir) -> Path | None:
    """The folder the user named (argument, else ``NEURALBOOK_DATA``), or None."""
    if data_dir is None:
        data_dir = os.environ.get(DATA_ENV) or None
        source = f"${DATA_ENV}"
    else:
        source = "the data folder (data_dir, --data-dir)"
    if data_dir is None:
        return None
    folder = Path(data_dir).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"{source} names {folder}, which is not a folder")
    return folder


def _check_regular(path: Path) -> None:
    """Say so when ``path`` exists but is no file to read: a broken or looping link, a device, a folder."""
    if not os.path.lexists(path) or path.is_file():
        return
    if path.is_symlink():
        try:
            path.resolve(strict=True)
        except RuntimeError:  # Python before 3.13
            problem = "a symbolic link that loops back on itself"
        except OSError as error:
            if error.errno == errno.ELOOP:
                problem = "a symbolic link that loops back on itself"
                raise FileNotFoundError(f"cannot use {path}: it is {problem}; replace it with the MNIST file, or remove it") from None
            problem = f"a symbolic link to {os.readlink(path)}, which does not exist"
        else:
            problem = f"a symbolic link to {os.path.realpath(path)}, which is not a regular file (a device, FIFO, socket or folder)"
    else:
        problem = "not a regular file (a device, FIFO, socket or folder)"
    raise FileNotFoundError(f"cannot use {path}: it is {problem}; replace it with the MNIST file, or remove it")


def _in_user_dir(folder: Path, name: str) -> Path | None:
    """A verified copy of ``name`` in the user's folder: ``.gz`` or uncompressed."""
    gz_hash, raw_hash = MNIST_FILES[name]
    for path, expected in ((folder / f"{name}.gz", gz_hash), (folder / name, raw_hash)):
        _check_regular(path)
        if path.is_file():
            try:
                _verify(path, expected)
            except ChecksumError as error:
                raise ChecksumError(
                    f"{error}; the file ({_size(path.stat().st_size)}) is truncated, corrupt or not the "
                    f"original MNIST file: replace it, or remove it to use the cache or a download"
                ) from None
            return path
    return None


def _download_missing(name: str, folder: Path | None, cache: Path, progress: bool, removed=()) -> Path:
    """Download ``name``; if that fails, say where it was looked for (and what was found) and how to work offline."""
    try:
        return download_file(name, cache, progress=progress)
    except DownloadError as error:
        where = f"{name}.gz is not in {folder} nor in {cache}" if folder is not None else f"{name}.gz is not in {cache}"
        found = "".join(f" (the cache held a damaged copy: {note})" for note in removed)
        raise DownloadError(f"{where}{found}, and {error}\n{offline_help(cache)}") from None


def offline_help(cache: str | os.PathLike[str] | None = None) -> str:
    """What to do without a network: where the four files come from, and how to name their folder.

    Examples
    --------
    >>> print(offline_help("/tmp/cache").splitlines()[0])
    To work offline, put the four MNIST files in a folder:
    """
    cache = default_cache_dir() if cache is None else cache
    names = ", ".join(f"{name}.gz" for name in MNIST_FILES)
    return (
        "To work offline, put the four MNIST files in a folder:\n"
        f"  {names}\n"
        f"(download them from {MNIST_MIRRORS[0]} or another mirror on a machine with a network, "
        "or copy them from another cache), then name the folder with --data-dir DIR "
        f"(data_dir=DIR in Python) or with the environment variable {DATA_ENV}=DIR. "
        f"The command line keeps a verified copy in {cache}, so later commands find them there."
    )


def locate_mnist(data_dir: str | os.PathLike[str] | None = None, *, download: bool = True, cache_dir: str | os.PathLike[str] | None = None,
                 progress: bool = True, names: Iterable[str] | None = None, remember: bool = False) -> dict[str, Path]:
    """Find (or download) the four MNIST files; each one verified by its SHA-256.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        A folder holding the files (``.gz`` or uncompressed); defaults to the environment
        variable ``NEURALBOOK_DATA``. Files missing there are looked for in the cache.
    download : bool
        Download the files that are neither in ``data_dir`` nor in the cache.
    cache_dir : str or os.PathLike, optional
        The cache; defaults to [`default_cache_dir`][neuralbook.datasets.default_cache_dir].
    progress : bool
        Show a progress bar on stderr while downloading.
    names : sequence of str, optional
        Only these files (keys of `MNIST_FILES`); all four by default.
    remember : bool
        Copy each verified file found in ``data_dir`` into the cache (if it is not
        there yet), so that a later call finds it without ``data_dir`` and without a
        download. A cache that cannot be written is no error. The folder itself is
        never written.

    Returns
    -------
    dict
        File name (``"train-images-idx3-ubyte"``, ...) -> path of a verified file.

    Raises
    ------
    ChecksumError
        If a file in ``data_dir`` has the wrong SHA-256 (a corrupt file in the cache is
        deleted and downloaded again, or reported when ``download`` is false).
    FileNotFoundError
        If a file is nowhere and ``download`` is false, or ``data_dir`` is not a folder.
    DownloadError
        If no mirror delivered a file; the message says how to work offline.
    """
    folder = _user_dir(data_dir)
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    found = {}
    for name in MNIST_FILES if names is None else names:
        if name not in MNIST_FILES:
            raise ValueError(f"expected names of MNIST files ({', '.join(MNIST_FILES)}), got {name!r}")
        path = _in_user_dir(folder, name) if folder is not None else None
        if path is not None and remember:
            _remember(path, cache, name)
        removed: list[str] = []
        if path is None:
            path = _in_cache(cache, name, download, removed)
        if path is None and download:
            path = _download_missing(name, folder, cache, progress, removed)
        if path is None:
            places = ([str(folder)] if folder is not None else []) + [str(cache)]
            raise FileNotFoundError(
                f"{name}.gz is not in {' nor in '.join(places)}, and download=False; set {DATA_ENV} to a "
                f"folder holding the four MNIST .gz files, or download them once into the cache with "
                f"load_mnist() or `neuralbook train`"
            )
        found[name] = path
    return found


def _cached_names(name: str):
    """The names a verified file may have in the cache, with their SHA-256: ``.gz`` first."""
    gz_hash, raw_hash = MNIST_FILES[name]
    return ((f"{name}.gz", gz_hash), (name, raw_hash))


def _in_cache(cache: Path, name: str, download: bool, removed: list | None = None) -> Path | None:
    """A verified file in the cache; a corrupt one is deleted (and said in ``removed``) to be fetched again."""
    for filename, expected in _cached_names(name):
        path = cache / filename
        if not path.is_file():
            continue
        try:
            _verify(path, expected)
        except ChecksumError as error:
            if not download:
                raise
            with contextlib.suppress(FileNotFoundError):
                path.unlink()  # corrupt: fetch it again
            if removed is not None:
                removed.append(f"{error}; it was deleted")
            continue
        return path
    return None


def _remember(path: Path, cache: Path, name: str) -> None:
    """Copy a verified file from the user's folder into the cache, atomically; never an error.

    The cache is verified again whenever it is used, like every file.
    """
    target = cache / path.name
    if target.is_file() and target.stat().st_size == path.stat().st_size:
        return  # there already (and verified whenever it is used)
    try:
        with atomic_write(target) as copy, open(path, "rb") as source:
            shutil.copyfileobj(source, copy, _CHUNK)
    except OSError:
        pass  # a cache that cannot be written: the folder is used, only not remembered


# --- Loading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MnistData:
    """The MNIST training and test sets, ready for a network.

    Attributes
    ----------
    train_images : numpy.ndarray
        ``float32``, shape ``(60000, 784)``: one flattened 28×28 image per row, in [0, 1].
    train_labels : numpy.ndarray
        ``int64``, shape ``(60000,)``: the digit 0-9 of each image.
    test_images : numpy.ndarray
        ``float32``, shape ``(10000, 784)``.
    test_labels : numpy.ndarray
        ``int64``, shape ``(10000,)``.
    """

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def _images_and_labels(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise IdxFormatError(f"{images_path}: expected images of shape (n, 28, 28), got {images.shape}")
    if labels.ndim != 1:
        raise IdxFormatError(f"{labels_path}: expected labels of shape (n,), got {labels.shape}")
    if len(images) != len(labels):
        raise IdxFormatError(
            f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} labels"
        )
    if labels.size and labels.max() > 9:
        raise IdxFormatError(f"{labels_path}: labels must be digits 0-9, found {int(labels.max())}")
    return images, labels


# --8<-- [start:load_mnist]
def load_mnist(data_dir: str | os.PathLike[str] | None = None, *, download: bool = True, cache_dir: str | os.PathLike[str] | None = None, progress: bool = True,
               remember: bool = False) -> MnistData:
    """Load MNIST as flat ``float32`` images in [0, 1] and ``int64`` labels.

    Each 28×28 image of bytes 0-255 becomes a row of 784 numbers: the pixel value
    divided by 255. The files are found as [`locate_mnist`][neuralbook.datasets.locate_mnist] says: ``data_dir`` (or
    ``$NEURALBOOK_DATA``), then the cache, then a download (``remember`` as there).

    Returns
    -------
    MnistData
        ``train_images`` (60000, 784), ``train_labels`` (60000,), ``test_images``
        (10000, 784), ``test_labels`` (10000,).

    Examples
    --------
    With the files at hand (this downloads them the first time):

    ```python
    data = load_mnist()
    data.train_images.shape    # (60000, 784)
    data.train_labels[:5]      # array([5, 0, 4, 1, 9])
    ```
    """
    paths = locate_mnist(data_dir, download=download, cache_dir=cache_dir, progress=progress, remember=remember)
    return MnistData(*_split(paths, "train"), *_split(paths, "t10k"))


def _split(paths: dict, prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """Flat float32 images in [0, 1] and int64 labels of the split ``"train"`` or ``"t10k"``."""
    images, labels = _images_and_labels(paths[f"{prefix}-images-idx3-ubyte"], paths[f"{prefix}-labels-idx1-ubyte"])
    flat = images.reshape(len(images), -1).astype(np.float32) / np.float32(255)
    return flat, labels.astype(np.int64)
# --8<-- [end:load_mnist]


def load_test_set(data_dir: str | os.PathLike[str] | None = None, *, download: bool = True, cache_dir: str | os.PathLike[str] | None = None, progress: bool = True,
                  remember: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Load only the 10,000 test images and labels, as [`load_mnist`][neuralbook.datasets.load_mnist] does.

    Evaluating a trained model needs nothing else: the training files are neither
    read, nor looked for, nor downloaded.

    Returns
    -------
    tuple
        ``(images, labels)``: ``float32`` (10000, 784) in [0, 1] and ``int64`` (10000,).
    """
    names = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    paths = locate_mnist(data_dir, download=download, cache_dir=cache_dir, progress=progress, names=names,
                         remember=remember)
    return _split(paths, "t10k")


# --8<-- [start:one_hot]
def one_hot(labels: np.typing.ArrayLike, num_classes: int = 10, dtype: np.typing.DTypeLike = np.float32) -> np.ndarray:
    """Turn class labels into one-hot rows: label 3 becomes ``[0, 0, 0, 1, 0, ...]``.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
        Class indices in ``0 .. num_classes - 1``.
    num_classes : int
        Length of each row.
    dtype : numpy dtype
        Type of the result.

    Returns
    -------
    numpy.ndarray, shape (n, num_classes)
        Row ``i`` is all zeros except a one in column ``labels[i]``.

    Examples
    --------
    >>> one_hot([3, 0], num_classes=4)
    array([[0., 0., 0., 1.],
           [1., 0., 0., 0.]], dtype=float32)
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or (labels.size and labels.dtype.kind not in "iu"):
        raise ValueError(f"expected integer labels of shape (n,), got {labels.dtype} of shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"labels must be in 0..{num_classes - 1}, got values from {labels.min()} to {labels.max()}"
        )
    encoded = np.zeros((labels.size, num_classes), dtype=dtype)
    encoded[np.arange(labels.size), labels.astype(np.intp)] = 1
    return encoded
# --8<-- [end:one_hot]


# --8<-- [start:split]
def train_validation_split(images: np.ndarray, labels: np.ndarray, validation_size: int = 10_000
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split off the last ``validation_size`` examples as a validation set.

    With the default, MNIST's 60,000 training images become the classic 50,000 for
    training and 10,000 for validation; the test set stays untouched until the end.
    The results are views of the inputs, not copies.

    Returns
    -------
    tuple
        ``(train_images, train_labels, validation_images, validation_labels)``.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = np.arange(12).reshape(6, 2), np.arange(6)
    >>> x_train, y_train, x_val, y_val = train_validation_split(x, y, validation_size=2)
    >>> y_train, y_val
    (array([0, 1, 2, 3]), array([4, 5]))
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if len(images) != len(labels):
        raise ValueError(f"expected as many labels as images, got {len(labels)} labels for {len(images)} images")
    if not 0 < validation_size < len(images):
        raise ValueError(
            f"validation_size must be between 1 and {len(images) - 1} to split off a validation set "
            f"(0 means no split: do not call this function), got {validation_size}"
        )
    cut = len(images) - validation_size
    return images[:cut], labels[:cut], images[cut:], labels[cut:]
# --8<-- [end:split]


# --8<-- [start:standardise]
def pixel_statistics(train_images: np.typing.ArrayLike) -> tuple[float, float]:
    """The mean and standard deviation of all pixels of the training images together.

    Call it on the training images only, after the split: statistics of the validation
    or test images, or of all images together, would let the held-out data shape the
    preprocessing. Then transform every set with the same two numbers
    ([`standardise`][neuralbook.datasets.standardise]).

    Examples
    --------
    >>> import numpy as np
    >>> mean, std = pixel_statistics(np.array([[0.0, 1.0], [0.0, 1.0]]))
    >>> print(mean, std)
    0.5 0.5
    """
    pixels = np.asarray(train_images, dtype=np.float64)
    if pixels.size == 0:
        raise ValueError("expected at least one training pixel, got an empty array")
    std = float(pixels.std())
    if std == 0:
        raise ValueError("the training pixels are all equal: their standard deviation is 0")
    return float(pixels.mean()), std


def standardise(images: np.typing.ArrayLike, mean: float, std: float) -> np.ndarray:
    """(images − mean) / std, element by element, keeping the dtype of floating images.

    ``mean`` and ``std`` come from the training images
    ([`pixel_statistics`][neuralbook.datasets.pixel_statistics]), whichever set is
    transformed.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(standardise(np.array([[0.0, 1.0]], dtype=np.float32), 0.1307, 0.3081), 4)
    array([[-0.4242,  2.8215]], dtype=float32)
    """
    images = np.asarray(images)
    if not std > 0:
        raise ValueError(f"expected a positive standard deviation, got {std}")
    dtype = images.dtype if np.issubdtype(images.dtype, np.floating) else np.float64
    return ((images - mean) / std).astype(dtype)
# --8<-- [end:standardise]


# --- A summary of the real data, for readers who build the book without it -------------

#: The file in the package (``neuralbook.results``) that [`write_summary`][neuralbook.datasets.write_summary] writes.
SUMMARY_NAME = "mnist-summary.npz"
"""The file in the package (`neuralbook.results`) that `write_summary` writes."""

#: How many training images the summary keeps (the first ones, as bytes).
SUMMARY_SAMPLES = 100

#: How many leading bytes of each (uncompressed) file the summary keeps.
SUMMARY_HEAD_BYTES = 32

_SPLIT_NAMES = {"train": "train", "t10k": "test"}


def summarize_mnist(data_dir: str | os.PathLike[str] | None = None, *, download: bool = False, cache_dir: str | os.PathLike[str] | None = None,
                    progress: bool = False) -> dict:
    """Everything the chapter *The MNIST data set* states about the real data, as arrays.

    The files are found as [`locate_mnist`][neuralbook.datasets.locate_mnist] says. The result holds, with ``s`` in
    ``train``/``test`` and ``k`` in ``images``/``labels``:

    ``head_s_k``
        the first 32 bytes of each uncompressed file (header and first values), ``uint8``;
    ``size_s_k``
        the size in bytes of each uncompressed file;
    ``s_class_counts``
        how many examples of each digit, ``int64`` (10,);
    ``s_pixel_histogram``
        how many pixels have each value 0-255, ``int64`` (256,);
    ``s_pixel_mean``, ``s_pixel_std``
        mean and (population) standard deviation of all pixels after dividing by 255;
    ``class_mean_images``
        the average training image of each digit, ``float32`` (10, 28, 28) in [0, 1];
    ``train_ink_heights``, ``train_ink_widths``
        how many training images have ink spanning 0, 1, ..., 28 rows (columns);
    ``train_center_of_mass_mean``, ``_min``, ``_max``
        (row, column) of the centre of mass of the ink, over the training images;
    ``sample_images``, ``sample_labels``
        the first 100 training images (``uint8`` (100, 28, 28)) and their labels.
    """
    paths = locate_mnist(data_dir, download=download, cache_dir=cache_dir, progress=progress)
    summary: dict[str, Any] = {}
    for prefix, split in _SPLIT_NAMES.items():
        images_path, labels_path = paths[f"{prefix}-images-idx3-ubyte"], paths[f"{prefix}-labels-idx1-ubyte"]
        for kind, path in (("images", images_path), ("labels", labels_path)):
            content = _file_bytes(path)
            summary[f"head_{split}_{kind}"] = np.frombuffer(content[:SUMMARY_HEAD_BYTES], dtype=np.uint8).copy()
            summary[f"size_{split}_{kind}"] = np.int64(len(content))
        images, labels = _images_and_labels(images_path, labels_path)
        summary[f"{split}_class_counts"] = np.bincount(labels, minlength=10).astype(np.int64)
        histogram = np.bincount(images.ravel(), minlength=256).astype(np.int64)
        values = np.arange(256) / 255.0
        mean = float(histogram @ values) / histogram.sum()
        summary[f"{split}_pixel_histogram"] = histogram
        summary[f"{split}_pixel_mean"] = np.float64(mean)
        summary[f"{split}_pixel_std"] = np.float64(np.sqrt(float(histogram @ (values - mean) ** 2) / histogram.sum()))
        if split == "train":
            sums = np.stack([images[labels == digit].sum(axis=0, dtype=np.float64) for digit in range(10)])
            counts = np.maximum(summary["train_class_counts"], 1)[:, None, None]  # a digit with no image: zeros
            summary["class_mean_images"] = (sums / counts / 255.0).astype(np.float32)
            summary.update(_ink_geometry(images))
            summary["sample_images"] = images[:SUMMARY_SAMPLES].copy()
            summary["sample_labels"] = labels[:SUMMARY_SAMPLES].astype(np.int64)
    return summary


def _ink_geometry(images: np.ndarray) -> dict:
    """How tall and wide the ink of each image is, and where its centre of mass lies."""
    geometry: dict[str, np.ndarray] = {}
    for name, axis in (("heights", 2), ("widths", 1)):
        inked: np.ndarray = np.any(images, axis=axis)  # (n, 28): which rows (or columns) hold ink
        first = inked.argmax(axis=1)
        last = inked.shape[1] - 1 - inked[:, ::-1].argmax(axis=1)
        extent = np.where(inked.any(axis=1), last - first + 1, 0)
        geometry[f"train_ink_{name}"] = np.bincount(extent, minlength=images.shape[1] + 1).astype(np.int64)
    ink = images.sum(axis=(1, 2), dtype=np.float64)
    rows = images.sum(axis=2, dtype=np.float64) @ np.arange(images.shape[1]) / ink
    cols = images.sum(axis=1, dtype=np.float64) @ np.arange(images.shape[2]) / ink
    centers = np.stack([rows, cols], axis=1)
    geometry["train_center_of_mass_mean"] = centers.mean(axis=0)
    geometry["train_center_of_mass_min"] = centers.min(axis=0)
    geometry["train_center_of_mass_max"] = centers.max(axis=0)
    return geometry


def _package_results_dir() -> Path:
    return Path(__file__).resolve().parent / "results"


def write_summary(path: str | os.PathLike[str] | None = None, data_dir: str | os.PathLike[str] | None = None, *, download: bool = False,
                  cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Compute [`summarize_mnist`][neuralbook.datasets.summarize_mnist] and save it with ``np.savez``, atomically.

    With no ``path``, writes ``src/neuralbook/results/mnist-summary.npz``, the file the
    book's chapter and figures read (see [`load_summary`][neuralbook.datasets.load_summary]).
    """
    path = Path(path) if path is not None else _package_results_dir() / SUMMARY_NAME
    summary = summarize_mnist(data_dir, download=download, cache_dir=cache_dir)
    with atomic_write(path) as file:
        np.savez(file, **summary)
    return path


def load_summary(path: str | os.PathLike[str] | None = None) -> dict:
    """Read the MNIST summary shipped with the package (or the file at ``path``).

    Examples
    --------
    >>> summary = load_summary()
    >>> summary["train_class_counts"].sum(), summary["sample_images"].shape
    (np.int64(60000), (100, 28, 28))
    """
    if path is None:
        from importlib import resources

        with resources.files("neuralbook.results").joinpath(SUMMARY_NAME).open("rb") as file:
            with np.load(file, allow_pickle=False) as archive:
                return {key: archive[key] for key in archive.files}
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}
