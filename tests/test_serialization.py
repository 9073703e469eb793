"""Saving and loading models: exact round trips, atomic writes, and every bad file refused."""

from __future__ import annotations

import json
import os
import pickle
import zipfile

import numpy as np
import pytest

from neuralbook import serialization
from neuralbook.network import Network
from neuralbook.serialization import FORMAT_MARKER, ModelFileError, load_model, save_model

# Filled by Trap.__reduce__ if anything ever unpickles one: the test of pickled entries
# checks that it stays empty.
UNPICKLED = []


def _record_unpickling(message):
    UNPICKLED.append(message)
    return message


class Trap:
    """An object whose unpickling leaves a trace (a harmless stand-in for malicious code)."""

    def __reduce__(self):
        return (_record_unpickling, ("a pickle was loaded",))


def trained_like(sizes=(784, 30, 10), seed=3, dtype="float64", **options):
    """A network whose parameters are random, not the ones its seed would give."""
    network = Network(list(sizes), seed=seed, dtype=np.dtype(dtype), **options)
    rng = np.random.default_rng(seed + 100)
    for parameter in network.parameters():
        parameter[...] = rng.normal(size=parameter.shape)
    return network


def write_archive(path, **arrays):
    np.savez(path, **arrays)
    return path


def valid_entries(network):
    """The entries of a good model file, built here independently of save_model."""
    entries = {
        "format": np.array(FORMAT_MARKER),
        "version": np.array(1),
        "config": np.array(json.dumps(network.config)),
        "history": np.array("null"),
        "metadata": np.array("{}"),
    }
    for i, parameter in enumerate(network.parameters()):
        entries[f"param_{i}"] = parameter
    return entries


# --- round trips ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_gives_identical_predictions(tmp_path, dtype):
    network = trained_like(dtype=dtype)
    path = tmp_path / "model.npz"
    save_model(path, network)
    loaded = load_model(path).network
    x = np.random.default_rng(0).random((50, 784)).astype(dtype)
    assert np.array_equal(loaded.forward(x), network.forward(x))
    assert np.array_equal(loaded.predict(x), network.predict(x))
    assert loaded.config == network.config
    for mine, theirs in zip(network.parameters(), loaded.parameters()):
        assert theirs.dtype == mine.dtype
        assert np.array_equal(theirs, mine)


def test_round_trip_of_options_history_and_metadata(tmp_path):
    network = trained_like(sizes=(6, 5, 4, 3), hidden_activation="sigmoid", dropout=0.25)
    history = {"epoch": [1, 2], "train_loss": [np.float32(0.5), 0.25], "val_accuracy": np.array([0.9, 0.95])}
    metadata = {"seed": np.int64(7), "data": "MNIST", "nested": {"a": [1, 2.5, None]}}
    path = tmp_path / "model.npz"
    save_model(path, network, history=history, metadata=metadata)
    saved = load_model(path)
    assert saved.network.config == network.config
    assert saved.history == {"epoch": [1, 2], "train_loss": [0.5, 0.25], "val_accuracy": [0.9, 0.95]}
    assert saved.metadata == {"seed": 7, "data": "MNIST", "nested": {"a": [1, 2.5, None]}}


def test_file_is_plain_npz_readable_without_pickle(tmp_path):
    path = tmp_path / "model.npz"
    network = trained_like(sizes=(4, 3, 2))
    save_model(path, network, metadata={"k": 1})
    with np.load(path, allow_pickle=False) as data:
        assert str(data["format"]) == FORMAT_MARKER
        assert int(data["version"]) == 1
        assert json.loads(str(data["config"]))["sizes"] == [4, 3, 2]
        assert sorted(k for k in data.files if k.startswith("param_")) == ["param_0", "param_1", "param_2", "param_3"]
        assert np.array_equal(data["param_0"], network.parameters()[0])


def test_unsaveable_metadata_is_refused_and_nothing_written(tmp_path):
    with pytest.raises(TypeError, match="plain data"):
        save_model(tmp_path / "model.npz", trained_like(sizes=(4, 3, 2)), metadata={"f": object()})
    assert list(tmp_path.iterdir()) == []


def test_load_model_really_passes_allow_pickle_false(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    save_model(path, trained_like(sizes=(4, 3, 2)))
    calls = []
    real_read = np.lib.format.read_array

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_read(*args, **kwargs)

    # np.load of an archive reads each member with read_array; load_model calls it itself.
    monkeypatch.setattr(np.lib.format, "read_array", spy)
    load_model(path)
    assert len(calls) == 9  # format, version, config, history, metadata and four parameters
    assert all(call.get("allow_pickle") is False for call in calls)


# --- atomic writes -------------------------------------------------------------------


def _failing_savez(file, arrays):
    file.write(b"PK\x03\x04 half of an archive")
    raise OSError("No space left on device")


@pytest.mark.parametrize("failure", ["savez", "replace"])
def test_failed_write_keeps_old_file_and_leaves_nothing(tmp_path, monkeypatch, failure):
    path = tmp_path / "model.npz"
    old = trained_like(sizes=(4, 3, 2), seed=1)
    save_model(path, old)
    before = path.read_bytes()
    if failure == "savez":
        monkeypatch.setattr(serialization, "_write_npz", _failing_savez)
    else:

        def failing_replace(source, target):
            raise OSError("simulated crash before the rename")

        monkeypatch.setattr(serialization.os, "replace", failing_replace)
    with pytest.raises(OSError):
        save_model(path, trained_like(sizes=(4, 3, 2), seed=2))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]
    monkeypatch.undo()
    x = np.ones((1, 4))
    assert np.array_equal(load_model(path).network.forward(x), old.forward(x))


def test_interrupted_first_write_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(serialization, "_write_npz", _failing_savez)
    with pytest.raises(OSError):
        save_model(tmp_path / "model.npz", trained_like(sizes=(4, 3, 2)))
    assert list(tmp_path.iterdir()) == []


def test_save_replaces_an_existing_model(tmp_path):
    path = tmp_path / "model.npz"
    save_model(path, trained_like(sizes=(4, 3, 2), seed=1))
    newer = trained_like(sizes=(4, 5, 2), seed=2)
    save_model(path, newer)
    assert load_model(path).network.config["sizes"] == [4, 5, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_save_into_a_folder_or_under_a_file_is_a_clear_error(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match=r"cannot write to .*models: it is a folder"):
        save_model(folder, trained_like(sizes=(4, 3, 2)))
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match=r"file is a file, not a folder"):
        save_model(tmp_path / "file" / "model.npz", trained_like(sizes=(4, 3, 2)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "models"]  # no temporary file left
    assert list(folder.iterdir()) == []


# --- every bad file is a ModelFileError that names the file --------------------------


def bad_files(tmp_path):
    """(description, path) for every kind of file that load_model must refuse."""
    network = trained_like(sizes=(4, 3, 2))
    good = tmp_path / "good.npz"
    save_model(good, network)
    data = good.read_bytes()
    files = {}

    def raw(name, content):
        path = tmp_path / name
        path.write_bytes(content)
        files[name] = path

    raw("empty.npz", b"")
    raw("text.npz", b"W1 = 0.5, 0.25\nthis is not a model\n")
    raw("truncated.npz", data[: len(data) // 2])
    raw("truncated-end.npz", data[:-30])
    flipped = bytearray(data)
    # A byte inside the stored values of W1: after its name in the local zip header and
    # the 128-byte .npy header (numpy stores without compression; the zip's CRC catches it).
    offset = data.index(b"param_0.npy") + len("param_0.npy") + 128 + 20
    flipped[offset] ^= 0xFF
    raw("corrupted.npz", bytes(flipped))
    raw("pickle.npz", pickle.dumps({"W1": [[0.5]]}))
    np.save(tmp_path / "array.npy", np.ones(3))
    files["array.npy"] = tmp_path / "array.npy"
    files["missing.npz"] = tmp_path / "missing.npz"
    files["folder.npz"] = tmp_path / "folder.npz"
    files["folder.npz"].mkdir()

    def archive(name, **changes):
        entries = valid_entries(network)
        for key, value in changes.items():
            if value is None:
                entries.pop(key)
            else:
                entries[key] = value
        files[name] = write_archive(tmp_path / name, **entries)

    files["foreign.npz"] = write_archive(tmp_path / "foreign.npz", x_train=np.zeros((2, 3)), y_train=np.zeros(2))
    archive("no-marker.npz", format=None)
    archive("wrong-marker.npz", format=np.array("keras-model"))
    archive("marker-not-text.npz", format=np.array([1, 2]))
    archive("no-version.npz", version=None)
    archive("newer-version.npz", version=np.array(99))
    archive("no-config.npz", config=None)
    archive("config-not-json.npz", config=np.array("{sizes: [4, 3, 2]"))
    archive("config-not-object.npz", config=np.array("[4, 3, 2]"))
    archive("config-unknown-key.npz", config=np.array(json.dumps({**network.config, "colour": "red"})))
    archive("config-bad-activation.npz", config=np.array(json.dumps({**network.config, "hidden_activation": "nope"})))
    archive("shape-mismatch.npz", config=np.array(json.dumps({**network.config, "sizes": [4, 5, 2]})))
    archive("transposed.npz", param_0=network.parameters()[0].T.copy())
    archive("missing-param.npz", param_3=None)
    archive("extra-param.npz", param_4=np.zeros(2))
    archive("stray-entry.npz", notes=np.array("hello"))
    archive("integer-param.npz", param_1=np.zeros(3, dtype=np.int64))
    archive("nan-param.npz", param_1=np.full(3, np.nan))
    archive("history-not-json.npz", history=np.array("[1, 2"))
    archive("pickled-object.npz", param_1=np.array([Trap(), Trap(), Trap()], dtype=object))
    archive("pickled-metadata.npz", metadata=np.array({"trap": Trap()}, dtype=object))
    return files


def test_every_bad_file_is_refused_with_its_name(tmp_path):
    files = bad_files(tmp_path)
    assert len(files) == 30
    UNPICKLED.clear()
    for name, path in files.items():
        with pytest.raises(ModelFileError) as caught:
            load_model(path)
        assert str(path) in str(caught.value), name
        assert caught.value.path == str(path)
        assert caught.value.problem, name
    assert UNPICKLED == []  # refused without ever unpickling the trap


@pytest.mark.parametrize(
    "name, words",
    [
        ("missing.npz", "no such file"),
        ("folder.npz", "a folder"),
        ("empty.npz", "empty"),
        ("text.npz", "not an .npz archive"),
        ("pickle.npz", "pickle"),
        ("array.npy", ".npy array"),
        ("truncated.npz", "truncated"),
        ("corrupted.npz", "truncated"),
        ("foreign.npz", "not a neuralbook model"),
        ("newer-version.npz", "newer"),
        ("config-not-json.npz", "not valid JSON"),
        ("shape-mismatch.npz", "param_0 has shape (3, 4)"),
        ("transposed.npz", "param_0 has shape"),
        ("missing-param.npz", "4 parameter arrays, the file has 3"),
        ("integer-param.npz", "should hold floats"),
        ("nan-param.npz", "param_1 contains NaN or infinity"),
        ("pickled-object.npz", "pickled"),
        ("pickled-metadata.npz", "pickled"),
    ],
)
def test_messages_say_what_is_wrong(tmp_path, name, words):
    files = bad_files(tmp_path)
    with pytest.raises(ModelFileError, match=None) as caught:
        load_model(files[name])
    assert words in str(caught.value)


def test_the_trap_really_records_unpickling():
    """The check above means something only if unpickling a Trap leaves a trace."""
    UNPICKLED.clear()
    pickle.loads(pickle.dumps(Trap()))
    assert UNPICKLED == ["a pickle was loaded"]
    UNPICKLED.clear()


def test_good_file_built_independently_loads(tmp_path):
    """The format as documented (written here without save_model) is what load_model reads."""
    network = trained_like(sizes=(4, 3, 2))
    path = write_archive(tmp_path / "handmade.npz", **valid_entries(network))
    x = np.full((2, 4), 0.5)
    assert np.array_equal(load_model(path).network.forward(x), network.forward(x))
    with zipfile.ZipFile(path) as archive:
        assert "config.npy" in archive.namelist()
    assert os.path.getsize(path) > 0


@pytest.mark.parametrize("version", [0, -1])
def test_a_version_that_is_not_a_positive_integer_is_refused(tmp_path, version):
    entries = valid_entries(trained_like(sizes=(4, 3, 2)))
    entries["version"] = np.array(version)
    path = write_archive(tmp_path / "zero.npz", **entries)
    with pytest.raises(ModelFileError, match=f"the 'version' entry should be a positive integer, got {version}"):
        load_model(path)


def test_a_member_that_is_not_an_array_is_refused(tmp_path):
    path = tmp_path / "model.npz"
    save_model(path, trained_like(sizes=(4, 3, 2)))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("run.sh", "rm -rf ~")
    with pytest.raises(ModelFileError, match="unexpected member 'run.sh'"):
        load_model(path)


def test_a_member_shorter_than_its_header_says_is_refused_before_reading(tmp_path):
    network = trained_like(sizes=(4, 3, 2))
    entries = valid_entries(network)
    path = write_archive(tmp_path / "model.npz", **entries)
    # Rewrite param_0 with a header that promises more rows than the data holds.
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    W = members["param_0.npy"]
    members["param_0.npy"] = W.replace(b"'shape': (3, 4)", b"'shape': (9, 4)")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ModelFileError, match="param_0.npy declares 288 bytes of data for shape"):
        load_model(path)


def test_a_fifo_is_not_a_model_file_and_is_not_opened(tmp_path):
    fifo = tmp_path / "model.npz"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    with pytest.raises(ModelFileError, match="not a regular file"):
        load_model(fifo)


def test_a_saved_model_is_what_np_load_reads_and_its_bytes_do_not_depend_on_the_time(tmp_path, monkeypatch):
    import time as clock

    network = trained_like(sizes=(4, 3, 2), seed=3)
    save_model(tmp_path / "a.npz", network, history={"records": []}, metadata={"seed": 3})
    with np.load(tmp_path / "a.npz", allow_pickle=False) as archive:  # NumPy's own reader, an independent one
        np.testing.assert_array_equal(archive["param_0"], network.parameters()[0])
    later = clock.time() + 3600  # an hour later, as zipfile stamps a member
    monkeypatch.setattr("time.time", lambda: later)
    save_model(tmp_path / "b.npz", network, history={"records": []}, metadata={"seed": 3})
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
