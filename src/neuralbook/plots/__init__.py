"""Every figure of the book, drawn with matplotlib by the package itself.

Each module in this package holds the figures of one part of the book and lists them
in a dictionary ``FIGURES`` that maps a file name (``"sigmoid.svg"``) to a function
that takes no arguments and returns a `matplotlib.figure.Figure`. The book's
build (``mkdocs_hooks.py``) renders every registered figure into ``figures/`` of the
site, so a chapter shows one with ``![...](figures/sigmoid.svg)``.

Render one yourself:

>>> from neuralbook.plots import figure_names, render
>>> svg = render(figure_names()[0])
>>> svg[:5]
b'<?xml'
"""

from __future__ import annotations

import importlib
import io
import pkgutil
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")  # draw to files; no window, no display needed

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure  # noqa: E402

# Deterministic SVG output: the same code draws the same bytes.
matplotlib.rcParams["svg.hashsalt"] = "neuralbook"
matplotlib.rcParams["svg.fonttype"] = "path"

FigureFunction = Callable[[], Figure]


def registry() -> dict[str, FigureFunction]:
    """All registered figures: file name -> function that draws it."""
    figures: dict[str, FigureFunction] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for name, function in getattr(module, "FIGURES", {}).items():
            if name in figures:
                raise ValueError(f"figure {name!r} is registered twice")
            figures[name] = function
    return figures


def figure_names() -> list[str]:
    """The file names of all registered figures, sorted."""
    return sorted(registry())


def render(name: str) -> bytes:
    """Draw the figure ``name`` and return the bytes of its file (SVG or PNG by suffix)."""
    figures = registry()
    if name not in figures:
        raise KeyError(f"no figure named {name!r}; known: {', '.join(sorted(figures))}")
    figure = figures[name]()
    buffer = io.BytesIO()
    fmt = name.rsplit(".", 1)[-1]
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(buffer, format=fmt, bbox_inches="tight", metadata=metadata)
    plt.close(figure)
    return buffer.getvalue()
