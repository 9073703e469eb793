"""MkDocs hooks: put the package's figures and the MathJax assets into the site.

* Every figure registered in :mod:`neuralbook.plots` is drawn at build time and added
  to the site as ``figures/<name>``; no image is ever committed by hand.
* Listings embedded from the package show each function's docstring as its first
  line only: the chapter's prose explains the function, and the API reference shows
  the whole docstring. The code itself is shown as it is.
* MathJax comes from the ``django-static-mathjax`` package installed with the docs
  extra; its files are copied into ``assets/mathjax/`` so that formulas are typeset
  with no internet connection and no CDN.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from markdown import Extension
from markdown.preprocessors import Preprocessor
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


_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*python\b")
_DEF = re.compile(r"^(?P<indent>[ \t]*)(?:async\s+)?(?:def|class)\s")
_DOCSTRING_OPEN = re.compile(r'^(?P<indent>[ \t]*)(?P<quote>"""|\'\'\')(?P<rest>.*)$')


def shorten_docstrings(lines: list[str]) -> list[str]:
    """Inside fenced Python code, keep only the first line of each multi-line docstring.

    Lines outside ``python`` fences, code, comments and one-line docstrings are kept
    as they are (``tests/test_site.py`` shows an example).
    """
    out: list[str] = []
    fence = None
    in_signature = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if fence is None:
            match = _FENCE_OPEN.match(line)
            if match:
                fence = match["indent"] + match["fence"]
            out.append(line)
            i += 1
            continue
        if line.strip() == fence.strip() and line.startswith(fence[: len(fence) - len(fence.lstrip())]):
            fence = None
            out.append(line)
            i += 1
            continue
        out.append(line)
        i += 1
        if _DEF.match(line):
            in_signature = True
        # A docstring is the first statement after a signature (which may span lines).
        if in_signature and line.rstrip().endswith(":") and i < len(lines):
            in_signature = False
            doc = _DOCSTRING_OPEN.match(lines[i])
            if doc and doc["rest"].strip() and doc["quote"] not in doc["rest"]:
                end = i + 1
                while end < len(lines) and doc["quote"] not in lines[end]:
                    end += 1
                summary = doc["rest"].rstrip()
                out.append(f'{doc["indent"]}{doc["quote"]}{summary}{doc["quote"]}')
                i = end + 1
    return out


class _ShortDocstrings(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return shorten_docstrings(lines)


class ShortDocstringsExtension(Extension):
    """Runs right after pymdownx.snippets (priority 32) has embedded the listings."""

    def extendMarkdown(self, md):  # noqa: N802 (Markdown's API)
        md.preprocessors.register(_ShortDocstrings(md), "neuralbook_short_docstrings", 31)


def on_config(config):
    config.markdown_extensions.append(ShortDocstringsExtension())
    return config


def on_files(files: Files, config) -> Files:
    for name, content in _rendered_figures().items():
        files.append(File.generated(config, f"figures/{name}", content=content))
    for site_path, source in _mathjax_files().items():
        files.append(File.generated(config, site_path, abs_src_path=str(source)))
    return files
