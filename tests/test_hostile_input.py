"""Hostile files cost what they honestly hold: peak memory and time measured in a child process.

Each test makes a small file that asks for far more memory than it holds (a model whose
config or array header declares a huge layer, a gzip stream that inflates to hundreds of
megabytes), loads it in a fresh Python, and reads that process's own peak resident
memory (``VmHWM``) and the processor time it used (user + system: unlike the
wall-clock time, it does not grow when other work shares the machine). The child also runs under an address-space
limit, so a loader that tries to allocate what the file asks for fails there instead of
taking the machine's memory.

The compressed streams are built here from the formats' definitions (deflate blocks
ending in a full flush can be repeated; gzip and zip wrap them with their CRC-32 and
sizes), so a file that inflates to a gigabyte takes a moment to make.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import textwrap
import zlib

import numpy as np
import pytest

from neuralbook.network import Network

#: A peak that no load of a few-megabyte file may exceed (a fresh Python with NumPy and
#: the package uses about 40 MB).
MAX_PEAK_MB = 300
#: Processor seconds, including the start of Python and the import of NumPy (about one).
MAX_SECONDS = 10
#: The child's address-space limit: a loader that believes the file dies here, not the machine.
ADDRESS_SPACE_MB = 2048


def measured(script: str) -> tuple[str, float, float]:
    """Run ``script`` in a fresh Python; its stdout, its peak memory in MB, and its processor seconds."""
    import resource

    # The peak comes from /proc/self/status (VmHWM), which starts afresh with the new
    # program: ru_maxrss is kept across exec, so it would report the forking pytest's size.
    report = (
        "\nimport resource\nusage = resource.getrusage(resource.RUSAGE_SELF)\n"
        "hwm = next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM:'))\n"
        "print('PEAK', hwm / 1024, usage.ru_utime + usage.ru_stime)\n"
    )

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_MB << 20, ADDRESS_SPACE_MB << 20))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script) + report],
        capture_output=True, text=True, timeout=300, env=env, preexec_fn=limit,
    )
    assert child.returncode == 0, child.stderr
    lines = child.stdout.splitlines()
    assert lines and lines[-1].startswith("PEAK "), child.stdout
    _, peak, seconds = lines[-1].split()
    return "\n".join(lines[:-1]), float(peak), float(seconds)


# --- Streams that inflate far beyond their size -------------------------------------------


def repeated_deflate(prefix: bytes, block: bytes, repeats: int) -> tuple[bytes, int, int]:
    """Raw deflate of ``prefix + block * repeats``; also its CRC-32 and length.

    After a full flush the compressor has no history, so the bytes that compress
    ``block`` once are the same every time and can simply be repeated.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    segment = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(block, crc)
    return head + segment * repeats + tail, crc, len(prefix) + len(block) * repeats


def gzip_bomb(prefix: bytes, megabytes: int) -> bytes:
    """A valid gzip file of ``prefix`` followed by ``megabytes`` MB of zeros."""
    deflated, crc, length = repeated_deflate(prefix, bytes(1 << 20), megabytes)
    header = b"\x1f\x8b\x08\x00" + bytes(4) + b"\x00\xff"
    return header + deflated + struct.pack("<II", crc, length & 0xFFFFFFFF)


def zip_archive(members: dict[str, bytes | tuple[bytes, int, int]]) -> bytes:
    """A zip file from the format's definition: each member stored, or deflated as given.

    A member is its bytes (stored), or ``(deflated, crc, size)`` for a member compressed
    beforehand.
    """
    local, central, offset = [], [], 0
    for name, content in members.items():
        encoded = name.encode()
        if isinstance(content, bytes):
            method, data, crc, size = 0, content, zlib.crc32(content), len(content)
        else:
            method, (data, crc, size) = 8, content
        fields = struct.pack("<HHHHHIIIHH", 20, 0, method, 0, 0x21, crc, len(data), size, len(encoded), 0)
        local.append(b"PK\x03\x04" + fields + encoded + data)
        central.append(b"PK\x01\x02" + struct.pack("<H", 20) + fields + struct.pack("<HHHII", 0, 0, 0, 0, offset) + encoded)
        offset += len(local[-1])
    directory = b"".join(central)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(central), len(central), len(directory), offset, 0)
    return b"".join(local) + directory + end


def npy_header(shape, descr="<f8") -> bytes:
    """A version 1.0 ``.npy`` header, padded to a multiple of 64 bytes as NumPy writes it."""
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {tuple(shape)!r}, }}"
    padding = 64 - (10 + len(text) + 1) % 64
    text = text + " " * padding + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


def npy(array: np.ndarray) -> bytes:
    array = np.array(array, order="C")  # (ascontiguousarray would make a 0-d array 1-d)
    return npy_header(array.shape, array.dtype.str) + array.tobytes()


def model_members(network: Network, config: dict | None = None) -> dict[str, bytes]:
    """The members of a model file, written from its documented format (see test_serialization)."""
    def text(value: str) -> bytes:
        return npy(np.array(value))

    members = {
        "format.npy": text("neuralbook-model"),
        "version.npy": npy(np.array(1, dtype=np.int64)),
        "config.npy": text(json.dumps(config or network.config)),
        "history.npy": text("null"),
        "metadata.npy": text("{}"),
    }
    for i, parameter in enumerate(network.parameters()):
        members[f"param_{i}.npy"] = npy(parameter)
    return members


def refused_in_child(imports: str, call: str, error: str, path, accepted: str = "accepted") -> tuple[str, float, float]:
    """Run ``call(path)`` in a fresh Python (after ``imports``): ``refused: ...`` if it raises ``error``.

    Any other exception fails the child, and so the test; the measured peak memory and
    processor seconds come back with the output (see `measured`).
    """
    return measured(
        f"""
        {imports}
        try:
            {call}({str(path)!r})
            print({accepted!r})
        except {error} as error:
            print("refused:", error)
        """
    )


def load_in_child(path) -> tuple[str, float, float]:
    return refused_in_child("from neuralbook.serialization import ModelFileError, load_model", "load_model", "ModelFileError",
                            path, accepted="loaded")


# --- Model files ---------------------------------------------------------------------------


def test_the_builders_make_files_that_numpy_and_the_loader_read(tmp_path):
    """The zip and .npy writers above are right: a model made with them loads, and a bomb inflates."""
    network = Network([4, 3, 2], seed=0)
    path = tmp_path / "handmade.npz"
    path.write_bytes(zip_archive(model_members(network)))
    from neuralbook.serialization import load_model

    x = np.full((1, 4), 0.5, dtype=np.float32)
    assert np.array_equal(load_model(path).network.forward(x), network.forward(x))
    import gzip

    assert gzip.decompress(gzip_bomb(b"head", 2)) == b"head" + bytes(2 << 20)


def test_a_small_model_asking_for_a_huge_layer_is_refused_at_once(tmp_path):
    network = Network([784, 30, 10], seed=0)
    config = {**network.config, "sizes": [784, 500_000, 10]}
    path = tmp_path / "liar.npz"
    path.write_bytes(zip_archive(model_members(network, config)))
    assert path.stat().st_size < 200_000
    out, peak, seconds = load_in_child(path)
    assert out.startswith("refused:")
    # 784 * 500,000 + 500,000 + 500,000 * 10 + 10, counted by hand:
    assert "sizes [784, 500000, 10] need 397,500,010 weights and biases; the most neuralbook builds is" in out
    assert peak < MAX_PEAK_MB and seconds < MAX_SECONDS, (peak, seconds)


def test_a_config_within_the_cap_is_checked_against_the_headers_before_anything_is_built(tmp_path):
    network = Network([784, 30, 10], seed=0)
    config = {**network.config, "sizes": [784, 30_000, 10], "dtype": "float64"}  # 24 million: under the cap
    path = tmp_path / "liar.npz"
    path.write_bytes(zip_archive(model_members(network, config)))
    out, peak, seconds = load_in_child(path)
    assert "param_0 has shape (30, 784), but the config [784, 30000, 10] needs (30000, 784)" in out
    assert peak < MAX_PEAK_MB and seconds < MAX_SECONDS, (peak, seconds)


def test_a_member_named_again_and_again_is_refused_before_the_members_are_opened(tmp_path):
    # 65,535 entries of the central directory, all pointing at one format marker: 3.6 MB
    # that took 11 seconds to open member by member before failing on the missing version.
    members = model_members(Network([4, 3, 2], seed=0))
    archive = zip_archive({"format.npy": members["format.npy"]})
    end = archive.index(b"PK\x05\x06")
    directory_start = archive.index(b"PK\x01\x02")
    entry, local = archive[directory_start:end], archive[:directory_start]
    count = 65_535
    directory = entry * count
    path = tmp_path / "echo.npz"
    path.write_bytes(local + directory + b"PK\x05\x06"
                     + struct.pack("<HHHHIIH", 0, 0, count, count, len(directory), len(local), 0))
    out, peak, seconds = load_in_child(path)
    assert "the archive names a member more than once" in out, out
    assert peak < MAX_PEAK_MB and seconds < MAX_SECONDS / 2, (peak, seconds)


def test_a_model_deeper_than_the_cap_is_refused_by_its_number_of_members(tmp_path):
    from neuralbook.serialization import MAX_LAYERS

    network = Network([784] + [1] * MAX_LAYERS + [10], seed=0)  # MAX_LAYERS + 1 weight matrices
    path = tmp_path / "deep.npz"
    path.write_bytes(zip_archive(model_members(network)))
    out, peak, seconds = load_in_child(path)
    members = 5 + 2 * (MAX_LAYERS + 1)  # format, version, config, history, metadata; W and b a layer
    assert f"{members:,} members; a model of at most {MAX_LAYERS:,} layers has at most {members - 2:,}" in out, out
    with pytest.raises(ValueError, match=f"sizes describe {MAX_LAYERS + 1:,} layers"):
        from neuralbook.serialization import parameter_shapes

        parameter_shapes(network.sizes)


def test_a_model_of_constant_weights_compressed_a_thousandfold_is_refused_before_it_is_read(tmp_path):
    # Within every cap, a 194 kB file of 24 million zero weights took 614 MB and 18 s to
    # evaluate. Here: 784 x 2,000 float64 zeros (12.5 MB) in about 12 kB.
    network = Network([784, 2000, 10], seed=0, dtype=np.float64)
    members: dict = dict(model_members(network))
    members["param_0.npy"] = repeated_deflate(npy_header((2000, 784)), bytes(784 * 8), 2000)
    path = tmp_path / "constant.npz"
    path.write_bytes(zip_archive(members))
    out, peak, seconds = load_in_child(path)
    assert "param_0.npy inflates" in out and "from" in out, out
    ratio = (2000 * 784 * 8 + len(npy_header((2000, 784)))) / len(members["param_0.npy"][0])
    assert ratio > 100
    assert f"inflates {ratio:,.0f}-fold" in out, out
    # Stored uncompressed, as save_model writes it, the same zeros are what the file holds: read.
    members["param_0.npy"] = npy(np.zeros((2000, 784)))
    path.write_bytes(zip_archive(members))
    assert load_in_child(path)[0] == "loaded"


def test_a_compressed_member_declaring_a_huge_array_is_refused_from_its_header(tmp_path):
    network = Network([4, 3, 2], seed=0)
    members = model_members(network)
    shape = (125_000, 1000)  # a gigabyte of float64 zeros, about a megabyte compressed
    members["param_0.npy"] = repeated_deflate(npy_header(shape), bytes(1 << 20), 1_000_000_000 >> 20)
    # The declared size must match the header exactly for this to be a well-formed member:
    data, crc, size = members["param_0.npy"]
    missing = len(npy_header(shape)) + 125_000 * 1000 * 8 - size
    assert 0 <= missing < 1 << 20
    members["param_0.npy"] = repeated_deflate(npy_header(shape) + bytes(missing), bytes(1 << 20), 1_000_000_000 >> 20)
    path = tmp_path / "bomb.npz"
    path.write_bytes(zip_archive(members))
    assert path.stat().st_size < 5_000_000
    out, peak, seconds = load_in_child(path)
    assert "param_0 has shape (125000, 1000), but the config [4, 3, 2] needs (3, 4)" in out
    assert peak < MAX_PEAK_MB and seconds < MAX_SECONDS, (peak, seconds)


def test_a_huge_text_entry_is_refused_from_its_header(tmp_path):
    network = Network([4, 3, 2], seed=0)
    members = model_members(network)
    characters = 400 << 18  # 400 MiB of UTF-32 spaces, about 400 kB compressed
    members["history.npy"] = repeated_deflate(npy_header((), f"<U{characters}"), b" \x00\x00\x00" * (1 << 18), 400)
    path = tmp_path / "novel.npz"
    path.write_bytes(zip_archive(members))
    out, peak, seconds = load_in_child(path)
    assert "the 'history' entry is 104,857,600 characters long" in out
    assert peak < MAX_PEAK_MB and seconds < MAX_SECONDS, (peak, seconds)


# --- IDX files -----------------------------------------------------------------------------


def test_a_gzip_bomb_behind_a_small_header_is_refused_without_inflating_it(tmp_path):
    header = struct.pack(">II", 2049, 10) + bytes(range(10))  # ten labels, honestly
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip_bomb(header, 512))  # ... and 512 MB of zeros after them
    assert path.stat().st_size < 2_000_000
    out, peak, seconds = refused_in_child("from neuralbook.datasets import IdxFormatError, read_idx", "read_idx", "IdxFormatError", path)
    assert "trailing bytes after the 10 bytes of data" in out
    assert peak < MAX_PEAK_MB and seconds < MAX_SECONDS, (peak, seconds)


def test_a_header_promising_more_than_a_gzip_file_can_hold_is_refused_before_reading(tmp_path):
    import gzip

    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(struct.pack(">IIII", 2051, 4_000_000, 28, 28) + bytes(1000)))
    from neuralbook.datasets import IdxFormatError, read_idx

    with pytest.raises(IdxFormatError, match=f"promises {4_000_000 * 784} bytes .* more than a gzip file of"):
        read_idx(path)


def test_random_shift_refuses_a_shift_that_moves_every_image_out_of_the_field():
    import numpy as np

    from neuralbook.augmentation import random_shift

    with pytest.raises(ValueError, match="smaller than the images' side"):
        random_shift(np.zeros((2, 784), dtype=np.float32), np.random.default_rng(0), 28)


def test_evaluating_a_wide_network_takes_bounded_memory(monkeypatch):
    import tracemalloc

    import numpy as np

    from neuralbook import evaluation
    from neuralbook.network import Network
    from neuralbook.training import accuracy_of

    network = Network([784, 2000, 10], seed=0)  # float32
    images = np.random.default_rng(0).random((2000, 784), dtype=np.float32)
    expected = network.forward(images).argmax(axis=1)  # the reference: all at once
    monkeypatch.setattr(evaluation, "BATCH_MEMORY", 2**20)
    tracemalloc.start()
    try:
        predicted = evaluation.predict_classes(network, images, batch_size=2000)
        accuracy = accuracy_of(network, images, expected, batch_size=10_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.array_equal(predicted, expected) and accuracy == 1.0
    # All at once, one hidden layer's activations alone take 2000 x 2000 x 4 bytes = 16 MB.
    assert peak < 6 * 2**20, peak


def _jpeg(side: int, value=None) -> bytes:
    import io

    from PIL import Image

    rng = np.random.default_rng(0)
    pixels = rng.random((side, side)) * 255 if value is None else np.full((side, side), value)
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_jpeg_whose_header_promises_more_than_its_data_is_refused(tmp_path):
    from neuralbook.preprocessing import open_image

    data = bytearray(_jpeg(112))
    start = data.index(b"\xff\xc0")  # the baseline frame header: ... height, width
    assert struct.unpack(">HH", data[start + 5 : start + 9]) == (112, 112)
    data[start + 5 : start + 9] = struct.pack(">HH", 9000, 9000)
    path = tmp_path / "damaged.jpg"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"damaged\.jpg: the file is truncated or damaged.*9000 x 9000"):
        open_image(path)
    # A real JPEG of a blank page spends more than a bit per 8x8 block: it is read.
    blank = tmp_path / "blank.jpg"
    blank.write_bytes(_jpeg(2000, value=255))
    assert open_image(blank).size[0] > 0


def test_a_png_whose_text_inflates_too_far_names_the_file(tmp_path):
    from neuralbook.preprocessing import open_image

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    bomb = b"Comment\x00\x00" + zlib.compress(b"a" * 50_000_000, 9)  # 50 MB of text in a few kB
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"zTXt", bomb)
           + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))
    path = tmp_path / "bomb.png"
    path.write_bytes(png)
    with pytest.raises(ValueError, match=r"cannot read .*bomb\.png"):
        open_image(path)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def palette_png(side: int) -> bytes:
    """A ``side`` x ``side`` PNG, every pixel palette entry 0 (white, transparent), built from the format's definition."""
    row = bytes(1 + side)  # filter type 0, then one palette index a pixel
    deflated, _, _ = repeated_deflate(b"", row, side)
    adler = 1
    for _ in range(side):
        adler = zlib.adler32(row, adler)
    idat = b"\x78\xda" + deflated + struct.pack(">I", adler)
    header = struct.pack(">IIBBBBB", side, side, 8, 3, 0, 0, 0)  # 8-bit palette colour
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"PLTE", b"\xff" * 3)
            + png_chunk(b"tRNS", b"\x00") + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


def test_a_small_png_of_many_pixels_is_refused_before_it_is_decoded(tmp_path):
    # 88 million pixels (just under Pillow's own limit) in under 300 kB: decoded whole, a
    # palette with transparency becomes RGBA and then premultiplied RGBa, some 800 MB.
    path = tmp_path / "wide.png"
    path.write_bytes(palette_png(9400))
    assert path.stat().st_size < 300_000
    output, peak, seconds = refused_in_child("from neuralbook.preprocessing import preprocess_image", "preprocess_image", "ValueError", path)
    assert peak < MAX_PEAK_MB and seconds < MAX_SECONDS, (peak, seconds, output)
    assert output.startswith("refused:") and "wide.png" in output and "9400 x 9400" in output, output


def test_a_progressive_jpeg_is_decoded_whole_so_its_pixels_are_bounded(tmp_path, monkeypatch):
    from PIL import Image

    from neuralbook import preprocessing

    monkeypatch.setattr(preprocessing, "MAX_WHOLE_PIXELS", 300 * 300)
    picture = Image.new("L", (400, 400), 255)
    progressive, baseline = tmp_path / "progressive.jpg", tmp_path / "baseline.jpg"
    picture.save(progressive, progressive=True)
    picture.save(baseline)
    with pytest.raises(ValueError, match=r"progressive\.jpg: the image is too large \(400 x 400 pixels; a progressive JPEG"):
        preprocessing.open_image(progressive)
    assert preprocessing.open_image(baseline).size == (400, 400)  # read at a reduced size when large: no limit
    small = tmp_path / "small.png"
    Image.new("L", (300, 300), 255).save(small)
    assert preprocessing.open_image(small).size == (300, 300)  # at the limit: read


@pytest.mark.skipif(not os.path.exists("/proc/self/pagemap"), reason="needs Linux's /proc/self/pagemap")
def test_a_data_file_that_reads_longer_than_its_size_is_refused_after_its_size(tmp_path):
    # /proc/self/pagemap says it holds 0 bytes, yet reading it yields 8 bytes for every page
    # of the address space: terabytes, which hashing it read to the end of.
    import signal

    from neuralbook.datasets import ChecksumError, locate_mnist

    (tmp_path / "t10k-labels-idx1-ubyte.gz").symlink_to("/proc/self/pagemap")

    def give_up(signum, frame):
        raise TimeoutError("still hashing after 20 seconds")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(20)
    try:
        with pytest.raises(ChecksumError, match=r"more than 4542 bytes, the original file's size"):
            locate_mnist(tmp_path, download=False, cache_dir=tmp_path / "cache", names=["t10k-labels-idx1-ubyte"])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def jpeg_segments(data: bytes) -> list[bytes]:
    """The segments of a JPEG after its start marker, each scan with its coded data (by the format's rules)."""
    i, segments = 2, []
    while data[i + 1] != 0xD9:
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        end = i + 2 + length
        if data[i + 1] == 0xDA:  # coded data runs to the next 0xFF that is not stuffing or a restart
            while data[end] != 0xFF or data[end + 1] == 0 or 0xD0 <= data[end + 1] <= 0xD7:
                end += 1
        segments.append(data[i:end])
        i = end
    return segments


def test_jpeg_scans_counts_what_libjpeg_writes():
    import io

    from PIL import Image

    from neuralbook.preprocessing import jpeg_scans

    def scans(mode, **options):
        buffer = io.BytesIO()
        Image.new(mode, (64, 64), "white").save(buffer, "JPEG", **options)
        return jpeg_scans(buffer.getvalue())

    # libjpeg's jpeg_simple_progression: 6 scans for one component, 10 for three (its documentation).
    assert (scans("L"), scans("RGB"), scans("L", progressive=True), scans("RGB", progressive=True)) == (1, 1, 6, 10)


def test_a_jpeg_of_thousands_of_scans_is_refused_before_it_is_decoded(tmp_path):
    # A progressive 1,000 x 1,000 page, its last scan (a few dozen bytes) repeated 20,000
    # times: each copy is a pass over every 8 x 8 block; it took 18 s (at 4,000 x 4,000, minutes).
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (1000, 1000), 255).save(buffer, "JPEG", progressive=True)
    data = buffer.getvalue()
    segments = jpeg_segments(data)
    assert segments[-1][:2] == b"\xff\xda" and segments[-2][:2] == b"\xff\xc4"  # a Huffman table, then a scan
    path = tmp_path / "passes.jpg"
    path.write_bytes(data[:2] + b"".join(segments) + (segments[-2] + segments[-1]) * 20_000 + b"\xff\xd9")
    assert path.stat().st_size < 2_000_000
    output, peak, seconds = refused_in_child("from neuralbook.preprocessing import preprocess_image", "preprocess_image", "ValueError", path)
    assert seconds < MAX_SECONDS / 2 and peak < MAX_PEAK_MB, (seconds, peak, output)
    assert "passes.jpg: it holds 20,006 scans of 1000 x 1000 pixels" in output, output
