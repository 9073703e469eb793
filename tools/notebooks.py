"""Turn a chapter's Markdown into a Jupyter notebook (nbformat 4, written as plain JSON).

The build (``mkdocs_hooks.py``) calls :func:`chapter_notebook` for every page that has
a visible example and adds the result to the site as ``notebooks/<page>.ipynb``;
``tests/test_formats.py`` executes each notebook top to bottom.

What goes where:

* prose becomes Markdown cells, with its mathematics (``$...$``, ``$$...$$``) as it is;
  admonitions and tabs become a bold title and their content; a collapsible solution
  (``??? success "Solution"``) stays collapsible as a ``<details>`` block;
* each visible ``python`` example becomes a code cell: a ``>>>`` example loses its
  prompts and its printed output (the notebook prints it again when it runs), and
  consecutive examples whose output is not shown share one cell;
* a listing embedded from the package (``--8<--``) is expanded with pymdownx.snippets,
  exactly as the site expands it, and stays in the Markdown as shown code: the
  notebook imports the package, which is the code the listing shows;
* hidden checks and every other HTML comment, scripts and attribute lists are left out;
* figures are attached to their cell, so a downloaded notebook shows them; links to
  other chapters point at the hosted book.

This module is part of the build, not of the package a reader imports.
"""

from __future__ import annotations

import base64
import doctest
import json
import re
from pathlib import Path

from bookcheck import _FENCED_CODE  # the checker's own notion of a fenced block

__all__ = ["chapter_notebook", "has_examples", "notebook_cells"]

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
_EMPTY_DIV = re.compile(r"<div\b[^>]*>\s*</div>")
_ATTR_LIST = re.compile(r"[ \t]*\{[ \t]*[:#.][^}\n]*\}")
_BLOCK = re.compile(r'^(?P<indent>[ \t]*)(?P<marker>!!!|\?\?\?\+?|===)[ \t]*(?P<kind>[\w-]*)[ \t]*(?:"(?P<title>[^"]*)")?[ \t]*$')
_FENCE_HEAD = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[ \t]*(?P<lang>[\w-]*)")
_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)")
_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]+)\]\((?P<target>[^)\s]+)\)")


def _outside_fences(text: str, function) -> str:
    """Apply ``function`` to the parts of ``text`` that are not fenced code."""
    out, position = [], 0
    for match in _FENCED_CODE.finditer(text):
        out.append(function(text[position : match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(function(text[position:]))
    return "".join(out)


def _holds_example(lines: list[str], start: int, content_indent: int) -> bool:
    """Whether the block whose header is ``lines[start]`` holds a ``python`` fence."""
    for line in lines[start + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) < content_indent:
            return False
        if re.match(r"^[ \t]*(?:`{3,}|~{3,})[ \t]*(?:python|py|pycon)\b", line):
            return True
    return False


def _flatten_blocks(text: str) -> str:
    """Admonitions and tabs as a bold title and their content, moved to the left margin.

    A collapsible block (``???``) becomes ``<details>``, which Jupyter shows collapsed.
    """
    lines = text.split("\n")
    out: list[str] = []
    open_blocks: list[tuple[int, bool]] = []  # (indent of the content, collapsible)
    fence = None  # the marker of the fenced block we are in, if any
    for number, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if stripped and fence is None:
            while open_blocks and indent < open_blocks[-1][0]:
                _, collapsible = open_blocks.pop()
                if collapsible:
                    out.extend(["", "</details>", ""])
        depth = open_blocks[-1][0] if open_blocks else 0
        body = line[depth:] if line[:depth].strip() == "" else line.lstrip()
        marker = re.match(r"^[ \t]*(`{3,}|~{3,})", line)
        if marker and fence is None:
            fence = marker.group(1)
            out.append(body)
            continue
        if fence is not None:
            if stripped == fence:
                fence = None
            out.append(body)
            continue
        block = _BLOCK.match(line)
        if block:
            title = block["title"] or block["kind"].replace("-", " ").capitalize()
            # A code cell cannot sit inside a <details> of a Markdown cell: a block that
            # holds an example is shown open.
            collapsible = (block["marker"].startswith("???") and not block["marker"].endswith("+")
                           and not _holds_example(lines, number, indent + 4))
            if collapsible:
                out.extend(["", f"<details><summary>{title}</summary>", ""])
            else:
                out.extend(["", f"**{title}**", ""])
            open_blocks.append((indent + 4, collapsible))
            continue
        out.append(body)
    for _, collapsible in reversed(open_blocks):
        if collapsible:
            out.extend(["", "</details>", ""])
    return "\n".join(out)


def _expand_listings(text: str, source_root: Path, shorten_docstrings=None) -> str:
    """Embed each ``--8<--`` listing as pymdownx.snippets does for the site.

    ``shorten_docstrings`` is the site's own (``mkdocs_hooks.shorten_docstrings``), so
    that a listing shows each docstring's first line, as on the page.
    """
    if "--8<--" not in text:
        return text
    import markdown

    if shorten_docstrings is None:
        from mkdocs_hooks import shorten_docstrings

    md = markdown.Markdown(
        extensions=["pymdownx.snippets"],
        extension_configs={"pymdownx.snippets": {"base_path": [str(source_root)], "check_paths": True, "dedent_subsections": True}},
    )
    lines = md.preprocessors["snippet"].run(text.split("\n"))
    return "\n".join(shorten_docstrings(lines))


def _code_cells(fence: str) -> list[tuple[str, bool]] | None:
    """The code cells of one fenced ``python`` block, as (source, raises) pairs.

    ``raises`` marks a ``>>>`` example that shows an exception: its cell is tagged
    ``raises-exception``, so that running the notebook goes on after it, as the chapter
    does. None if the block stays as shown code (a listing, another language).
    """
    lines = fence.split("\n")
    head = _FENCE_HEAD.match(lines[0])
    if head is None or head["lang"] not in ("python", "py", "pycon"):
        return None
    body = "\n".join(lines[1:-1])
    if "--8<--" in body:
        return None
    if ">>>" not in body:
        return [(body.strip("\n"), False)]
    cells, pending = [], []
    for example in doctest.DocTestParser().get_examples(body):
        if example.exc_msg is not None:
            if pending:
                cells.append(("\n".join(pending), False))
                pending = []
            cells.append((example.source.rstrip("\n"), True))
            continue
        pending.append(example.source.rstrip("\n"))
        if example.want.strip():
            cells.append(("\n".join(pending), False))
            pending = []
    if pending:
        cells.append(("\n".join(pending), False))
    return cells


def _tidy_markdown(text: str, page: str, site_url: str, figures: dict[str, bytes]) -> tuple[str, dict]:
    """Links to the hosted book, figures as attachments, no scripts or attribute lists."""
    text = _SCRIPT.sub("", text)
    text = _EMPTY_DIV.sub("", text)
    text = _outside_fences(text, lambda part: _ATTR_LIST.sub("", part))
    attachments: dict[str, dict] = {}

    def image(match):
        name = match["src"].rsplit("/", 1)[-1]
        if "figures/" in match["src"] and name in figures:
            kind = "image/svg+xml" if name.endswith(".svg") else "image/png"
            attachments[name] = {kind: base64.b64encode(figures[name]).decode("ascii")}
            return f"![{match['alt']}](attachment:{name})"
        return match.group(0)

    def link(match):
        target = match["target"]
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            return match.group(0)
        path, _, anchor = target.partition("#")
        if not path.endswith(".md"):
            return match.group(0)
        resolved = (Path(page).parent / path).as_posix()
        resolved = re.sub(r"(^|/)index\.md$", r"\1", resolved)
        resolved = re.sub(r"\.md$", "/", resolved)
        parts = []
        for piece in resolved.split("/"):
            if piece == "..":
                if parts:  # a link above the docs folder stays at the book's root
                    parts.pop()
            elif piece not in ("", "."):
                parts.append(piece)
        url = site_url.rstrip("/") + "/" + "/".join(parts) + ("/" if parts else "")
        return f"[{match['text']}]({url}{'#' + anchor if anchor else ''})"

    text = _outside_fences(text, lambda part: _IMAGE.sub(image, part))
    text = _outside_fences(text, lambda part: _LINK.sub(link, part))
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return text, attachments


def notebook_cells(markdown_text: str, page: str, *, source_root: Path, site_url: str,
                   figures: dict[str, bytes] | None = None, shorten_docstrings=None) -> list[dict]:
    """The cells of the notebook of one page (Markdown cells and code cells, in order)."""
    figures = figures or {}
    text = _outside_fences(markdown_text, lambda part: _COMMENT.sub("", part))
    text = _flatten_blocks(text)
    cells: list[dict] = []

    def add_markdown(part: str) -> None:
        part = _expand_listings(part, source_root, shorten_docstrings)
        tidy, attachments = _tidy_markdown(part, page, site_url, figures)
        if tidy.strip():
            cell = {"cell_type": "markdown", "metadata": {}, "source": tidy}
            if attachments:
                cell["attachments"] = attachments
            cells.append(cell)

    position = 0
    for match in _FENCED_CODE.finditer(text):
        code = _code_cells(match.group(0))
        if code is None:
            continue
        add_markdown(text[position : match.start()])
        for source, raises in code:
            metadata = {"tags": ["raises-exception"]} if raises else {}
            cells.append({"cell_type": "code", "execution_count": None, "metadata": metadata, "outputs": [], "source": source})
        position = match.end()
    add_markdown(text[position:])
    return cells


def has_examples(markdown_text: str) -> bool:
    """Whether a page has at least one visible Python example (and so a notebook)."""
    text = _outside_fences(markdown_text, lambda part: _COMMENT.sub("", part))
    return any(_code_cells(m.group(0)) for m in _FENCED_CODE.finditer(_flatten_blocks(text)))


#: The tag of the first code cell, which installs the package (not one of the chapter's examples).
SETUP_TAG = "neuralbook-setup"


def setup_cell(version: str) -> dict:
    """The code cell that installs ``neuralbook==version`` where it cannot be imported."""
    source = (
        "# Setup: the book's package, installed if this notebook runs outside a clone of the book.\n"
        "import importlib.util\n"
        "\n"
        "if importlib.util.find_spec(\"neuralbook\") is None:\n"
        f"    %pip install --quiet \"neuralbook=={version}\"\n"
    )
    return {"cell_type": "code", "metadata": {"tags": [SETUP_TAG]}, "execution_count": None, "outputs": [], "source": source}


def chapter_notebook(markdown_text: str, page: str, *, source_root: Path, site_url: str,
                     figures: dict[str, bytes] | None = None, version: str = "", shorten_docstrings=None) -> str:
    """The notebook of one page, as the JSON text of an ``.ipynb`` file (nbformat 4.5)."""
    title = next((line[2:].strip() for line in markdown_text.splitlines() if line.startswith("# ")), page)
    url = site_url.rstrip("/") + "/" + re.sub(r"(index)?\.md$", "", page).rstrip("/") + "/"
    intro = (
        f"*This notebook is the chapter [{title}]({url}) of* Neural Networks from Scratch, "
        f"*generated from the chapter itself{' (neuralbook ' + version + ')' if version else ''}.* "
        "Its code cells are the chapter's examples, in order. The first cell installs the book's "
        "package, the version the chapter was built with, from the Python Package Index wherever it is not "
        "installed yet (Jupyter, VS Code or a hosted notebook service); where the package is installed, as "
        "in a clone of the book's repository, it does nothing."
    )
    if "mnist_missing" in markdown_text:
        intro += (
            " Some cells read the MNIST files: they use the folder named by `NEURALBOOK_DATA`, or the "
            "cache that the first `neuralbook train` fills (it downloads the four files once)."
        )
    cells = [{"cell_type": "markdown", "metadata": {}, "source": intro}]
    if version:
        cells.append(setup_cell(version))
    cells += notebook_cells(markdown_text, page, source_root=source_root, site_url=site_url, figures=figures,
                            shorten_docstrings=shorten_docstrings)
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
        cell["source"] = cell["source"].splitlines(keepends=True)
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "neuralbook": {"page": page, "title": title},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
