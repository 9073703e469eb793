"""Tests of neuralbook.datasets: the IDX reader, the loader, its cache and its downloads.

Every IDX file here is built by the test itself with ``struct`` (an independent writer
of the format), and every download comes from a small HTTP server on 127.0.0.1 that the
test starts and stops. The tests marked ``mnist`` check the real data against a second,
independent parse of the files written in this module with ``gzip`` and ``struct``.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.server
import os
import socket
import struct
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuralbook import datasets
from neuralbook.datasets import (
    ChecksumError,
    DownloadError,
    IdxFormatError,
    default_cache_dir,
    load_mnist,
    load_summary,
    locate_mnist,
    one_hot,
    read_idx,
    summarize_mnist,
    train_validation_split,
    write_summary,
)

NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


# --- An independent IDX writer ----------------------------------------------------------


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """The IDX encoding of a uint8 array, written from the format's definition."""
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x0800 | array.ndim
    return struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- read_idx ---------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_reads_images_and_labels(tmp_path, compress):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    labels = np.array([7, 0, 9], dtype=np.uint8)
    pack = gzip.compress if compress else (lambda data: data)
    got_images = read_idx(write(tmp_path / "images", pack(idx_bytes(images))))
    got_labels = read_idx(write(tmp_path / "labels", pack(idx_bytes(labels))))
    assert got_images.dtype == np.uint8 and got_images.shape == (3, 28, 28)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    assert got_images.flags.writeable  # a copy, not a read-only view of the bytes


@settings(max_examples=30, deadline=None)
@given(
    shape=st.one_of(
        st.tuples(st.integers(0, 40)),
        st.tuples(st.integers(0, 5), st.integers(1, 6), st.integers(1, 6)),
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_read_idx_round_trip(tmp_path_factory, shape, seed):
    array = np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)
    path = write(tmp_path_factory.mktemp("idx") / "file", idx_bytes(array))
    got = read_idx(path)
    assert got.shape == shape
    np.testing.assert_array_equal(got, array)


def test_read_idx_header_bytes_by_hand(tmp_path):
    """Two labels written byte by byte, exactly as the format describes them."""
    raw = bytes([0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x02, 0x05, 0x00])
    np.testing.assert_array_equal(read_idx(write(tmp_path / "labels", raw)), [5, 0])


@pytest.mark.parametrize(
    "magic, what",
    [
        (2050, "wrong magic"),  # two dimensions
        (0x0D03, "wrong magic"),  # float32 images
        (0x08000803, "wrong magic"),  # nonzero leading bytes
        (0x03080000, "wrong magic"),  # little-endian writer
    ],
)
def test_read_idx_refuses_wrong_magic(tmp_path, magic, what):
    path = write(tmp_path / "bad-idx", idx_bytes(np.zeros((2, 2, 2), np.uint8), magic=magic)[:4] + bytes(20))
    with pytest.raises(IdxFormatError, match=what) as caught:
        read_idx(path)
    assert str(path) in str(caught.value)
    assert str(magic) in str(caught.value)


@pytest.mark.parametrize("length", [0, 3, 7, 12, 15])
def test_read_idx_refuses_truncated_header(tmp_path, length):
    full = idx_bytes(np.zeros((2, 28, 28), np.uint8))
    path = write(tmp_path / "short", full[:length])
    with pytest.raises(IdxFormatError, match="truncated") as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_refuses_truncated_payload(tmp_path, compress):
    full = idx_bytes(np.ones((4, 28, 28), np.uint8))
    data = full[:-100]
    path = write(tmp_path / "cut", gzip.compress(data) if compress else data)
    with pytest.raises(IdxFormatError, match=r"truncated.*3136 bytes.*3036") as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_read_idx_refuses_trailing_bytes(tmp_path):
    path = write(tmp_path / "long", idx_bytes(np.arange(5, dtype=np.uint8)) + b"\x00\x01\x02")
    with pytest.raises(IdxFormatError, match="3 trailing bytes") as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_read_idx_size_of_a_forged_header_does_not_overflow(tmp_path):
    side = 2**32 - 1  # the largest size a header can give: the product overflows int64
    path = write(tmp_path / "forged", struct.pack(">IIII", 2051, side, side, side) + bytes(10))
    with pytest.raises(IdxFormatError, match=f"promises {side**3} bytes of data"):
        read_idx(path)


def test_read_idx_refuses_corrupt_gzip(tmp_path):
    packed = bytearray(gzip.compress(idx_bytes(np.arange(200, dtype=np.uint8) % 10)))
    packed[len(packed) // 2] ^= 0xFF  # damage the deflate stream (or its CRC)
    path = write(tmp_path / "damaged.gz", bytes(packed))
    with pytest.raises(IdxFormatError, match="corrupt gzip") as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_read_idx_refuses_cut_gzip(tmp_path):
    rng = np.random.default_rng(1)
    packed = gzip.compress(idx_bytes(rng.integers(0, 256, (10, 28, 28), dtype=np.uint8)))
    path = write(tmp_path / "cut.gz", packed[: len(packed) // 2])
    with pytest.raises(IdxFormatError, match="corrupt gzip"):
        read_idx(path)


def test_read_idx_never_unpickles(tmp_path):
    import pickle

    path = write(tmp_path / "pickle", pickle.dumps(np.zeros(3)))
    with pytest.raises(IdxFormatError):
        read_idx(path)


# --- Small fake MNIST files, their hashes put into the table ----------------------------


def fake_mnist(n_train=12, n_test=5, seed=0):
    """Arrays shaped like MNIST (tiny), and the .gz and raw bytes of the four files."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    raw = {name: idx_bytes(array) for name, array in arrays.items()}
    packed = {name: gzip.compress(data, mtime=0) for name, data in raw.items()}
    return arrays, raw, packed


@pytest.fixture
def fake(monkeypatch):
    """Fake files whose SHA-256s replace the real ones in the table; no NEURALBOOK_DATA."""
    arrays, raw, packed = fake_mnist()
    table = {name: (sha256(packed[name]), sha256(raw[name])) for name in NAMES}
    monkeypatch.setattr(datasets, "MNIST_FILES", table)
    monkeypatch.setattr(datasets, "MNIST_SIZES", {name: len(packed[name]) for name in NAMES})
    monkeypatch.delenv("NEURALBOOK_DATA", raising=False)
    return arrays, raw, packed


def assert_loaded(data, arrays):
    """The loaded data equals the fake arrays, flattened and divided by 255."""
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images = getattr(data, f"{split}_images")
        labels = getattr(data, f"{split}_labels")
        source = arrays[f"{prefix}-images-idx3-ubyte"]
        assert images.dtype == np.float32 and images.shape == (len(source), 784)
        assert labels.dtype == np.int64
        expected = np.array([[pixel / 255 for pixel in image.ravel().tolist()] for image in source], np.float32)
        np.testing.assert_allclose(images, expected, rtol=1e-6)
        np.testing.assert_array_equal(labels, arrays[f"{prefix}-labels-idx1-ubyte"])


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


# --- A local HTTP server with good and bad mirrors ---------------------------------------


class MirrorServer:
    """Serves ``/<mirror>/<file>`` on 127.0.0.1; each mirror behaves as configured.

    Behaviours: ``ok`` (the file), ``404``, ``wrong`` (other bytes, right length),
    ``cut`` (announces the full length, sends half, closes the connection), ``lying``
    (announces one byte more than the file and sends it), ``endless`` (no length, then
    bytes until the client hangs up or 64 MB are sent) and ``trickle`` (the right length,
    then 50 bytes every 0.1 s). ``sent`` counts the body bytes each mirror wrote.
    """

    def __init__(self, files: dict[str, bytes], behaviours: dict[str, str]):
        self.files, self.behaviours, self.requests = files, behaviours, []
        self.sent = {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 5  # a stuck client cannot hold the server

            def do_GET(self):  # noqa: N802 (the name http.server requires)
                server.requests.append(self.path)
                _, mirror, name = self.path.split("/", 2)
                body = server.files.get(name)
                behaviour = server.behaviours.get(mirror, "404")
                if body is None or behaviour == "404":
                    self.send_error(404)
                    return
                if behaviour == "wrong":
                    body = bytes(reversed(body))
                if behaviour == "lying":
                    body = body + b"\x00"
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if behaviour != "endless":
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if behaviour in ("endless", "trickle", "stall"):
                    self.stream(mirror, body, behaviour)
                    return
                if behaviour == "cut":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(body)

            def stream(self, mirror, body, behaviour):
                """Write 64 kB at a time (endless) or 50 bytes every 0.1 s (trickle), in a bounded loop."""
                piece, pause, steps = (bytes(1 << 16), 0.0, 1024) if behaviour == "endless" else (None, 0.1, 600)
                if behaviour == "stall":  # 57 bytes, then a byte every 0.2 s: the connection never goes quiet
                    self.wfile.write(body[:57])
                    self.wfile.flush()
                    body, pause = body[57:], 0.2
                for step in range(steps):
                    size = 1 if behaviour == "stall" else 50
                    data = piece if piece is not None else body[size * step : size * step + size]
                    if not data:
                        return
                    try:
                        self.wfile.write(data)
                        self.wfile.flush()
                    except OSError:  # the client hung up
                        return
                    server.sent[mirror] = server.sent.get(mirror, 0) + len(data)
                    time.sleep(pause)
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, mirror: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{mirror}/"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def refused_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: the connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


@pytest.fixture
def serve(fake, monkeypatch):
    """Start a mirror server with the fake .gz files; set MNIST_MIRRORS to ``mirrors``."""
    _, _, packed = fake
    started = []

    def start(*mirrors: str):
        server = MirrorServer({f"{name}.gz": data for name, data in packed.items()}, {})
        urls = []
        for index, behaviour in enumerate(mirrors):
            if behaviour == "refused":
                urls.append(refused_url())
            else:
                server.behaviours[f"m{index}"] = behaviour
                urls.append(server.url(f"m{index}"))
        monkeypatch.setattr(datasets, "MNIST_MIRRORS", tuple(urls))
        started.append(server.__enter__())
        return server

    yield start
    for server in started:
        server.__exit__(None, None, None)


# --- Downloads --------------------------------------------------------------------------


@pytest.mark.parametrize("first", ["404", "refused", "wrong", "cut"])
def test_download_falls_back_to_the_next_mirror(tmp_path, fake, serve, first):
    arrays, _, packed = fake
    server = serve(first, "ok")
    cache = tmp_path / "cache"
    data = load_mnist(cache_dir=cache, progress=False)
    assert_loaded(data, arrays)
    assert listing(cache) == sorted(f"{name}.gz" for name in NAMES)  # no temporary file left
    for name in NAMES:
        assert (cache / f"{name}.gz").read_bytes() == packed[name]
    assert sum(path.startswith("/m1/") for path in server.requests) == 4
    if first != "refused":
        assert sum(path.startswith("/m0/") for path in server.requests) == 4


def test_download_fails_clearly_when_every_mirror_fails(tmp_path, fake, serve):
    serve("404", "cut", "wrong", "refused")
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError) as caught:
        load_mnist(cache_dir=cache, progress=False)
    message = str(caught.value)
    assert "train-images-idx3-ubyte.gz" in message
    assert "404" in message
    assert "connection closed after" in message
    assert "SHA-256 mismatch" in message
    assert "refused" in message.lower()
    assert message.count("\n  http://127.0.0.1") == 4  # every mirror is named, one per line
    assert "--data-dir" in message and "NEURALBOOK_DATA" in message  # and how to do without them
    assert all(f"{name}.gz" in message for name in NAMES)
    assert listing(cache) == []  # nothing cached, not even a partial file


def test_second_call_uses_the_cache_without_a_request(tmp_path, fake, serve):
    arrays, _, _ = fake
    server = serve("ok")
    cache = tmp_path / "cache"
    load_mnist(cache_dir=cache, progress=False)
    assert len(server.requests) == 4
    server.requests.clear()
    assert_loaded(load_mnist(cache_dir=cache, progress=False), arrays)
    assert_loaded(load_mnist(cache_dir=cache, download=False), arrays)
    assert server.requests == []


def test_corrupt_cache_file_is_downloaded_again(tmp_path, fake, serve):
    arrays, _, packed = fake
    server = serve("ok")
    cache = tmp_path / "cache"
    load_mnist(cache_dir=cache, progress=False)
    damaged = cache / "t10k-labels-idx1-ubyte.gz"
    damaged.write_bytes(b"not the file")
    with pytest.raises(ChecksumError, match="t10k-labels-idx1-ubyte.gz"):
        load_mnist(cache_dir=cache, download=False)
    server.requests.clear()
    assert_loaded(load_mnist(cache_dir=cache, progress=False), arrays)
    assert server.requests == ["/m0/t10k-labels-idx1-ubyte.gz"]
    assert damaged.read_bytes() == packed["t10k-labels-idx1-ubyte"]


def test_no_download_and_no_files_is_a_clear_error(tmp_path, fake, serve):
    server = serve("ok")
    with pytest.raises(FileNotFoundError, match="download=False"):
        load_mnist(cache_dir=tmp_path / "empty", download=False)
    assert server.requests == []


def test_progress_bar_on_stderr(tmp_path, fake, serve, capsys):
    serve("ok")
    load_mnist(cache_dir=tmp_path / "cache", progress=True)
    err = capsys.readouterr().err
    for name in NAMES:
        assert f"{name}.gz [" in err
    assert "100%" in err and "kB" in err


def test_quiet_download_prints_nothing(tmp_path, fake, serve, capsys):
    serve("ok")
    load_mnist(cache_dir=tmp_path / "cache", progress=False)
    assert capsys.readouterr() == ("", "")


def test_default_cache_dir_is_used(tmp_path, fake, serve, monkeypatch):
    arrays, _, _ = fake
    serve("ok")
    monkeypatch.setattr(datasets.sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert_loaded(load_mnist(progress=False), arrays)
    assert listing(tmp_path / "xdg" / "neuralbook" / "mnist") == sorted(f"{name}.gz" for name in NAMES)


def test_a_mirror_that_sends_too_much_is_cut_off(tmp_path, fake, serve):
    arrays, _, packed = fake
    server = serve("endless", "ok")
    data = load_mnist(cache_dir=tmp_path / "cache", progress=False)
    assert_loaded(data, arrays)
    size = len(packed["train-images-idx3-ubyte"])
    # The client stops reading one chunk past the file's size; what the server managed to
    # write beyond that sat in the sockets' buffers (a few MB on loopback), not in a file.
    assert server.sent["m0"] < 16 * 2**20, server.sent
    assert listing(tmp_path / "cache") == sorted(f"{name}.gz" for name in NAMES)
    with pytest.raises(DownloadError, match=f"sent more than the {size} bytes of the file"):
        datasets.download_file("train-images-idx3-ubyte", tmp_path / "other", mirrors=[server.url("m0")], progress=False)


def test_a_mirror_announcing_another_length_is_not_read(tmp_path, fake, serve):
    _, _, packed = fake
    server = serve("lying")
    size = len(packed["t10k-labels-idx1-ubyte"])
    with pytest.raises(DownloadError, match=f"the mirror announces {size + 1} bytes; the file has {size}"):
        datasets.download_file("t10k-labels-idx1-ubyte", tmp_path / "cache", mirrors=[server.url("m0")], progress=False)
    assert listing(tmp_path / "cache") == []


def test_a_trickling_mirror_is_left_for_the_next_within_the_deadline(tmp_path, fake, serve, capsys):
    _, _, packed = fake
    server = serve("trickle", "ok")
    name = "train-images-idx3-ubyte"
    assert len(packed[name]) > 5000  # more than the trickle sends in a second
    started = time.monotonic()
    path = datasets.download_file(name, tmp_path / "cache", mirrors=[server.url("m0"), server.url("m1")],
                                  progress=True, deadline=1.0, timeout=2.0)
    seconds = time.monotonic() - started
    assert path.read_bytes() == packed[name]
    assert 1.0 <= seconds < 8.0, seconds  # the deadline, plus a wait for a piece (the trickle alone: 20 s)
    err = capsys.readouterr().err
    # The bar moved while the first mirror trickled: it showed 0.1 kB, 0.2 kB, ... of the file.
    shown = [line for line in err.split("\r") if line.startswith(f"{name}.gz [") and " 0.1 kB of" in line]
    assert shown, err
    assert listing(tmp_path / "cache") == [f"{name}.gz"]


def test_a_stalled_mirror_is_left_within_the_stall_time_and_the_display_says_so(tmp_path, fake, serve, capsys):
    _, _, packed = fake
    server = serve("stall", "ok")
    name = "train-images-idx3-ubyte"
    started = time.monotonic()
    path = datasets.download_file(name, tmp_path / "cache", progress=True, stall=1.0, timeout=5.0)
    seconds = time.monotonic() - started
    assert path.read_bytes() == packed[name]
    assert 1.0 <= seconds < 6.0, seconds  # the default deadline alone would wait over a minute
    assert "stalled" in capsys.readouterr().err and server.sent["m0"] < 100
    # By default a stalled mirror costs tens of seconds, not the whole deadline (minutes for the largest file).
    assert datasets.STALL_SECONDS <= 30 and datasets.STALL_BYTES / datasets.STALL_SECONDS >= 500


def test_the_message_of_a_trickling_mirror_says_it_was_too_slow(tmp_path, fake, serve):
    server = serve("trickle")
    with pytest.raises(DownloadError, match=r"too slow: \d+ of \d+ bytes after 0.5 s"):
        datasets.download_file("train-images-idx3-ubyte", tmp_path / "cache", mirrors=[server.url("m0")],
                               progress=False, deadline=0.5, timeout=2.0)
    assert listing(tmp_path / "cache") == []


def test_sigterm_during_a_download_leaves_no_part_file(tmp_path, fake, serve):
    _, _, packed = fake
    server = serve("trickle")
    cache = tmp_path / "cache"
    name = "train-images-idx3-ubyte"
    script = textwrap.dedent(
        f"""
        from neuralbook import datasets
        datasets.MNIST_FILES = {{{name!r}: ({sha256(packed[name])!r}, "")}}
        datasets.MNIST_SIZES = {{{name!r}: {len(packed[name])}}}
        datasets.download_file({name!r}, {str(cache)!r}, mirrors=[{server.url("m0")!r}], progress=False)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(400):  # until the download has begun: its .part file is there
            if cache.exists() and list(cache.glob("*.part")):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the download never started")
        time.sleep(0.3)  # a few pieces have arrived
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=20) == 143
    finally:
        child.kill()
        child.wait()
    assert listing(cache) == []


def test_stale_part_files_of_a_killed_download_are_removed(tmp_path, fake, serve):
    serve("ok")
    cache = tmp_path / "cache"
    cache.mkdir()
    stale, fresh = cache / ".t10k-labels-idx1-ubyte.gz.abc123.part", cache / ".t10k-labels-idx1-ubyte.gz.def456.part"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"in progress elsewhere")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    load_mnist(cache_dir=cache, progress=False)
    assert not stale.exists() and fresh.exists()  # another process's download is left alone


def test_offline_the_message_says_what_to_do(tmp_path, fake, monkeypatch):
    import urllib.error

    def no_dns(request, timeout, sockets):
        raise urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(datasets, "_open", no_dns)
    with pytest.raises(DownloadError) as caught:
        load_mnist(cache_dir=tmp_path / "cache", progress=False)
    message = str(caught.value)
    assert message.startswith("train-images-idx3-ubyte.gz is not in ")
    assert "no network: no mirror's host name could be resolved" in message
    assert "--data-dir DIR" in message and "NEURALBOOK_DATA=DIR" in message
    assert all(f"{name}.gz" in message for name in NAMES)
    assert datasets.MNIST_MIRRORS[0] in message  # where the files come from


# --- A folder named by the user --------------------------------------------------------


def _user_folder(tmp_path, raw, packed, compressed):
    """A folder of the user's holding the four files (gzipped or not): (folder, its listing, a cache path)."""
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in NAMES:
        write(folder / (f"{name}.gz" if compressed else name), packed[name] if compressed else raw[name])
    return folder, listing(folder), tmp_path / "cache"


@pytest.mark.parametrize("compressed", [True, False])
def test_user_folder_is_read_and_never_written(tmp_path, fake, serve, compressed):
    arrays, raw, packed = fake
    server = serve("ok")
    folder, before, cache = _user_folder(tmp_path, raw, packed, compressed)
    assert_loaded(load_mnist(folder, cache_dir=cache, progress=False), arrays)
    assert server.requests == [] and listing(cache) == [] and listing(folder) == before


@pytest.mark.parametrize("compressed", [True, False])
def test_a_folder_given_once_is_remembered_in_the_cache(tmp_path, fake, serve, compressed):
    arrays, raw, packed = fake
    server = serve("ok")
    folder, before, cache = _user_folder(tmp_path, raw, packed, compressed)
    assert_loaded(load_mnist(folder, cache_dir=cache, progress=False, remember=True), arrays)
    assert listing(folder) == before  # the folder is only read
    assert listing(cache) == sorted(f"{name}.gz" if compressed else name for name in NAMES)
    # Next time, without the folder: from the cache, no download.
    assert_loaded(load_mnist(cache_dir=cache, download=False), arrays)
    assert server.requests == []


def test_a_cache_that_cannot_be_written_does_not_stop_the_folder_from_being_used(tmp_path, fake):
    arrays, _, packed = fake
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in NAMES:
        write(folder / f"{name}.gz", packed[name])
    (tmp_path / "file").write_text("not a folder")
    assert_loaded(load_mnist(folder, cache_dir=tmp_path / "file" / "cache", remember=True), arrays)


def test_the_test_set_alone_needs_only_the_two_test_files(tmp_path, fake, serve):
    arrays, _, packed = fake
    server = serve("ok")
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        write(folder / f"{name}.gz", packed[name])
    images, labels = datasets.load_test_set(folder, cache_dir=tmp_path / "cache", download=False)
    source = arrays["t10k-images-idx3-ubyte"]
    np.testing.assert_allclose(images, source.reshape(len(source), -1) / np.float32(255), rtol=1e-6)
    np.testing.assert_array_equal(labels, arrays["t10k-labels-idx1-ubyte"])
    assert images.dtype == np.float32 and labels.dtype == np.int64
    assert server.requests == []


def test_user_folder_from_the_environment(tmp_path, fake, monkeypatch):
    arrays, _, packed = fake
    for name in NAMES:
        write(tmp_path / f"{name}.gz", packed[name])
    monkeypatch.setenv("NEURALBOOK_DATA", str(tmp_path))
    assert_loaded(load_mnist(cache_dir=tmp_path / "cache", download=False), arrays)


@pytest.mark.parametrize("compressed", [True, False])
def test_user_folder_with_a_wrong_file(tmp_path, fake, compressed):
    _, raw, packed = fake
    for name in NAMES:
        write(tmp_path / (f"{name}.gz" if compressed else name), packed[name] if compressed else raw[name])
    bad_name = "train-labels-idx1-ubyte" + (".gz" if compressed else "")
    bad = write(tmp_path / bad_name, gzip.compress(b"other", mtime=0) if compressed else b"other")
    expected = datasets.MNIST_FILES["train-labels-idx1-ubyte"][0 if compressed else 1]
    with pytest.raises(ChecksumError) as caught:
        load_mnist(tmp_path, cache_dir=tmp_path / "cache", download=False)
    message = str(caught.value)
    assert str(bad) in message and expected in message and sha256(bad.read_bytes()) in message


def test_user_folder_with_a_truncated_file_says_so(tmp_path, fake):
    _, _, packed = fake
    for name in NAMES:
        write(tmp_path / f"{name}.gz", packed[name])
    write(tmp_path / "t10k-images-idx3-ubyte.gz", packed["t10k-images-idx3-ubyte"][:100])
    with pytest.raises(ChecksumError, match="SHA-256 mismatch.*0.1 kB.*truncated, corrupt or not the original"):
        load_mnist(tmp_path, cache_dir=tmp_path / "cache", download=False)


def test_a_file_larger_than_the_original_is_refused_without_hashing_it(tmp_path, fake, serve):
    _, _, packed = fake
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in NAMES:
        write(folder / f"{name}.gz", packed[name])
    with open(folder / "t10k-labels-idx1-ubyte.gz", "r+b") as file:
        file.truncate(10**10)  # ten gigabytes, sparse: hashing it would read them all
    started = time.monotonic()
    with pytest.raises(ChecksumError, match="10000000000 bytes, but the original file has"):
        load_mnist(folder, cache_dir=tmp_path / "cache", download=False)
    assert time.monotonic() - started < 5


def test_an_uncompressed_file_larger_than_the_original_is_refused_without_hashing_it(tmp_path, fake, monkeypatch):
    _, raw, _ = fake
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in NAMES:
        write(folder / name, raw[name])
    with open(folder / "t10k-images-idx3-ubyte", "r+b") as file:
        file.truncate(10**10)  # ten gigabytes, sparse: hashing it would read them all
    hashed = []
    original = datasets.sha256_of
    monkeypatch.setattr(datasets, "sha256_of", lambda path: hashed.append(Path(path).name) or original(path))
    with pytest.raises(ChecksumError, match="10000000000 bytes, but the original file has 7840016"):
        load_mnist(folder, cache_dir=tmp_path / "cache", download=False)
    assert "t10k-images-idx3-ubyte" not in hashed


def test_a_cache_that_is_a_file_is_named_with_what_to_do(tmp_path, fake, serve, monkeypatch):
    serve("ok")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    with pytest.raises(DownloadError) as caught:
        load_mnist(progress=False)
    message = str(caught.value)
    assert f"cannot download MNIST into the cache {blocker / 'neuralbook' / 'mnist'}" in message
    assert "XDG_CACHE_HOME" in message and "--data-dir" in message


def test_a_damaged_cached_file_is_reported_when_no_download_replaces_it(tmp_path, fake, serve):
    _, _, packed = fake
    serve("404")
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in NAMES:
        write(cache / f"{name}.gz", packed[name])
    write(cache / "t10k-labels-idx1-ubyte.gz", packed["t10k-labels-idx1-ubyte"][:-1])
    with pytest.raises(DownloadError) as caught:
        load_mnist(cache_dir=cache, progress=False)
    message = str(caught.value)
    assert message.startswith(f"t10k-labels-idx1-ubyte.gz is not in {cache} (the cache held a damaged copy: ")
    assert "SHA-256 mismatch" in message and "it was deleted" in message


@pytest.mark.parametrize("target, problem", [("loop", "loops back on itself"), ("/dev/zero", "not a regular file"),
                                             ("missing", "which does not exist")])
def test_a_link_in_the_data_folder_that_is_no_file_is_named(tmp_path, fake, target, problem):
    _, _, packed = fake
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in NAMES:
        write(folder / f"{name}.gz", packed[name])
    link = folder / "t10k-images-idx3-ubyte.gz"
    link.unlink()
    link.symlink_to(link if target == "loop" else folder / "nothing" if target == "missing" else target)
    with pytest.raises(FileNotFoundError, match=f"cannot use {link}: it is .*{problem}"):
        load_mnist(folder, cache_dir=tmp_path / "cache", download=False)


def test_empty_user_folder_and_no_download_names_the_folder(tmp_path, fake, serve):
    serve("404")
    folder = tmp_path / "mine"
    folder.mkdir()
    with pytest.raises(DownloadError) as caught:
        load_mnist(folder, cache_dir=tmp_path / "cache", progress=False)
    message = str(caught.value)
    assert message.startswith(f"train-images-idx3-ubyte.gz is not in {folder} nor in {tmp_path / 'cache'}, and ")
    assert "404" in message


def test_user_folder_that_does_not_exist(tmp_path, fake):
    with pytest.raises(FileNotFoundError, match=r"--data-dir\) names .*typo, which is not a folder"):
        load_mnist(tmp_path / "typo", cache_dir=tmp_path / "cache")


def test_user_folder_missing_a_file_falls_back_to_the_cache(tmp_path, fake, serve):
    arrays, _, packed = fake
    server = serve("ok")
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in NAMES[1:]:
        write(folder / f"{name}.gz", packed[name])
    assert_loaded(load_mnist(folder, cache_dir=tmp_path / "cache", progress=False), arrays)
    assert server.requests == ["/m0/train-images-idx3-ubyte.gz"]


def test_images_and_labels_of_different_counts(tmp_path, monkeypatch):
    """Well-formed files (with the right hashes) that do not belong together."""
    arrays, raw, _ = fake_mnist()
    raw["train-labels-idx1-ubyte"] = idx_bytes(arrays["train-labels-idx1-ubyte"][:-1])
    monkeypatch.setattr(datasets, "MNIST_FILES", {name: ("0" * 64, sha256(raw[name])) for name in NAMES})
    for name in NAMES:
        write(tmp_path / name, raw[name])
    with pytest.raises(IdxFormatError, match="12 images but .* 11 labels"):
        load_mnist(tmp_path, cache_dir=tmp_path / "cache", download=False)


@pytest.mark.parametrize(
    "name, array, message",
    [
        ("train-labels-idx1-ubyte", np.array([0, 10, 3] * 4, np.uint8), "digits 0-9, found 10"),
        ("train-images-idx3-ubyte", np.zeros((12, 28, 27), np.uint8), r"\(n, 28, 28\), got \(12, 28, 27\)"),
        ("t10k-labels-idx1-ubyte", np.zeros((5, 1, 1), np.uint8), r"labels of shape \(n,\)"),
    ],
)
def test_files_that_are_not_mnist_shaped(tmp_path, monkeypatch, name, array, message):
    _, raw, _ = fake_mnist()
    raw[name] = idx_bytes(array)
    monkeypatch.setattr(datasets, "MNIST_FILES", {key: ("0" * 64, sha256(raw[key])) for key in NAMES})
    for key in NAMES:
        write(tmp_path / key, raw[key])
    with pytest.raises(IdxFormatError, match=message):
        load_mnist(tmp_path, cache_dir=tmp_path / "cache", download=False)


# --- The cache folder on each platform ---------------------------------------------------


def test_default_cache_dir_per_platform(monkeypatch, tmp_path):
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    assert default_cache_dir("linux", {}) == tmp_path / ".cache" / "neuralbook" / "mnist"
    assert default_cache_dir("linux", {"XDG_CACHE_HOME": "/x"}) == Path("/x/neuralbook/mnist")
    assert default_cache_dir("linux", {"XDG_CACHE_HOME": ""}) == tmp_path / ".cache" / "neuralbook" / "mnist"
    assert default_cache_dir("darwin", {}) == tmp_path / "Library" / "Caches" / "neuralbook" / "mnist"
    assert default_cache_dir("win32", {"LOCALAPPDATA": "/L"}) == Path("/L/neuralbook/Cache/mnist")
    assert default_cache_dir("win32", {}) == tmp_path / "AppData" / "Local" / "neuralbook" / "Cache" / "mnist"


def test_table_matches_the_shared_checksum_file():
    """The hashes in the module are the published ones (when the shared folder is beside)."""
    sums = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist" / "SHA256SUMS"
    if not sums.is_file():
        sums = Path(os.environ.get("NEURALBOOK_DATA", "/nonexistent")) / "SHA256SUMS"
    if not sums.is_file():
        message = (
            "no SHA256SUMS beside the checkout nor in $NEURALBOOK_DATA, so the table of hashes was not compared "
            "with a published list: to compare it, set NEURALBOOK_DATA to the folder of the four MNIST .gz files "
            "and put there their SHA256SUMS (as `sha256sum *.gz > SHA256SUMS` writes it)"
        )
        if os.environ.get("NEURALBOOK_REQUIRE_DATA") == "1":
            pytest.fail(f"NEURALBOOK_REQUIRE_DATA=1 but {message}")
        pytest.skip(message)
    published = dict(reversed(line.split()) for line in sums.read_text().splitlines() if line.strip())
    assert {f"{name}.gz": gz for name, (gz, _) in datasets.MNIST_FILES.items()} == published


# --- one_hot and train_validation_split -------------------------------------------------


def test_one_hot_against_a_comparison():
    labels = np.array([3, 0, 9, 3, 5])
    expected = (labels[:, None] == np.arange(10)[None, :]).astype(np.float32)
    got = one_hot(labels)
    assert got.dtype == np.float32 and got.shape == (5, 10)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(one_hot(labels.astype(np.uint8), 12, dtype=np.float64).argmax(axis=1), labels)
    assert one_hot(labels, dtype=np.float64).dtype == np.float64
    assert one_hot(np.array([], dtype=np.int64)).shape == (0, 10)


@pytest.mark.parametrize(
    "labels, message",
    [([0, 10], r"0\.\.9"), ([-1, 2], r"0\.\.9"), ([0.0, 1.0], "integer labels"), ([[1, 2]], r"shape \(n,\)")],
)
def test_one_hot_refuses_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        one_hot(np.array(labels))


def test_train_validation_split_keeps_the_order():
    images = np.arange(60 * 4).reshape(60, 4)
    labels = np.arange(60) % 10
    x_train, y_train, x_val, y_val = train_validation_split(images, labels, validation_size=15)
    assert x_train.shape == (45, 4) and x_val.shape == (15, 4)
    np.testing.assert_array_equal(np.concatenate([x_train, x_val]), images)
    np.testing.assert_array_equal(np.concatenate([y_train, y_val]), labels)
    np.testing.assert_array_equal(x_val[0], images[45])


@pytest.mark.parametrize("size", [0, 60, 61, -1])
def test_train_validation_split_refuses_bad_sizes(size):
    with pytest.raises(ValueError, match="validation_size"):
        train_validation_split(np.zeros((60, 2)), np.zeros(60), validation_size=size)


def test_train_validation_split_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="59 labels for 60 images"):
        train_validation_split(np.zeros((60, 2)), np.zeros(59))


# --- The summary, on fake data ----------------------------------------------------------


def test_summary_of_fake_data(tmp_path, fake):
    arrays, raw, packed = fake
    for name in NAMES:
        write(tmp_path / f"{name}.gz", packed[name])
    summary = summarize_mnist(tmp_path, cache_dir=tmp_path / "cache")
    train_images = arrays["train-images-idx3-ubyte"].astype(np.float64)
    train_labels = arrays["train-labels-idx1-ubyte"]
    expected_counts = [sum(1 for label in train_labels if label == digit) for digit in range(10)]
    np.testing.assert_array_equal(summary["train_class_counts"], expected_counts)
    assert summary["train_pixel_mean"] == pytest.approx(np.mean(train_images / 255), rel=1e-12)
    assert summary["train_pixel_std"] == pytest.approx(np.std(train_images / 255), rel=1e-12)
    assert summary["train_pixel_histogram"].sum() == train_images.size
    assert summary["train_pixel_histogram"][17] == np.count_nonzero(train_images == 17)
    for digit in range(10):
        members = train_images[train_labels == digit]
        if len(members):
            np.testing.assert_allclose(summary["class_mean_images"][digit], members.mean(axis=0) / 255, rtol=1e-6)
    np.testing.assert_array_equal(summary["sample_images"], arrays["train-images-idx3-ubyte"])
    assert bytes(summary["head_test_labels"]) == raw["t10k-labels-idx1-ubyte"][:32]
    assert summary["size_train_images"] == 16 + 12 * 28 * 28

    path = write_summary(tmp_path / "out" / "summary.npz", tmp_path, cache_dir=tmp_path / "cache")
    assert listing(path.parent) == ["summary.npz"]
    loaded = load_summary(path)
    assert loaded.keys() == summary.keys()
    for key in summary:
        np.testing.assert_array_equal(loaded[key], summary[key])


# --- The real data -----------------------------------------------------------------------

# The class counts of the training set as published with the files (shared/data/mnist/README.md).
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def decompressed(path: Path) -> bytes:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as file:
        return file.read()


def independent_parse(path: Path) -> np.ndarray:
    """Parse an MNIST file with gzip and struct only, following the format's description."""
    content = decompressed(path)
    zero, dtype, ndim = struct.unpack(">HBB", content[:4])
    assert (zero, dtype) == (0, 8)
    dims = struct.unpack(f">{ndim}I", content[4 : 4 + 4 * ndim])
    payload = content[4 + 4 * ndim :]
    assert len(payload) == int(np.prod(dims))
    return np.frombuffer(payload, dtype=np.uint8).reshape(dims)


@pytest.fixture(scope="module")
def mnist_paths(mnist):
    return locate_mnist(download=False, progress=False)


@pytest.mark.mnist
def test_the_table_of_sizes_is_that_of_the_real_files(mnist_paths):
    """MNIST_SIZES against the real files (verified by their SHA-256), and against the MNIST site's sizes."""
    published = {"train-images-idx3-ubyte": 9912422, "train-labels-idx1-ubyte": 28881,
                 "t10k-images-idx3-ubyte": 1648877, "t10k-labels-idx1-ubyte": 4542}
    assert datasets.MNIST_SIZES == published
    for name, path in mnist_paths.items():
        if path.suffix == ".gz":
            assert path.stat().st_size == datasets.MNIST_SIZES[name], name


@pytest.mark.mnist
def test_the_uncompressed_sizes_are_those_of_the_real_files(mnist_paths):
    for name, path in mnist_paths.items():
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as file:
            length = sum(len(chunk) for chunk in iter(lambda: file.read(1 << 20), b""))
        assert length == datasets.MNIST_RAW_SIZES[name], name


@pytest.mark.mnist
def test_real_data_shapes_and_ranges(mnist):
    assert mnist.train_images.shape == (60000, 784) and mnist.train_images.dtype == np.float32
    assert mnist.test_images.shape == (10000, 784) and mnist.test_images.dtype == np.float32
    assert mnist.train_labels.shape == (60000,) and mnist.train_labels.dtype == np.int64
    assert mnist.test_labels.shape == (10000,) and mnist.test_labels.dtype == np.int64
    for images in (mnist.train_images, mnist.test_images):
        assert images.min() == 0.0 and images.max() == 1.0
    np.testing.assert_array_equal(mnist.train_labels[:5], [5, 0, 4, 1, 9])


@pytest.mark.mnist
def test_real_data_against_an_independent_parse(mnist, mnist_paths):
    labels = independent_parse(mnist_paths["train-labels-idx1-ubyte"])
    assert np.bincount(labels, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(mnist.train_labels, minlength=10).tolist() == TRAIN_COUNTS
    np.testing.assert_array_equal(mnist.train_labels, labels)
    np.testing.assert_array_equal(mnist.test_labels, independent_parse(mnist_paths["t10k-labels-idx1-ubyte"]))
    for split, prefix in (("train", "train"), ("test", "t10k")):
        pixels = independent_parse(mnist_paths[f"{prefix}-images-idx3-ubyte"]).reshape(-1, 784)
        np.testing.assert_array_equal(np.rint(getattr(mnist, f"{split}_images") * 255).astype(np.uint8), pixels)


@pytest.mark.mnist
def test_real_pixel_statistics(mnist):
    pixels = mnist.train_images.astype(np.float64)
    assert round(pixels.mean(), 4) == 0.1307
    assert round(pixels.std(), 4) == 0.3081


@pytest.mark.mnist
def test_committed_summary_is_up_to_date(mnist):
    fresh = summarize_mnist(download=False)
    committed = load_summary()
    assert committed.keys() == fresh.keys()
    for key in fresh:
        assert committed[key].dtype == fresh[key].dtype, key
        np.testing.assert_array_equal(committed[key], fresh[key], err_msg=key)


@pytest.mark.mnist
def test_committed_summary_against_independent_computations(mnist, mnist_paths):
    summary = load_summary()
    for key, name in (("head_train_labels", "train-labels-idx1-ubyte"), ("head_test_images", "t10k-images-idx3-ubyte")):
        assert bytes(summary[key]) == decompressed(mnist_paths[name])[:32]
    assert summary["size_train_images"] == 16 + 60000 * 28 * 28
    assert summary["train_class_counts"].tolist() == TRAIN_COUNTS
    assert summary["test_class_counts"].sum() == 10000
    raw = independent_parse(mnist_paths["train-images-idx3-ubyte"])
    assert summary["train_pixel_mean"] == pytest.approx(raw.mean(dtype=np.float64) / 255, rel=1e-12)
    assert summary["train_pixel_std"] == pytest.approx(raw.std(dtype=np.float64) / 255, rel=1e-12)
    pixels = mnist.train_images.astype(np.float64)
    assert summary["train_pixel_histogram"][0] == np.count_nonzero(mnist.train_images == 0)
    # Class means by one matrix product with the one-hot matrix, not by masking.
    indicator = (mnist.train_labels[:, None] == np.arange(10)).astype(np.float64)
    means = (indicator.T @ pixels) / indicator.sum(axis=0)[:, None]
    np.testing.assert_allclose(summary["class_mean_images"].reshape(10, 784), means, atol=1e-6)
    np.testing.assert_array_equal(summary["sample_images"].reshape(100, 784), np.rint(mnist.train_images[:100] * 255))
    np.testing.assert_array_equal(summary["sample_labels"], mnist.train_labels[:100])


@pytest.mark.mnist
def test_committed_ink_geometry_against_a_loop(mnist):
    """Bounding boxes and centres of mass, recomputed one image at a time with nonzero()."""
    summary = load_summary()
    images = mnist.train_images.reshape(-1, 28, 28)
    heights, widths, centers = np.zeros(29, np.int64), np.zeros(29, np.int64), []
    for image in images:
        rows, cols = np.nonzero(image)
        heights[rows.max() - rows.min() + 1] += 1
        widths[cols.max() - cols.min() + 1] += 1
        weights = image[rows, cols].astype(np.float64)
        centers.append((np.average(rows, weights=weights), np.average(cols, weights=weights)))
    np.testing.assert_array_equal(summary["train_ink_heights"], heights)
    np.testing.assert_array_equal(summary["train_ink_widths"], widths)
    centers = np.array(centers)
    np.testing.assert_allclose(summary["train_center_of_mass_mean"], centers.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(summary["train_center_of_mass_min"], centers.min(axis=0), atol=1e-6)
    np.testing.assert_allclose(summary["train_center_of_mass_max"], centers.max(axis=0), atol=1e-6)


def test_pixel_statistics_and_standardise_against_a_hand_computation():
    import math

    from neuralbook.datasets import pixel_statistics, standardise

    train = np.array([[0.0, 0.5], [1.0, 0.5]])
    mean, std = pixel_statistics(train)
    assert mean == 0.5 and math.isclose(std, math.sqrt((0.25 + 0 + 0.25 + 0) / 4))
    test = np.array([[1.0, 0.0]], dtype=np.float32)
    out = standardise(test, mean, std)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[(1.0 - 0.5) / std, (0.0 - 0.5) / std]], rtol=1e-6)
    with pytest.raises(ValueError, match="standard deviation"):
        pixel_statistics(np.ones((2, 2)))
    with pytest.raises(ValueError, match="positive standard deviation"):
        standardise(test, 0.0, 0.0)


@contextlib.contextmanager
def one_shot_mirror(answer):
    """A mirror on 127.0.0.1 that takes one request and lets ``answer(connection)`` reply; yields its URL."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            with contextlib.suppress(OSError):
                answer(connection)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        listener.close()


def test_a_mirror_that_trickles_its_headers_is_left_at_the_deadline(tmp_path):
    # The status line, then one byte of a header every half second: every read succeeds
    # within the timeout, so only the deadline ends it (before, the download waited forever).
    import signal

    def trickle(connection):
        connection.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(120):
            connection.sendall(b"X")
            time.sleep(0.5)

    def give_up(signum, frame):
        raise AssertionError("still downloading after 30 seconds")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(30)
    started = time.monotonic()
    try:
        with one_shot_mirror(trickle) as url, pytest.raises(DownloadError, match=r"too slow: no whole file after 3 s"):
            datasets.download_file("t10k-labels-idx1-ubyte", tmp_path, mirrors=[url],
                                   progress=False, timeout=2, deadline=3, stall=2)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 10


def test_a_mirror_that_answers_no_http_is_a_failed_mirror(tmp_path):
    # http.client's BadStatusLine is no OSError: it used to escape as a traceback.
    with one_shot_mirror(lambda connection: connection.sendall(b"SSH-2.0-OpenSSH\r\n\r\n")) as url:
        with pytest.raises(DownloadError, match=r"not an HTTP answer \(BadStatusLine"):
            datasets.download_file("t10k-labels-idx1-ubyte", tmp_path, mirrors=[url],
                                   progress=False, timeout=2, deadline=3, stall=2)
    assert list(tmp_path.iterdir()) == []  # no .part file left
