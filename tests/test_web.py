"""The export of a trained network for the book's in-page widget (neuralbook.web).

The file is read back here independently (``struct`` on the base64 bytes), and its
forward pass compared with ``Network.forward``. The browser tests
(``test_browser.py``) then check that the JavaScript computes the same numbers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import stat
import struct

import numpy as np
import pytest

from conftest import ROOT
from neuralbook.network import PAIRINGS, Network
from neuralbook.web import SITE_MODEL, export_web, forward_web, network_to_web, read_web


def _unpack(text: str) -> list[float]:
    """Decode base64 little-endian float32 with struct, not with the module under test."""
    raw = base64.b64decode(text)
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def _trained_like(network, seed=0):
    """Give every parameter distinct random values (biases too, so a lost bias shows)."""
    rng = np.random.default_rng(seed)
    for parameter in network.parameters():
        parameter[...] = rng.normal(0, 1, parameter.shape)
    return network


def test_float32_network_is_exported_exactly(tmp_path):
    network = _trained_like(Network([6, 5, 4], seed=0))
    out = export_web(network, tmp_path / "model.json")
    raw = json.loads(out.read_text(encoding="utf-8"))
    assert raw["format"] == "neuralbook-web" and raw["version"] == 1
    assert raw["config"] == network.config
    for entry, layer in zip(raw["layers"], network.layers):
        assert (entry["n_out"], entry["n_in"]) == layer.W.shape
        assert entry["activation"] == layer.activation
        assert _unpack(entry["W"]) == [float(v) for v in layer.W.ravel()]  # row-major (n_out, n_in)
        assert _unpack(entry["b"]) == [float(v) for v in layer.b]


def test_float64_network_is_rounded_to_float32(tmp_path):
    network = _trained_like(Network([3, 2], output="sigmoid", loss="mse", dtype=np.float64, seed=0))
    web = read_web(export_web(network, tmp_path / "model.json"))
    W, b, activation = web["layers"][0]
    assert W.dtype == np.float32 and activation == "sigmoid"
    assert np.array_equal(W, network.layers[0].W.astype(np.float32))
    assert np.array_equal(b, network.layers[0].b.astype(np.float32))


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu", "leaky_relu"])
@pytest.mark.parametrize("output", ["softmax", "sigmoid", "linear"])
def test_forward_of_the_export_matches_the_network(hidden, output):
    network = Network([8, 6, 5, 4], hidden_activation=hidden, output=output, loss=PAIRINGS[output][0],
                      dtype=np.float64, seed=1)
    _trained_like(network, seed=2)
    for parameter in network.parameters():  # float32-exact, so the export loses nothing
        parameter[...] = parameter.astype(np.float32)
    web = network_to_web(network)
    if hidden == "leaky_relu":
        assert web["layers"][0]["alpha"] == 0.01
    x = np.random.default_rng(3).normal(0, 2, (30, 8))
    decoded = {"layers": [
        (np.array(_unpack(e["W"])).reshape(e["n_out"], e["n_in"]), np.array(_unpack(e["b"])), e["activation"])
        for e in web["layers"]
    ]}
    np.testing.assert_allclose(forward_web(decoded, x), network.forward(x), rtol=1e-12, atol=1e-12)


def test_export_from_a_saved_model_records_its_source(tmp_path):
    from neuralbook.serialization import save_model

    network = _trained_like(Network([4, 3, 2], seed=0))
    path = tmp_path / "tiny.npz"
    save_model(path, network)
    out = tmp_path / "site" / "assets" / "model.json"  # folders are created
    export_web(path, out)
    web = read_web(out)
    assert web["source"] == {"file": "tiny.npz", "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    np.testing.assert_array_equal(web["layers"][1][0], network.layers[1].W)


def test_export_is_atomic_and_readable_by_everyone(tmp_path):
    out = tmp_path / "model.json"
    out.write_text("old", encoding="utf-8")
    os.chmod(out, 0o644)
    export_web(Network([2, 2], seed=0), out)
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"], "a temporary file was left behind"
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    read_web(out)


def test_bad_networks_and_files_are_refused(tmp_path):
    network = Network([3, 2], seed=0)
    network.layers[0].W[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        network_to_web(network)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": "something-else", "version": 1}), encoding="utf-8")
    with pytest.raises(ValueError, match="neuralbook-web"):
        read_web(wrong)
    good = network_to_web(Network([3, 2], seed=0))
    good["layers"][0]["b"] = good["layers"][0]["W"]  # six values where two belong
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps(good), encoding="utf-8")
    with pytest.raises(ValueError, match="expected 2 float32 values"):
        read_web(cut)


def test_the_site_model_is_the_books_trained_model():
    """docs/assets/digit-model.json holds exactly the weights of results/modern.npz.

    ``neuralbook results`` trains the modern network and exports it; if the model is
    retrained and not exported again (or the other way round), this fails.
    """
    from neuralbook.serialization import load_model

    site = ROOT / SITE_MODEL
    source = ROOT / "src" / "neuralbook" / "results" / "modern.npz"
    assert source.is_file(), f"{source} is missing: run `neuralbook results` to train and export the modern model"
    assert site.is_file(), f"{site} is missing: run `neuralbook export-web {source}`"
    web = read_web(site)
    network = load_model(source).network
    assert web["source"]["file"] == "modern.npz"
    assert web["config"] == network.config
    exported = [p for W, b, _ in web["layers"] for p in (W, b)]
    assert len(exported) == len(network.parameters())
    for mine, theirs in zip(exported, network.parameters()):
        assert np.array_equal(mine, theirs.astype(np.float32)), "the site's model is not results/modern.npz: re-export it"


def test_the_pages_workflow_builds_as_the_readme_says():
    """The site is published by the README's install command and the strict build CI runs."""
    workflow = (ROOT / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install = 'python3 -m venv .venv && . .venv/bin/activate && pip install -U pip && pip install -e ".[docs]"'
    assert install in readme and install in workflow
    # One script builds the site for both, so the Pages workflow and CI cannot disagree.
    assert "bash tools/build_site.sh site" in workflow and "bash tools/build_site.sh" in ci
    assert "mkdocs build --strict" in (ROOT / "tools" / "build_site.sh").read_text(encoding="utf-8")
    assert re.search(r"on:\s*\n\s*push:\s*\n\s*branches: \[main\]", workflow)
    for action in ("actions/configure-pages@", "actions/upload-pages-artifact@", "actions/deploy-pages@"):
        assert action in workflow, f"the workflow does not use {action}"
