"""The diagrams of Parts I and II draw, and show the numbers of the package."""

from __future__ import annotations

import pytest

from neuralbook.plots import render
from neuralbook.plots.diagrams import FIGURES, plot_network_shapes, plot_neuron


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_diagrams_draw(name):
    assert render(name).startswith(b"<?xml")


def test_network_diagram_shows_the_shapes_worked_out_by_hand():
    texts = {text.get_text() for text in plot_network_shapes().axes[0].texts}
    # [784, 30, 10]: W1 is (30, 784), W2 is (10, 30); a batch of B rows.
    assert any("(30, 784)" in text for text in texts)
    assert any("(10, 30)" in text for text in texts)
    assert any("(B, 784)" in text for text in texts)


def test_neuron_diagram_carries_the_student_example():
    texts = {text.get_text() for text in plot_neuron().axes[0].texts}
    assert {"$w_1 = 0.6$", "$w_2 = 0.3$", "$w_3 = 0.1$", "85"} <= texts
