"""Tests of `neuralbook results`: re-running the book's measured results (neuralbook.reproduce)."""

from __future__ import annotations

import pytest
from test_experiments import small_mnist

from neuralbook import experiments, reproduce


def test_every_part_has_its_place():
    assert len(set(reproduce.RESULT_PARTS)) == len(reproduce.RESULT_PARTS)
    assert set(reproduce.INDEPENDENT_PARTS) < set(reproduce.RESULT_PARTS)  # the other process has parts too


def test_an_unknown_part_is_refused_before_any_work(tmp_path, monkeypatch):
    def no_data(*args, **kwargs):
        raise AssertionError("an unknown part must be refused before the data are read")

    monkeypatch.setattr(reproduce, "load_mnist", no_data)
    with pytest.raises(ValueError, match=r"unknown result parts \['preset'\]; expected some of: selection, presets"):
        reproduce.write_results(out_dir=tmp_path, only=["presets", "preset"])
    assert list(tmp_path.iterdir()) == []


def test_results_web_alone_exports_the_saved_model_without_training(tmp_path, monkeypatch):
    import shutil

    shutil.copy(experiments.results_dir() / "modern.npz", tmp_path / "modern.npz")
    before = (tmp_path / "modern.npz").read_bytes()
    monkeypatch.setattr(reproduce, "load_mnist", lambda *args, **kwargs: small_mnist(n_train=10, n_test=10))

    def no_training(*args, **kwargs):
        raise AssertionError("--only web must not train")

    monkeypatch.setattr(reproduce, "run", no_training)
    monkeypatch.setattr(experiments, "run", no_training)  # what run_seeds calls
    written = reproduce.write_results(out_dir=tmp_path, only=["web"], web_path=tmp_path / "digit-model.json")
    assert written == [tmp_path / "digit-model.json"] and written[0].stat().st_size > 0
    assert (tmp_path / "modern.npz").read_bytes() == before


# --- `neuralbook results --jobs 2`: two processes side by side ---------------------------


@pytest.mark.mnist
def test_results_in_two_processes_each_with_one_blas_thread(mnist, tmp_path):
    """Each group of parts runs in its own Python with one BLAS thread, and every file is reported."""
    import json
    import shutil

    shutil.copy(experiments.results_dir() / "modern.npz", tmp_path / "modern.npz")  # what "web" exports
    written = reproduce._write_in_processes([["one-batch"], ["web"]], None, tmp_path, False, tmp_path / "digit-model.json")
    assert sorted(written) == sorted([tmp_path / "one-batch.json", tmp_path / "digit-model.json"])
    stamp = json.loads((tmp_path / "one-batch.json").read_text(encoding="utf-8"))["machine"]
    assert stamp["omp_num_threads"] == "1"


@pytest.mark.mnist
def test_results_in_two_processes_names_the_group_that_failed(mnist, tmp_path):
    # No modern.npz in the folder: the "web" part cannot export it.
    with pytest.raises(RuntimeError, match=r"the process for web \(exit status"):
        reproduce._write_in_processes([["one-batch"], ["web"]], None, tmp_path, False, tmp_path / "digit-model.json")
    assert (tmp_path / "one-batch.json").exists()  # the other group finished its work
