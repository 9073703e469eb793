"""MkDocs hooks: put the package's figures and the MathJax assets into the site.

* Every figure registered in :mod:`neuralbook.plots` is drawn at build time and added
  to the site as ``figures/<name>``; no image is ever committed by hand.
* MathJax comes from the ``django-static-mathjax`` package installed with the docs
  extra; its files are copied into ``assets/mathjax/`` so that formulas are typeset
  with no internet connection and no CDN.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources
from pathlib import Path

from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.neuralbook")

MATHJAX_TARGET = "assets/mathjax"
# The files of MathJax 3 that the site loads: the TeX-to-HTML component, its fonts and
# the TeX extensions that it loads on demand.
MATHJAX_PARTS = ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions")


@lru_cache(maxsize=None)
def _rendered_figures() -> dict[str, bytes]:
    """Draw every figure once per MkDocs process (``mkdocs serve`` rebuilds often)."""
    from neuralbook.plots import figure_names, render

    figures = {}
    for name in figure_names():
        figures[name] = render(name)
    log.info("drew %d figures", len(figures))
    return figures


def _mathjax_files() -> dict[str, Path]:
    """Site path -> file on disk for the MathJax parts the site serves."""
    root = Path(str(resources.files("mathjax"))) / "static" / "mathjax" / "es5"
    if not (root / "tex-chtml.js").is_file():
        raise FileNotFoundError(f"MathJax not found at {root}; install the docs extra: pip install -e '.[docs]'")
    found = {}
    for part in MATHJAX_PARTS:
        path = root / part
        paths = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in paths:
            found[f"{MATHJAX_TARGET}/{file.relative_to(root).as_posix()}"] = file
    return found


def on_files(files: Files, config) -> Files:
    for name, content in _rendered_figures().items():
        files.append(File.generated(config, f"figures/{name}", content=content))
    for site_path, source in _mathjax_files().items():
        files.append(File.generated(config, site_path, abs_src_path=str(source)))
    return files
