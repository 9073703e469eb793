"""Tests of the presets, of runs on the real data, and of the results the book cites."""

from __future__ import annotations

import numpy as np
import pytest

from neuralbook import experiments
from neuralbook.experiments import ABLATIONS, PRESETS, TrainingConfig, build, load_result, run


def test_nielsen_preset_is_nielsens_network():
    config = PRESETS["nielsen"]
    assert config.sizes == [784, 30, 10]
    assert (config.hidden_activation, config.output, config.loss) == ("sigmoid", "sigmoid", "quadratic")
    assert (config.optimizer, config.learning_rate, config.batch_size, config.epochs) == ("sgd", 3.0, 10, 30)
    assert config.validation_size == 10_000  # trained on 50,000 images
    network, optimizer, schedule = build(config)
    # 784*30 + 30 weights and biases into the hidden layer, 30*10 + 10 into the output.
    assert network.parameter_count == 784 * 30 + 30 + 30 * 10 + 10
    assert type(optimizer).__name__ == "SGD" and schedule is None
    assert PRESETS["nielsen-wide"].replace(sizes=[784, 30, 10]) == config


def test_modern_preset():
    config = PRESETS["modern"]
    assert config.sizes == [784, 128, 64, 10] and config.batch_size == 128
    assert (config.hidden_activation, config.output, config.loss, config.init) == ("relu", "softmax", "cross_entropy", "he")
    network, optimizer, schedule = build(config)
    # Cosine annealing from the learning rate down towards 0 over the run.
    assert schedule(0) == pytest.approx(config.learning_rate)
    assert schedule(config.epochs // 2) == pytest.approx(config.learning_rate / 2)


def test_modern_preset_is_the_candidate_the_validation_set_chose():
    selection = load_result("selection")
    runs = selection["runs"]
    best = max(runs, key=lambda name: runs[name]["final_validation_accuracy"])
    assert selection["chosen"] == best
    chosen = runs[best]["config"]
    expected = PRESETS["modern"].replace(validation_size=10_000).to_dict()
    assert chosen == expected
    for name, (description, config) in experiments.MODERN_CANDIDATES.items():
        assert runs[name]["config"] == config.to_dict()


def test_a_replaced_config_owns_its_sizes():
    copy = PRESETS["nielsen"].replace(epochs=1)
    copy.sizes[1] = 100  # a learner experimenting with a copy...
    assert PRESETS["nielsen"].sizes == [784, 30, 10]  # ...leaves the preset alone
    assert experiments.OVERFITTING.sizes is not PRESETS["nielsen"].sizes


def test_every_ablation_builds():
    for name, (description, config) in ABLATIONS.items():
        network, optimizer, schedule = build(config)
        assert network.sizes[0] == 784 and network.sizes[-1] == 10, name


def small_mnist(n_train=1200, n_test=300, seed=0):
    """A stand-in for MNIST: each digit is a noisy copy of its own random template."""
    from neuralbook.datasets import MnistData

    rng = np.random.default_rng(seed)
    templates = rng.random((10, 784)).astype(np.float32)

    def make(n):
        labels = rng.integers(0, 10, n)
        images = np.clip(templates[labels] + 0.3 * rng.normal(size=(n, 784)), 0, 1).astype(np.float32)
        return images, labels.astype(np.int64)

    return MnistData(*make(n_train), *make(n_test))


def test_same_seed_same_result_on_a_small_subset():
    data = small_mnist()
    config = PRESETS["quick"].replace(validation_size=200, train_size=600, epochs=2, dropout=0.2)
    a, b = run(config, data, progress=False), run(config, data, progress=False)
    for p, q in zip(a.network.parameters(), b.network.parameters()):
        assert np.array_equal(p, q)
    assert a.history.column("train_loss") == b.history.column("train_loss")
    c = run(config.replace(seed=1), data, progress=False)
    assert not np.array_equal(a.network.parameters()[0], c.network.parameters()[0])


def test_run_reports_divergence_instead_of_raising():
    data = small_mnist()
    config = PRESETS["quick"].replace(validation_size=200, optimizer="sgd", learning_rate=1e9, epochs=1)
    result = run(config, data, progress=False)
    assert result.test_accuracy is None and "too high" in result.diverged
    assert result.diverged_epoch == 1 and result.diverged_iteration >= 1


def test_prepare_data_options():
    data = small_mnist()
    split = experiments.prepare_data(TrainingConfig(validation_size=200, train_size=100, sort_by_label=True, pixel_scale=255.0), data)
    assert len(split.train_images) == 100 and len(split.validation_images) == 200
    assert np.all(np.diff(split.train_labels) >= 0)
    np.testing.assert_allclose(split.test_images, data.test_images * 255, rtol=1e-6)
    # The validation set is the last 200 of the training images, never the test images.
    np.testing.assert_array_equal(split.validation_labels, data.train_labels[-200:])


def test_dead_fraction_is_measured_on_the_images_the_run_saw(monkeypatch):
    # The no-normalisation run trains and tests on pixels times 255; its dead neurons must
    # be counted on those, not on the [0, 1] images it never saw. This hidden neuron
    # computes (sum of pixels) - 1000: negative for every image in [0, 1] (at most 784),
    # positive once the pixels are multiplied by 255.
    from neuralbook.network import Network
    from neuralbook.training import History

    data = small_mnist()
    config = PRESETS["quick"].replace(sizes=[784, 1, 10], validation_size=0, pixel_scale=255.0)
    network = Network(config.sizes, hidden_activation="relu", seed=0)
    network.layers[0].W[:] = 1.0
    network.layers[0].b[:] = -1000.0
    monkeypatch.setattr(experiments, "run", lambda config, data, progress=None: experiments.RunResult(config, network, History(), 0.5, 1200))
    runs = experiments._runs({"scaled": ("pixels times 255", config)}, data, progress=False)
    assert experiments.dead_fraction(network, data.test_images) == [1.0]  # dead on unscaled pixels
    assert runs["scaled"]["dead_fraction"] == [0.0]  # alive on the pixels the run saw


def test_results_web_alone_exports_the_saved_model_without_training(tmp_path, monkeypatch):
    import shutil

    from neuralbook import datasets

    shutil.copy(experiments.results_dir() / "modern.npz", tmp_path / "modern.npz")
    before = (tmp_path / "modern.npz").read_bytes()
    monkeypatch.setattr(datasets, "load_mnist", lambda *args, **kwargs: small_mnist(n_train=10, n_test=10))

    def no_training(*args, **kwargs):
        raise AssertionError("--only web must not train")

    monkeypatch.setattr(experiments, "run", no_training)
    written = experiments.write_results(out_dir=tmp_path, only=["web"], web_path=tmp_path / "digit-model.json")
    assert written == [tmp_path / "digit-model.json"] and written[0].stat().st_size > 0
    assert (tmp_path / "modern.npz").read_bytes() == before


# --- The real data --------------------------------------------------------------------


@pytest.mark.mnist
def test_quick_preset_reaches_what_the_book_claims(mnist):
    """The chapter says the quick preset passes 96% test accuracy in two epochs."""
    config = PRESETS["quick"]
    result = run(config, mnist, progress=False)
    assert len(result.history) == config.epochs == 2
    # Count correct test predictions independently of the trainer's own accuracy code.
    predictions = np.argmax(result.network.forward(mnist.test_images), axis=1)
    accuracy = np.count_nonzero(predictions == mnist.test_labels) / len(mnist.test_labels)
    assert accuracy == result.test_accuracy
    assert accuracy >= 0.96


@pytest.mark.mnist
def test_shipped_modern_model_has_the_accuracy_the_book_states(mnist):
    from importlib import resources

    from neuralbook.serialization import load_model

    with resources.as_file(resources.files("neuralbook.results") / "modern.npz") as path:
        model = load_model(path)
    predictions = np.argmax(model.network.forward(mnist.test_images), axis=1)
    accuracy = np.count_nonzero(predictions == mnist.test_labels) / len(mnist.test_labels)
    evaluation = load_result("modern-evaluation")
    assert accuracy == pytest.approx(evaluation["accuracy"], abs=1e-12)
    assert accuracy >= 0.98
    matrix = np.zeros((10, 10), dtype=int)
    np.add.at(matrix, (mnist.test_labels, predictions), 1)
    assert matrix.tolist() == evaluation["confusion_matrix"]


# --- The shipped results ----------------------------------------------------------------


def test_shipped_results_meet_the_targets():
    presets = load_result("presets")["runs"]
    assert presets["nielsen"]["test_accuracy"] >= 0.945
    assert presets["nielsen-wide"]["test_accuracy"] >= 0.96
    assert presets["modern"]["test_accuracy"] >= 0.98
    assert presets["quick"]["test_accuracy"] >= 0.96
    for name, result in presets.items():
        config = PRESETS[name].to_dict()
        assert result["config"] == config, f"{name}: the shipped result was made with another config"
        assert result["epochs_trained"] == len(result["history"]["records"]) == config["epochs"]


def test_shipped_tables_are_consistent():
    """The per-epoch records add up: iteration counts and train sizes, by hand."""
    presets = load_result("presets")["runs"]
    nielsen = presets["nielsen"]
    assert nielsen["train_size"] == 50_000 and nielsen["iterations_per_epoch"] == 50_000 // 10
    modern = presets["modern"]
    # All 60,000 images in batches of 128: 468 full batches (59,904 images) and one of 96.
    assert (modern["train_size"], modern["full_batches"], modern["last_batch"]) == (60_000, 468, 96)
    ablations = load_result("ablations")
    assert set(ablations["runs"]) == set(ABLATIONS)
    for name, result in ablations["runs"].items():
        assert result["config"] == ABLATIONS[name][1].to_dict(), name
    overfitting = load_result("overfitting")
    assert overfitting["train_size"] == 1000
    records = overfitting["history"]["records"]
    assert max(r["train_accuracy"] for r in records) > max(r["validation_accuracy"] for r in records) + 0.05
