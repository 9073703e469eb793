"""Tests of the ``neuralbook`` command, end to end on a small stand-in for MNIST."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import stat
import struct
import subprocess
import sys

import numpy as np
import pytest

from neuralbook import cli, datasets
from neuralbook.serialization import load_model


def fake_mnist(n_train=600, n_test=200, seed=0):
    """Digits 0-9 as 28x28 images with a bright 4x4 square at a place that depends on the digit."""
    rng = np.random.default_rng(seed)

    def make(n):
        labels = rng.integers(0, 10, size=n)
        images = rng.random((n, 28, 28)).astype(np.float32) * 0.2
        for i, label in enumerate(labels):
            row, col = divmod(int(label), 5)
            images[i, 4 + 12 * row : 8 + 12 * row, 2 + 5 * col : 6 + 5 * col] = 1.0
        return images.reshape(n, 784), labels.astype(np.int64)

    train_images, train_labels = make(n_train)
    test_images, test_labels = make(n_test)
    return datasets.MnistData(train_images, train_labels, test_images, test_labels)


@pytest.fixture
def fake_data(monkeypatch):
    data = fake_mnist()
    seen = {}

    def load(data_dir=None, **kwargs):
        seen["data_dir"] = data_dir
        return data

    def load_test_set(data_dir=None, **kwargs):
        seen["data_dir"] = data_dir
        seen["test only"] = True
        return data.test_images, data.test_labels

    monkeypatch.setattr(datasets, "load_mnist", load)
    monkeypatch.setattr(datasets, "load_test_set", load_test_set)
    return seen


def test_help_lists_every_command(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("train", "evaluate", "predict", "export-web", "results"):
        assert command in out


def test_train_help_explains_every_option(capsys):
    assert cli.main(["train", "--help"]) == 0
    out = capsys.readouterr().out
    options = [
        "--preset", "--sizes", "--activation", "--output", "--loss", "--init", "--dropout", "--dtype",
        "--optimizer", "--learning-rate", "--momentum", "--schedule", "--decay-factor", "--decay-every",
        "--weight-decay", "--batch-size", "--epochs", "--patience", "--seed", "--data-dir",
        "--validation-size", "--train-size", "--quiet", "--out", "--history", "--test",
    ]
    for option in options:
        assert option in out, option
    for preset in ("quick", "nielsen", "nielsen-wide", "modern"):
        assert preset in out


def test_options_override_the_preset():
    args = cli.build_parser().parse_args(
        ["train", "--preset", "nielsen", "--sizes", "784,100,10", "--lr", "0.5", "--l2", "1e-4", "--schedule", "cosine"]
    )
    config = cli.config_from_args(args)
    assert config.sizes == [784, 100, 10]
    assert config.learning_rate == 0.5 and config.weight_decay == 1e-4 and config.schedule == "cosine"
    assert config.hidden_activation == "sigmoid" and config.batch_size == 10  # kept from the preset


def test_bad_sizes_are_refused(capsys):
    assert cli.main(["train", "--sizes", "784,x,10"]) == 2
    assert "expected sizes like" in capsys.readouterr().err


def test_train_evaluate_predict_export(tmp_path, fake_data, capsys):
    model = tmp_path / "model.npz"
    history = tmp_path / "run.json"
    code = cli.main([
        "train", "--preset", "quick", "--sizes", "784,32,10", "--epochs", "3", "--validation-size", "100",
        "--data-dir", "somewhere", "--out", str(model), "--history", str(history), "--quiet",
    ])
    assert code == 0 and fake_data["data_dir"] == "somewhere"
    assert capsys.readouterr().out == ""  # --quiet
    saved = load_model(model)
    assert saved.network.sizes == [784, 32, 10]
    run = json.loads(history.read_text())
    assert run["epochs_trained"] == 3 and run["train_size"] == 500
    assert "test_accuracy" not in run and "test_accuracy" not in saved.metadata  # no --test: the test set is untouched
    # 500 images in batches of 64: 7 full batches and one of 52.
    assert (run["iterations_per_epoch"], run["full_batches"], run["last_batch"]) == (8, 7, 52)

    data = fake_mnist()
    expected = np.mean(saved.network.forward(data.test_images).argmax(axis=1) == data.test_labels)
    figure = tmp_path / "confusion.svg"
    assert cli.main(["evaluate", str(model), "--figure", str(figure)]) == 0
    out = capsys.readouterr().out
    assert f"test accuracy: {100 * expected:.2f}%" in out
    assert "true \\ predicted" in out and "most confused" in out
    assert figure.read_bytes().startswith(b"<?xml")

    from PIL import Image

    image = np.full((28, 28), 255, dtype=np.uint8)
    image[6:22, 12:16] = 0  # a dark stroke on white paper
    picture = tmp_path / "digit.png"
    Image.fromarray(image).save(picture)
    assert cli.main(["predict", str(model), str(picture), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert len(answer["probabilities"]) == 10 and sum(answer["probabilities"]) == pytest.approx(1, abs=1e-5)
    assert answer["prediction"] == int(np.argmax(answer["probabilities"]))

    out = tmp_path / "web.json"
    assert cli.main(["export-web", str(model), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["format"] == "neuralbook-web"


def test_train_prints_a_table_per_epoch(tmp_path, fake_data, capsys):
    assert cli.main(["train", "--sizes", "784,16,10", "--epochs", "2", "--validation-size", "100", "--out", str(tmp_path / "m.npz")]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip().split(" ")[0] in ("1", "2")]
    assert len(lines) == 2 and "validation accuracy" in out
    assert "test accuracy" not in out  # validation only, unless --test


def test_train_measures_the_test_set_only_when_asked(tmp_path, fake_data, capsys):
    model, history = tmp_path / "m.npz", tmp_path / "run.json"
    args = ["train", "--sizes", "784,16,10", "--epochs", "2", "--validation-size", "100", "--seed", "3"]
    assert cli.main([*args, "--out", str(model), "--history", str(history), "--test"]) == 0
    out = capsys.readouterr().out
    saved = load_model(model)
    data = fake_mnist()
    expected = float(np.mean(saved.network.forward(data.test_images).argmax(axis=1) == data.test_labels))
    assert f"test accuracy: {100 * expected:.2f}%" in out
    assert json.loads(history.read_text())["test_accuracy"] == pytest.approx(expected)
    assert saved.metadata["test_accuracy"] == pytest.approx(expected)
    # The same run without --test: the same network, and no test accuracy anywhere.
    assert cli.main([*args, "--out", str(model), "--history", str(history)]) == 0
    assert "test accuracy" not in capsys.readouterr().out
    assert "test_accuracy" not in json.loads(history.read_text())
    assert "test_accuracy" not in load_model(model).metadata


def test_train_without_validation_says_how_to_measure(tmp_path, fake_data, capsys):
    assert cli.main(["train", "--sizes", "784,16,10", "--epochs", "1", "--validation-size", "0", "--out", str(tmp_path / "m.npz")]) == 0
    out = capsys.readouterr().out
    assert "neuralbook evaluate" in out and "--test" in out and "test accuracy" not in out


def test_divergence_is_reported_with_its_cause(tmp_path, fake_data, capsys):
    code = cli.main([
        "train", "--preset", "quick", "--optimizer", "sgd", "--learning-rate", "1e9", "--epochs", "2",
        "--validation-size", "100", "--out", str(tmp_path / "m.npz"), "--quiet",
    ])
    assert code == 1
    err = capsys.readouterr().err
    assert "diverged" in err and "learning rate that is too high" in err
    assert not (tmp_path / "m.npz").exists()


def test_missing_model_is_an_error_not_a_traceback(tmp_path, capsys):
    assert cli.main(["evaluate", str(tmp_path / "nothing.npz")]) == 1
    assert "error:" in capsys.readouterr().err


def test_data_that_cannot_be_found_is_an_error_not_a_traceback(tmp_path, monkeypatch, capsys):
    def no_network(data_dir=None, **kwargs):
        raise datasets.DownloadError("could not download train-images-idx3-ubyte.gz from any mirror")

    monkeypatch.setattr(datasets, "load_mnist", no_network)
    assert cli.main(["train", "--out", str(tmp_path / "m.npz")]) == 1
    assert "error: could not download" in capsys.readouterr().err


@pytest.mark.parametrize(
    "option, value",
    [
        ("--batch-size", "0"), ("--epochs", "0"), ("--epochs", "-1"), ("--learning-rate", "-1"), ("--lr", "nan"),
        ("--lr", "inf"), ("--dropout", "1"), ("--momentum", "1.5"), ("--weight-decay", "-1"), ("--patience", "0"),
        ("--train-size", "-5"), ("--validation-size", "-1"), ("--decay-every", "0"), ("--decay-factor", "0"),
        ("--decay-factor", "2"), ("--seed", "-1"), ("--seed", "1.5"),
    ],
)
def test_option_values_out_of_range_are_refused_before_loading_data(tmp_path, fake_data, capsys, option, value):
    out = tmp_path / "m.npz"
    assert cli.main(["train", option, value, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "argument " in err and option in err and f"got {value!r}" in err and "Traceback" not in err
    assert fake_data == {} and not out.exists()  # refused before MNIST is even loaded


@pytest.mark.parametrize("sizes", ["100,10", "784,10,9", "784,30,11"])
def test_sizes_must_fit_mnist(tmp_path, fake_data, capsys, sizes):
    assert cli.main(["train", "--sizes", sizes, "--out", str(tmp_path / "m.npz")]) == 2
    assert "expected 784 inputs (28x28 pixels) first and 10 outputs" in capsys.readouterr().err
    assert fake_data == {}


def test_top_must_not_be_negative(tmp_path, capsys):
    assert cli.main(["evaluate", str(tmp_path / "m.npz"), "--top", "-3"]) == 2
    assert "argument --top: expected a whole number >= 0" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--out", "--history"])
def test_unwritable_outputs_are_refused_before_training(tmp_path, fake_data, capsys, option):
    folder = tmp_path / "folder"
    folder.mkdir()
    paths = {"--out": str(tmp_path / "m.npz"), "--history": str(tmp_path / "run.json"), option: str(folder)}
    args = ["train", "--sizes", "784,16,10", "--epochs", "1", "--validation-size", "100", "--quiet"]
    assert cli.main([*args, "--out", paths["--out"], "--history", paths["--history"]]) == 1
    assert capsys.readouterr().err == f"error: cannot write to {folder}: it is a folder; name a file in it\n"
    assert fake_data == {}  # no data loaded, no training done
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"] and list(folder.iterdir()) == []
    (tmp_path / "taken").write_text("a file, not a folder")
    assert cli.main([*args, "--out", str(tmp_path / "taken" / "x.npz")]) == 1
    assert "taken is a file, not a folder" in capsys.readouterr().err
    assert fake_data == {}


def test_evaluate_refuses_a_figure_it_cannot_draw_before_evaluating(tmp_path, fake_data, capsys):
    from neuralbook.network import Network
    from neuralbook.serialization import save_model

    model = tmp_path / "m.npz"
    save_model(model, Network([784, 8, 10], seed=0))
    for figure, words in (("matrix.txt", "expected a name ending in .svg, .png, .pdf"), ("matrix", "ending in"),
                          (str(tmp_path), "it is a folder")):
        assert cli.main(["evaluate", str(model), "--figure", figure]) == 1
        captured = capsys.readouterr()
        assert words in captured.err and captured.out == ""
    assert fake_data == {} and sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_export_web_bad_arguments_are_clear_errors(tmp_path, capsys):
    from neuralbook.network import Network
    from neuralbook.serialization import save_model

    missing = tmp_path / "missing.npz"
    assert cli.main(["export-web", str(missing), "--out", str(tmp_path / "w.json")]) == 1
    assert capsys.readouterr().err == f"error: {missing}: no such file\n"
    model = tmp_path / "m.npz"
    save_model(model, Network([784, 8, 10], seed=0))
    for out, words in ((str(tmp_path), "it is a folder"), ("", "it is a folder"), (str(model / "w.json"), "is a file, not a folder")):
        assert cli.main(["export-web", str(model), "--out", out]) == 1
        assert words in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


# --- Hostile and careless input --------------------------------------------------------


def huge_model(path):
    """A model whose weights are finite but so large that float32 outputs overflow to NaN."""
    from neuralbook.network import Network
    from neuralbook.serialization import save_model

    network = Network([784, 8, 10], seed=0)
    for W in network.parameters()[::2]:
        W[...] = 1e30
    save_model(path, network)
    return path


def digit_picture(path):
    from PIL import Image

    image = np.full((28, 28), 255, dtype=np.uint8)
    image[6:22, 12:16] = 0
    Image.fromarray(image).save(path)
    return path


def test_sizes_that_cannot_fit_are_refused_before_anything_is_allocated(tmp_path, fake_data, capsys):
    assert cli.main(["train", "--sizes", "784,100000000,10", "--out", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    # 784 * 10^8 + 10^8 + 10 * 10^8 + 10, counted by hand:
    assert "sizes [784, 100000000, 10] need 79,500,000,010 weights and biases" in err
    assert "Traceback" not in err and fake_data == {}


def test_running_out_of_memory_is_an_error_not_a_traceback(tmp_path, monkeypatch, capsys):
    from neuralbook import serialization

    def exhausted(path):
        raise MemoryError

    monkeypatch.setattr(serialization, "load_model", exhausted)
    assert cli.main(["evaluate", str(tmp_path / "m.npz")]) == 1
    assert capsys.readouterr().err.startswith("error: not enough memory for this command")


def test_evaluate_refuses_a_network_whose_outputs_are_not_finite(tmp_path, fake_data, capsys):
    model = huge_model(tmp_path / "huge.npz")
    assert cli.main(["evaluate", str(model)]) == 1
    captured = capsys.readouterr()
    assert "outputs are NaN or infinite for 200 of 200 images" in captured.err
    assert "accuracy" not in captured.out


def test_predict_refuses_outputs_that_are_not_finite_and_never_writes_nan(tmp_path, capsys):
    model = huge_model(tmp_path / "huge.npz")
    picture = digit_picture(tmp_path / "digit.png")
    for extra in ([], ["--json"]):
        assert cli.main(["predict", str(model), str(picture), *extra]) == 1
        captured = capsys.readouterr()
        assert captured.out == "" and "NaN or infinite" in captured.err


def test_evaluate_asks_only_for_the_test_files(tmp_path, fake_data, capsys):
    from neuralbook.network import Network
    from neuralbook.serialization import save_model

    model = tmp_path / "m.npz"
    save_model(model, Network([784, 8, 10], seed=0))
    assert cli.main(["evaluate", str(model), "--data-dir", "here"]) == 0
    assert fake_data == {"data_dir": "here", "test only": True}


def idx(array) -> bytes:
    array = np.asarray(array, dtype=np.uint8)
    return struct.pack(">I", 0x0800 | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def test_a_data_dir_given_once_is_remembered_by_the_next_command(tmp_path, monkeypatch, capsys):
    """`evaluate --data-dir DIR` once; then `evaluate` alone finds the files, offline."""
    from neuralbook.network import Network
    from neuralbook.serialization import save_model

    rng = np.random.default_rng(0)
    files = {"t10k-images-idx3-ubyte": idx(rng.integers(0, 256, (20, 28, 28))),
             "t10k-labels-idx1-ubyte": idx(rng.integers(0, 10, 20))}
    folder = tmp_path / "usb-stick"
    folder.mkdir()
    table = dict(datasets.MNIST_FILES)
    for name, raw in files.items():
        packed = gzip.compress(raw, mtime=0)
        (folder / f"{name}.gz").write_bytes(packed)
        table[name] = (hashlib.sha256(packed).hexdigest(), hashlib.sha256(raw).hexdigest())
    monkeypatch.setattr(datasets, "MNIST_FILES", table)
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", ("http://127.0.0.1:9/nothing-listens-here/",))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("NEURALBOOK_DATA", raising=False)
    monkeypatch.setattr(datasets.sys, "platform", "linux")
    model = tmp_path / "m.npz"
    save_model(model, Network([784, 8, 10], seed=0))
    assert cli.main(["evaluate", str(model), "--data-dir", str(folder)]) == 0
    first = capsys.readouterr().out
    assert cli.main(["evaluate", str(model)]) == 0  # no folder, no network: the cache has them
    assert capsys.readouterr().out == first
    cache = tmp_path / "xdg" / "neuralbook" / "mnist"
    assert sorted(os.listdir(cache)) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def test_offline_train_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", ("http://127.0.0.1:9/nothing-listens-here/",))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("NEURALBOOK_DATA", raising=False)
    monkeypatch.setattr(datasets.sys, "platform", "linux")
    assert cli.main(["train", "--out", str(tmp_path / "m.npz"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "To work offline, put the four MNIST files in a folder" in err
    assert "--data-dir DIR" in err and "NEURALBOOK_DATA=DIR" in err and "train-images-idx3-ubyte.gz" in err


@pytest.mark.parametrize("option", ["--out", "--history"])
def test_train_refuses_to_write_onto_a_fifo_before_training(tmp_path, fake_data, capsys, option):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    paths = {"--out": str(tmp_path / "m.npz"), "--history": str(tmp_path / "run.json"), option: str(fifo)}
    assert cli.main(["train", "--out", paths["--out"], "--history", paths["--history"], "--quiet"]) == 1
    assert capsys.readouterr().err == f"error: cannot write to {fifo}: it is a FIFO (named pipe), not a regular file; name a file instead\n"
    assert fake_data == {} and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["pipe"]


def test_evaluate_and_export_refuse_a_fifo_before_any_work(tmp_path, fake_data, capsys):
    from neuralbook.network import Network
    from neuralbook.serialization import save_model

    model = tmp_path / "m.npz"
    save_model(model, Network([784, 8, 10], seed=0))
    fifo = tmp_path / "matrix.svg"
    os.mkfifo(fifo)
    assert cli.main(["evaluate", str(model), "--figure", str(fifo)]) == 1
    assert "it is a FIFO" in capsys.readouterr().err and fake_data == {}
    assert cli.main(["export-web", str(model), "--out", str(fifo)]) == 1
    assert "it is a FIFO" in capsys.readouterr().err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_an_unwritable_folder_is_found_before_training_and_named_as_given(tmp_path, fake_data, capsys):
    # sysfs accepts no new file, not even from root: the probe must find that.
    assert cli.main(["train", "--out", "/sys/m.npz", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write to /sys/m.npz: the folder /sys does not let files be created")
    assert fake_data == {}


def test_help_says_once_what_a_link_or_a_device_means(capsys):
    assert cli.main(["--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "A symbolic link is followed" in text and "a device, FIFO or socket (such as /dev/null) is refused" in text
    for command in ("train", "evaluate", "export-web"):
        assert cli.main([command, "--help"]) == 0
        text = " ".join(capsys.readouterr().out.split())
        assert "A symbolic link is followed" not in text and "neuralbook --help" in text


def test_top_level_help_shows_examples_and_sets_the_maintainers_command_apart(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    readers, maintainers = out.split("for the book's maintainers:")
    assert "examples:" in readers and "neuralbook predict my-digit.png" in readers
    listed = [line.split()[0] for line in readers.split("examples:")[0].splitlines() if line.startswith("    ")
              and not line.startswith("     ")]
    assert listed == ["train", "evaluate", "predict", "export-web"]
    assert "results" in maintainers


def run_command(*args, **options):
    env = {**os.environ, **options.pop("env", {})}
    return subprocess.run([sys.executable, "-m", "neuralbook.cli", *map(str, args)], env=env, timeout=120, **options)


def test_predict_into_a_closed_pipe_exits_quietly(tmp_path):
    from neuralbook.network import Network
    from neuralbook.serialization import save_model

    model = tmp_path / "m.npz"
    save_model(model, Network([784, 8, 10], seed=0))
    picture = digit_picture(tmp_path / "digit.png")
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -1` once head has its line and has gone
    try:
        child = run_command("predict", model, picture, stdout=write_end, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write_end)
    assert child.stderr == ""
    assert child.returncode == 141


def test_a_path_the_terminal_cannot_print_does_not_fail_a_finished_command(tmp_path):
    from neuralbook.network import Network
    from neuralbook.serialization import save_model

    model = tmp_path / "m.npz"
    save_model(model, Network([784, 8, 10], seed=0))
    out = tmp_path / "modèle.json"
    child = run_command("export-web", model, "--out", out, capture_output=True, env={"PYTHONIOENCODING": "ascii"})
    assert child.returncode == 0, child.stderr
    assert out.is_file()
    assert b"mod\\xe8le.json" in child.stdout


def test_results_refuses_an_unwritable_output_before_any_work(tmp_path, monkeypatch, capsys):
    from neuralbook import reproduce

    calls = []
    monkeypatch.setattr(reproduce, "write_results", lambda *args, **kwargs: calls.append(args) or [])
    fifo = tmp_path / "digit-model.json"
    os.mkfifo(fifo)
    assert cli.main(["results", "--web-out", str(fifo)]) == 1
    assert "it is a FIFO" in capsys.readouterr().err
    assert cli.main(["results", "--out-dir", "/sys/results"]) == 1
    assert "cannot write to /sys/results: the folder to create it under, /sys does not let" in capsys.readouterr().err
    (tmp_path / "taken").write_text("a file")
    assert cli.main(["results", "--out-dir", str(tmp_path / "taken" / "results")]) == 1
    assert "taken is a file, not a folder" in capsys.readouterr().err
    assert calls == []


def test_a_finite_explosion_is_divergence_and_never_replaces_a_good_model(tmp_path, fake_data, capsys):
    model = tmp_path / "m.npz"
    model.write_bytes(b"the good model")
    # Adam at eta = 1e6: every step moves the weights by about a million, the loss stays finite.
    code = cli.main([
        "train", "--preset", "quick", "--sizes", "784,16,10", "--learning-rate", "1e6", "--epochs", "2",
        "--validation-size", "100", "--out", str(model), "--quiet",
    ])
    assert code == 1
    err = capsys.readouterr().err
    assert "diverged" in err and "learning rate that is too high" in err and "1000000.0" in err
    assert model.read_bytes() == b"the good model"


def test_a_run_left_at_chance_level_is_divergence(tmp_path, fake_data, capsys):
    # Adam at eta = 1000 with batches of 2 (250 steps an epoch): the accuracy ends near 10%.
    code = cli.main([
        "train", "--sizes", "784,16,10", "--learning-rate", "1000", "--batch-size", "2", "--epochs", "1",
        "--validation-size", "100", "--out", str(tmp_path / "m.npz"), "--quiet",
    ])
    assert code == 1
    assert "diverged" in capsys.readouterr().err
    assert not (tmp_path / "m.npz").exists()


def test_a_huge_weight_decay_is_named_as_the_cause(tmp_path, fake_data, capsys):
    code = cli.main([
        "train", "--sizes", "784,16,10", "--optimizer", "sgd", "--learning-rate", "0.1", "--weight-decay", "100",
        "--batch-size", "2", "--epochs", "1", "--validation-size", "100", "--out", str(tmp_path / "m.npz"), "--quiet",
    ])
    assert code == 1
    err = capsys.readouterr().err
    assert "diverged" in err and "weight decay that is too large" in err and "learning rate that is too high" not in err


def test_a_train_size_larger_than_the_data_is_refused(tmp_path, fake_data, capsys):
    # The fake data has 600 training images; 100 are held out, so 500 are left.
    code = cli.main(["train", "--train-size", "700", "--validation-size", "100", "--out", str(tmp_path / "m.npz"), "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    assert "--train-size 700" in err and "at most 500" in err
    assert not (tmp_path / "m.npz").exists()
    assert cli.main(["train", "--sizes", "784,8,10", "--train-size", "500", "--validation-size", "100", "--epochs", "1",
                     "--out", str(tmp_path / "m.npz"), "--quiet"]) == 0


@pytest.mark.parametrize("link", [False, True])
def test_an_output_never_names_an_input_or_another_output(tmp_path, fake_data, capsys, link):
    model = tmp_path / "m.npz"
    other = tmp_path / "link.npz"
    code = cli.main(["train", "--out", str(model), "--history", str(model), "--quiet"])
    assert code == 1 and "--history names the same file as --out" in capsys.readouterr().err
    assert not model.exists()  # refused before any work
    assert cli.main(["train", "--sizes", "784,8,10", "--epochs", "1", "--validation-size", "100",
                     "--out", str(model), "--quiet"]) == 0
    before = model.read_bytes()
    if link:
        other.symlink_to(model)
    same = other if link else tmp_path / "." / "m.npz"
    assert cli.main(["export-web", str(model), "--out", str(same)]) == 1
    assert "--out names the same file as MODEL" in capsys.readouterr().err
    assert cli.main(["evaluate", str(model), "--figure", str(same)]) == 1
    assert "--figure names the same file as MODEL" in capsys.readouterr().err
    assert model.read_bytes() == before


@pytest.mark.parametrize("pixels", ["5", "28", "100000000000000000000"])
def test_augment_is_bounded_by_the_margin_around_a_digit(tmp_path, fake_data, capsys, pixels):
    assert cli.main(["train", "--augment", pixels, "--out", str(tmp_path / "m.npz")]) == 2
    assert "from 0 to 4" in capsys.readouterr().err
    assert cli.build_parser().parse_args(["train", "--augment", "4"]).augment == 4


def test_predict_refuses_a_fifo_as_the_image_instead_of_waiting_forever(tmp_path, capsys):
    from neuralbook.network import Network
    from neuralbook.serialization import save_model

    model = tmp_path / "m.npz"
    save_model(model, Network([784, 8, 10], seed=0))
    fifo = tmp_path / "image.png"
    os.mkfifo(fifo)
    # In a child, with a time limit: before the fix it waited for a writer forever.
    child = subprocess.run([sys.executable, "-m", "neuralbook", "predict", str(model), str(fifo)],
                           capture_output=True, text=True, timeout=60, env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)})
    assert child.returncode == 1
    assert "not a regular file (a device, FIFO or socket), so not an image" in child.stderr


def test_a_closed_stdout_is_a_sentence_not_a_traceback(tmp_path):
    # Started with its standard output closed, as a shell's >&- does.
    child = subprocess.run(["sh", "-c", '"$0" -m neuralbook predict m.npz x.png >&-', sys.executable],
                           stderr=subprocess.PIPE, text=True, timeout=60, cwd=tmp_path,
                           env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)})
    assert child.returncode == 1 and "Traceback" not in child.stderr
    assert "the standard output is closed" in child.stderr


@pytest.mark.parametrize("sizes, words", [([100, 16, 10], "takes 100 inputs, but an MNIST image"),
                                          ([784, 16, 3], "gives 3 outputs, but a digit model gives 10")])
def test_a_model_that_is_not_a_digit_model_is_refused_in_the_command_lines_words(tmp_path, fake_data, capsys, sizes, words):
    from neuralbook.network import Network
    from neuralbook.serialization import save_model

    model = tmp_path / "m.npz"
    save_model(model, Network(sizes, seed=0))
    picture = tmp_path / "digit.png"
    from PIL import Image

    Image.fromarray(np.full((28, 28), 255, dtype=np.uint8)).save(picture)
    for command in (["predict", str(model), str(picture)], ["evaluate", str(model)],
                    ["export-web", str(model), "--out", str(tmp_path / "w.json")]):
        assert cli.main(command) == 1, command
        err = capsys.readouterr().err
        assert words in err and "expected x of shape" not in err, (command, err)
    assert not (tmp_path / "w.json").exists()


def test_export_web_refuses_weights_the_widget_cannot_compute_with(tmp_path, capsys):
    from neuralbook.network import Network
    from neuralbook.serialization import save_model

    network = Network([784, 8, 10], dtype=np.float64, seed=0)
    network.layers[0].W[...] = 1e200  # finite in float64, infinite once stored as float32
    model = tmp_path / "big.npz"
    save_model(model, network)
    assert cli.main(["export-web", str(model), "--out", str(tmp_path / "w.json")]) == 1
    assert "beyond float32's range" in capsys.readouterr().err
    # Float32 weights, but each of twelve layers multiplies a full canvas's values by 8 x 3e38:
    # past float64's 1.8e308 on the way, in the browser as in forward_web.
    network = Network([784] + [8] * 11 + [10], dtype=np.float64, seed=0)
    for layer in network.layers:
        layer.W[...] = 3e38
    save_model(model, network)
    assert cli.main(["export-web", str(model), "--out", str(tmp_path / "w.json")]) == 1
    assert "NaN or infinite outputs" in capsys.readouterr().err
    assert not (tmp_path / "w.json").exists()


def test_the_same_seed_gives_the_same_model_file_byte_for_byte(tmp_path, fake_data, monkeypatch):
    import time

    from neuralbook import training

    clock = iter(range(0, 10**6, 7))  # every epoch takes a different time in each run
    monkeypatch.setattr(training.time, "perf_counter", lambda: float(next(clock)))
    options = ["train", "--sizes", "784,8,10", "--epochs", "2", "--validation-size", "100", "--quiet"]
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    assert cli.main([*options, "--out", str(first), "--history", str(tmp_path / "a.json")]) == 0
    time.sleep(2.1)  # the zip format dates to two seconds
    assert cli.main([*options, "--out", str(second)]) == 0
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    run = json.loads((tmp_path / "a.json").read_text())
    assert all(record["seconds"] > 0 for record in run["history"]["records"])  # the times are kept there


@pytest.mark.parametrize("name, kind", [("nesterov", "Nesterov"), ("adagrad", "AdaGrad"), ("rmsprop", "RMSProp")])
def test_every_optimizer_of_the_package_can_be_chosen(tmp_path, fake_data, capsys, name, kind):
    from neuralbook import optimizers
    from neuralbook.experiments import make_optimizer

    args = cli.build_parser().parse_args(["train", "--optimizer", name, "--learning-rate", "0.01"])
    optimizer = make_optimizer(cli.config_from_args(args))
    assert type(optimizer) is getattr(optimizers, kind) and optimizer.learning_rate == 0.01
    out = tmp_path / "m.npz"
    assert cli.main(["train", "--sizes", "784,16,10", "--optimizer", name, "--learning-rate", "0.01", "--epochs", "3",
                     "--validation-size", "100", "--out", str(out), "--quiet"]) == 0
    assert load_model(out).metadata["config"]["optimizer"] == name


def test_optimizer_help_names_every_choice(capsys):
    from neuralbook import optimizers

    assert cli.main(["train", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for cls in (optimizers.SGD, optimizers.Momentum, optimizers.Nesterov, optimizers.AdaGrad, optimizers.RMSProp,
                optimizers.Adam, optimizers.AdamW):
        assert cls.__name__.lower() in out.split("--optimizer")[1].split("--learning-rate")[0], cls


def test_seed_help_states_the_measured_difference_between_thread_counts(capsys):
    from importlib import resources

    results = resources.files("neuralbook.results")
    runs = json.loads(results.joinpath("threads.json").read_text())["runs"]
    assert len({run["parameters_sha256"] for run in runs}) == len(runs)  # "the weights differ"
    seeds = json.loads(results.joinpath("search.json").read_text())["blas_threads"]["runs"]
    assert any(run["validation_accuracy_1"] != run["validation_accuracy_2"] for run in seeds)  # "the accuracy may too"
    assert cli.main(["train", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "elsewhere the weights differ, and the accuracy may too" in out


def _digit_picture(path):
    from PIL import Image

    image = np.full((60, 60), 255, dtype=np.uint8)
    image[10:50, 27:33] = 0  # a dark stroke on white paper: a one
    Image.fromarray(image).save(path)
    return path


def test_predict_without_a_model_uses_the_model_that_ships_with_the_package(tmp_path, capsys):
    from neuralbook.evaluation import predict_image

    picture = _digit_picture(tmp_path / "digit.png")
    expected = predict_image(load_model(cli.shipped_model()).network, picture)  # the package's own path
    assert cli.main(["predict", str(picture), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(answer["probabilities"], expected, rtol=1e-6)
    # The old form, MODEL IMAGE, and --model give the same answer.
    for command in (["predict", str(cli.shipped_model()), str(picture), "--json"],
                    ["predict", str(picture), "--model", str(cli.shipped_model()), "--json"]):
        assert cli.main(command) == 0
        assert json.loads(capsys.readouterr().out) == answer
    assert cli.main(["predict", str(cli.shipped_model()), str(picture), "--model", str(cli.shipped_model())]) == 1
    assert "named twice" in capsys.readouterr().err


def test_predict_saves_the_image_the_network_sees(tmp_path, capsys):
    from PIL import Image

    from neuralbook.preprocessing import preprocess_image

    picture = _digit_picture(tmp_path / "digit.png")
    seen = tmp_path / "seen.png"
    assert cli.main(["predict", str(picture), "--save-input", str(seen)]) == 0
    assert f"saved {seen}" in capsys.readouterr().out
    pixels = np.asarray(Image.open(seen))
    assert pixels.shape == (28, 28) and pixels.dtype == np.uint8
    np.testing.assert_allclose(pixels / 255, preprocess_image(picture).reshape(28, 28), atol=0.5 / 255 + 1e-6)
    assert cli.main(["predict", str(picture), "--save-input", str(picture)]) == 1  # never over the input
    assert "--save-input names the same file as IMAGE" in capsys.readouterr().err
    assert cli.main(["predict", str(picture), "--save-input", str(tmp_path / "seen.jpg")]) == 1
    assert "expected a name ending in .png" in capsys.readouterr().err


def test_a_network_that_cannot_fit_in_memory_is_refused_before_any_work(tmp_path, fake_data, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_physical_memory", lambda: 300_000_000)  # a machine with 300 MB
    # 784 x 30000 + 30000 + 30000 x 10 + 10 = 23,850,010 float32 parameters, kept four times with Adam: 382 MB.
    code = cli.main(["train", "--sizes", "784,30000,10", "--validation-size", "100", "--out", str(tmp_path / "m.npz")])
    assert code == 1
    err = capsys.readouterr().err
    assert "needs at least 0.4 GB of memory, more than this machine's 0.3 GB" in err
    assert not (tmp_path / "m.npz").exists()
    assert cli.main(["train", "--sizes", "784,8,10", "--epochs", "1", "--validation-size", "100",
                     "--out", str(tmp_path / "m.npz"), "--quiet"]) == 0


def test_an_output_never_replaces_a_data_file(tmp_path, fake_data, capsys):
    data = tmp_path / "data"
    data.mkdir()
    target = data / "t10k-labels-idx1-ubyte.gz"
    target.write_bytes(b"the labels")
    code = cli.main(["train", "--data-dir", str(data), "--out", str(target), "--quiet"])
    assert code == 1 and "--out names the same file as the data file t10k-labels-idx1-ubyte.gz" in capsys.readouterr().err
    assert target.read_bytes() == b"the labels"


@pytest.mark.parametrize("where", ["NEURALBOOK_DATA", "cache"])
def test_an_output_never_replaces_a_data_file_found_without_data_dir(tmp_path, fake_data, capsys, monkeypatch, where):
    # Without --data-dir the files come from $NEURALBOOK_DATA, then the cache: inputs all the same.
    data, cache = tmp_path / "data", tmp_path / "cache"
    monkeypatch.setenv("NEURALBOOK_DATA", str(data))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    folder = data if where == "NEURALBOOK_DATA" else cache / "neuralbook" / "mnist"
    folder.mkdir(parents=True)
    target = folder / "train-labels-idx1-ubyte.gz"
    target.write_bytes(b"the labels")
    code = cli.main(["train", "--out", str(target), "--quiet"])
    what = "the data file" if where == "NEURALBOOK_DATA" else "the cached data file"
    assert code == 1 and f"--out names the same file as {what} train-labels-idx1-ubyte.gz" in capsys.readouterr().err
    assert target.read_bytes() == b"the labels"
    assert cli.main(["evaluate", str(cli.shipped_model()), "--figure", str(folder / "t10k-images-idx3-ubyte.gz")]) == 1
    assert "--figure names the same file as" in capsys.readouterr().err


def test_predict_finds_a_missing_image_before_it_loads_the_model(tmp_path, capsys, monkeypatch):
    # A model of 24 million float64 parameters takes seconds and 600 MB to load: a typo in
    # the image's name must not cost that.
    def load(path):
        raise AssertionError("the model was loaded before the image was looked for")

    monkeypatch.setattr(cli, "_load_mnist_model", load)
    assert cli.main(["predict", str(cli.shipped_model()), str(tmp_path / "typo.png")]) == 1
    assert "typo.png: no such file" in capsys.readouterr().err


def test_results_never_exports_the_widget_over_the_model_it_reads_or_a_data_file(tmp_path, fake_data, capsys):
    # `results --only web` exports out_dir/modern.npz to --web-out: naming the model itself
    # replaced it with JSON, and exited 0.
    out_dir, data = tmp_path / "results", tmp_path / "data"
    out_dir.mkdir()
    data.mkdir()
    model = out_dir / "modern.npz"
    model.write_bytes(cli.shipped_model().read_bytes())
    labels = data / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(b"the labels")
    for web_out, named in ((model, "the result file modern.npz"), (labels, "the data file t10k-labels-idx1-ubyte.gz")):
        code = cli.main(["results", "--only", "web", "--jobs", "1", "--out-dir", str(out_dir), "--data-dir", str(data),
                         "--web-out", str(web_out)])
        assert code == 1 and f"--web-out names the same file as {named}" in capsys.readouterr().err
    assert model.read_bytes() == cli.shipped_model().read_bytes() and labels.read_bytes() == b"the labels"


def test_a_batch_larger_than_the_training_images_is_not_counted_as_memory(tmp_path, fake_data, capsys):
    # 2,000 images make batches of at most 2,000, whatever --batch-size says: this was refused as
    # needing 788.8 GB (100,000,000 x 2 x 986 activations x 4 bytes).
    code = cli.main(["train", "--sizes", "784,8,10", "--batch-size", "100000000", "--train-size", "50",
                     "--validation-size", "100", "--epochs", "1", "--out", str(tmp_path / "m.npz"), "--quiet"])
    assert code == 0, capsys.readouterr().err


def test_a_validation_set_of_every_image_is_refused_in_plain_numbers(tmp_path, fake_data, capsys):
    available = len(fake_mnist().train_images)  # what the fake_data fixture loads
    code = cli.main(["train", "--validation-size", "1000000000000", "--out", str(tmp_path / "m.npz"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and f"--validation-size 1,000,000,000,000 holds out every one of the {available:,}" in err, err
    assert " -9" not in err  # no negative count of images (it said "more than the -999,999,999,400 ...")
    assert not (tmp_path / "m.npz").exists()
