"""The book in its other forms, and what every page offers a reader.

* Notebooks: one per chapter with examples, linked from the chapter; their code cells
  are exactly the chapter's visible examples (compared with the extraction of
  ``test_examples_as_printed.py``, which parses the page with Sybil); each one is
  executed top to bottom with nbclient, on the real MNIST data where the chapter needs it.
* The count of checked numbers and examples under each chapter's title, the "Report a
  problem" link on every page, the API reference (every ``__all__`` name on its page,
  no private helper, the index naming the chapter of each module), the spelling of the
  prose and the docstrings, and the first hour of a newcomer (README, packaging, CI).

The PDF and the offline copy need a browser; they are tested in ``test_browser.py``.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT

from neuralbook import __version__

from bookcheck import mnist_missing
from notebooks import SETUP_TAG, setup_cell
from test_examples_as_printed import visible_examples

DOCS = ROOT / "docs"
SITE_URL = "https://neuralbook.github.io/neuralbook/"
CHAPTERS = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if not p.relative_to(DOCS).as_posix().startswith("api/"))


def _notebook_pages() -> list[str]:
    from notebooks import has_examples

    return [page for page in CHAPTERS if has_examples((DOCS / page).read_text(encoding="utf-8"))]


def _notebook_file(built_site: Path, page: str) -> Path:
    import mkdocs_hooks

    return built_site / mkdocs_hooks.notebook_path(page)


def _page_html(built_site: Path, page: str) -> str:
    stem = page[: -len(".md")]
    folder = stem[: -len("index")] if stem == "index" or stem.endswith("/index") else stem + "/"
    return (built_site / folder / "index.html").read_text(encoding="utf-8")


# --- Notebooks ---------------------------------------------------------------------------


def test_every_chapter_with_examples_has_a_linked_notebook(built_site):
    import mkdocs_hooks

    pages = _notebook_pages()
    assert len(pages) >= 10, pages
    for page in pages:
        assert _notebook_file(built_site, page).is_file(), f"no notebook for {page}"
        link = Path(mkdocs_hooks.notebook_path(page)).name
        assert f'{link}" download' in _page_html(built_site, page), f"{page} does not link its notebook"


def test_notebooks_hold_the_chapters_examples_and_nothing_hidden(built_site):
    import nbformat

    for page in _notebook_pages():
        text = (DOCS / page).read_text(encoding="utf-8")
        notebook = nbformat.read(_notebook_file(built_site, page), as_version=4)
        nbformat.validate(notebook)
        setup = [cell for cell in notebook.cells if SETUP_TAG in cell.metadata.get("tags", [])]
        assert len(setup) == 1 and f'"neuralbook=={__version__}"' in setup[0].source, f"{page}: no setup cell"
        code = [cell.source for cell in notebook.cells if cell.cell_type == "code" and cell not in setup]
        prose = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
        lines = lambda source: [line for line in source.splitlines() if line.strip()]  # noqa: E731
        expected = [line for source in visible_examples(text, page, expect_errors=False) for line in lines(textwrap.dedent(source))]
        assert [line for source in code for line in lines(source)] == expected, f"{page}: code cells differ from its examples"
        assert "<!--" not in prose and "says(" not in prose, f"{page}: a hidden check leaks into the notebook"
        assert "--8<--" not in prose, f"{page}: a listing was not expanded"
        if "--8<--" in text:
            assert "def " in prose or "class " in prose, f"{page}: its listings are missing"
        if "$" in text:
            assert "$" in prose, f"{page}: the mathematics was lost"
        for name in re.findall(r"\]\(figures/([^)]+)\)", text):
            assert f"attachment:{name}" in prose, f"{page}: figure {name} is not attached"


def test_the_setup_cell_installs_the_books_version_only_where_it_is_missing():
    """IPython turns the cell's ``%pip`` into pip, inside the test of whether the package is there."""
    from IPython.core.inputtransformer2 import TransformerManager

    python = TransformerManager().transform_cell(setup_cell("1.2.3")["source"])
    namespace, installed = {}, []
    fake = type("Shell", (), {"run_line_magic": lambda self, name, line: installed.append((name, line))})()
    namespace["get_ipython"] = lambda: fake
    exec(python, namespace)  # neuralbook is importable here: nothing is installed
    assert installed == []
    exec(python.replace('"neuralbook"', '"neuralbook_that_does_not_exist"'), namespace)
    assert installed == [("pip", 'install --quiet "neuralbook==1.2.3"')]


def _execute(notebook_json: str, folder: Path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.reads(notebook_json, as_version=4)
    client = NotebookClient(notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    return client.execute()


@pytest.mark.slow
@pytest.mark.parametrize("page", _notebook_pages())
def test_notebook_runs_top_to_bottom(page, built_site, tmp_path, monkeypatch):
    text = (DOCS / page).read_text(encoding="utf-8")
    if "mnist_missing()" in text and mnist_missing():
        pytest.skip(
            f"the notebook of docs/{page} reads the MNIST files, which are not here: set NEURALBOOK_DATA to a "
            "folder holding the four .gz files, or run `neuralbook train` once to download them"
        )
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("PYTHONPATH", raising=False)
    executed = _execute(_notebook_file(built_site, page).read_text(encoding="utf-8"), tmp_path)
    errors, silent = [], []
    for cell in executed.cells:
        raised = [output for output in cell.get("outputs", []) if output.output_type == "error"]
        if "raises-exception" in cell.metadata.get("tags", []):
            silent += [] if raised else [cell.source]  # the chapter shows an error here: it must come
        else:
            errors += raised
    assert not errors, f"{page}: {errors[0]['ename']}: {errors[0]['evalue']}"
    assert not silent, f"{page}: these cells show an error in the chapter but raise none: {silent}"
    assert all(cell.execution_count for cell in executed.cells if cell.cell_type == "code")


def test_a_broken_cell_fails_the_notebook(tmp_path):
    from nbclient.exceptions import CellExecutionError

    from notebooks import chapter_notebook

    page = "# Demo\n\nFine:\n\n```python\nx = 1\n```\n\nBroken:\n\n```python\n>>> x / 0\n0\n```\n"
    shown = "```python\n>>> 1 / 0\nTraceback (most recent call last):\nZeroDivisionError: division by zero\n```\n"
    _execute(chapter_notebook("# Shown\n\n" + shown, "demo.md", source_root=ROOT / "src", site_url=SITE_URL), tmp_path)
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        _execute(chapter_notebook(page, "demo.md", source_root=ROOT / "src", site_url=SITE_URL), tmp_path)


def test_notebook_cells_from_markdown():
    from notebooks import notebook_cells

    page = textwrap.dedent(
        '''\
        # Title { #top }

        The sigmoid of 2 is 0.8808, see [the perceptron](perceptron.md#the-step).

        <!-- check
        says("sigmoid of {} is {}", 2, 0.8808)
        -->

        ```python
        --8<-- "neuralbook/activations.py:sigmoid"
        ```

        ![A figure](figures/sigmoid.svg)

        ```python
        >>> from neuralbook.activations import sigmoid
        >>> y = 2
        >>> round(float(sigmoid(y)), 4)
        0.8808
        ```

        ??? success "Solution"
            Because $z = 0$:

            ```python
            print(1)
            ```

        ??? success "Solution without code"
            Ten.
        '''
    )
    cells = notebook_cells(page, "activations.md", source_root=ROOT / "src", site_url=SITE_URL, figures={"sigmoid.svg": b"<svg/>"})
    kinds = [cell["cell_type"] for cell in cells]
    assert kinds == ["markdown", "code", "markdown", "code", "markdown"], kinds
    first = cells[0]["source"]
    assert first.startswith("# Title\n") and "says(" not in first and "<!--" not in first
    assert f"[the perceptron]({SITE_URL}perceptron/#the-step)" in first
    assert "def sigmoid(z" in first  # the listing, expanded
    assert "![A figure](attachment:sigmoid.svg)" in first and "sigmoid.svg" in cells[0]["attachments"]
    assert cells[1]["source"] == "from neuralbook.activations import sigmoid\ny = 2\nround(float(sigmoid(y)), 4)"
    assert "**Solution**" in cells[2]["source"] and "Because $z = 0$:" in cells[2]["source"]  # open: it holds code
    assert cells[3]["source"] == "print(1)"
    assert cells[4]["source"] == "<details><summary>Solution without code</summary>\n\nTen.\n\n</details>"


# --- What every page shows ----------------------------------------------------------------


def test_each_chapter_shows_what_its_checks_verify(built_site):
    from neuralbook import __version__
    from pagechecks import page_checks

    for page in CHAPTERS:
        text = (DOCS / page).read_text(encoding="utf-8")
        counts = page_checks(text, page)
        html = _page_html(built_site, page)
        if counts.numbers:
            sentence = re.search(r'<p class="nb-verified">(.*?)</p>', html)
            assert sentence, f"{page} does not say what is verified on it"
            assert sentence.group(1).startswith(f"{counts.numbers} number"), (page, sentence.group(1))
            assert f"neuralbook {__version__}" in sentence.group(1)


def test_page_checks_count_what_the_checker_audits():
    """The count equals the numbers that the audit would report if no check claimed them."""
    from bookcheck import PageState, unclaimed_numbers
    from pagechecks import page_checks

    text = "Values 0.5, 12 and 1,000 (see `x = 7`, $$y = 9$$, float32).\n\n```python\n>>> 1 + 1\n2\n```\n"
    counts = page_checks(text)
    assert counts.numbers == 3 and counts.examples == 1
    # The audit sees digit runs, not numbers: 0.5 and 1,000 are two runs each.
    assert len(unclaimed_numbers(PageState(text, "demo.md"))) == 5


def test_every_page_links_a_prefilled_problem_report(built_site):
    from urllib.parse import parse_qs, unquote, urlsplit

    for html_file in built_site.rglob("index.html"):
        html = html_file.read_text(encoding="utf-8")
        if "md-content" not in html:
            continue
        match = re.search(r'<a class="nb-report" href="([^"]+)"', html)
        assert match, f"{html_file.relative_to(built_site)} has no 'Report a problem' link"
        url = urlsplit(match.group(1).replace("&amp;", "&"))
        assert url.netloc == "github.com" and url.path == "/neuralbook/neuralbook/issues/new"
        query = parse_qs(url.query)
        title = re.search(r"<title>(.*?)</title>", html).group(1).split(" - ")[0]
        assert unquote(query["title"][0]).startswith("Problem on the page"), query
        assert "Page:" in query["body"][0] and "Section:" in query["body"][0]
        assert title.replace("&amp;", "&") in unquote(query["body"][0]) or html_file.parent == built_site


# --- The API reference --------------------------------------------------------------------

def _modules() -> list[str]:
    """Every module of the package, and ``plots`` (a package of modules, one per part)."""
    package = ROOT / "src" / "neuralbook"
    return sorted([p.stem for p in package.glob("*.py") if not p.stem.startswith("_")] + ["plots"])


def _public_names(module_name: str) -> list[str]:
    module = importlib.import_module(f"neuralbook.{module_name}")
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")]


def test_every_module_has_an_api_page_in_the_navigation():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for module in _modules():
        assert (DOCS / "api" / f"{module}.md").is_file(), f"no API page for neuralbook.{module}"
        assert f"api/{module}.md" in config, f"api/{module}.md is not in the navigation"


def test_every_public_name_is_documented_on_its_api_page(built_site):
    missing, private = [], []
    for module in _modules():
        html = (built_site / "api" / module / "index.html").read_text(encoding="utf-8")
        ids = set(re.findall(r'id="(neuralbook\.[\w.]+)"', html))
        for name in _public_names(module):
            if f"neuralbook.{module}.{name}" not in ids:
                missing.append(f"neuralbook.{module}.{name}")
        private += [i for i in ids if re.search(r"\._[a-z]", i)]
    assert not missing, "public names missing from the API reference: " + ", ".join(missing)
    assert not private, "private helpers shown in the API reference: " + ", ".join(sorted(private))


def test_api_constants_have_docstrings():
    import griffe

    package = griffe.load("neuralbook", search_paths=[str(ROOT / "src")])
    undocumented = []
    for module in _modules():
        members = package.modules[module].members
        for name in _public_names(module):
            member = members.get(name)
            if member is not None and not member.is_alias and not member.docstring:
                undocumented.append(f"neuralbook.{module}.{name}")
    assert not undocumented, "names in __all__ without a docstring: " + ", ".join(undocumented)


def test_api_index_names_the_chapter_of_each_module():
    index = (DOCS / "api" / "index.md").read_text(encoding="utf-8")
    for module in _modules():
        row = next((line for line in index.splitlines() if f"neuralbook.{module}`" in line), None)
        assert row, f"the API index does not list neuralbook.{module}"
        assert re.search(r"\]\(\.\./[\w/-]+\.md(#[\w-]+)?\)", row), f"the API index names no chapter for neuralbook.{module}"


# --- Spelling -------------------------------------------------------------------------------


def _codespell(paths: list[Path]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "codespell_lib", "--toml", str(ROOT / "pyproject.toml"), *map(str, paths)],
        cwd=ROOT, capture_output=True, text=True,
    )


def test_spelling_of_the_chapters_and_the_docstrings():
    files = sorted(DOCS.rglob("*.md")) + sorted((ROOT / "src" / "neuralbook").rglob("*.py"))
    files += [ROOT / name for name in ("README.md", "CONTRIBUTING.md", "STYLE.md", "CHANGELOG.md")]
    result = _codespell(files)
    assert result.returncode == 0, "misspelt words (add real words to [tool.codespell] in pyproject.toml):\n" + result.stdout


def test_the_spelling_check_catches_a_typo(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("The network will recieve its inputs.\n", encoding="utf-8")
    result = _codespell([page])
    assert result.returncode != 0 and "recieve" in result.stdout


# --- The first hour -------------------------------------------------------------------------


def test_python_floor_is_311_everywhere():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11"
    versions = [c.rsplit(" ", 1)[-1] for c in project["classifiers"] if c.startswith("Programming Language :: Python :: 3.")]
    assert versions and min(versions, key=lambda v: tuple(map(int, v.split(".")))) == "3.11"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Python 3.11 or newer" in readme and "3.10 or newer" not in readme


def test_pytest_shows_skip_reasons_by_default():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "-rs" in options["addopts"].split()


def test_readme_first_screen_links_every_form_before_any_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_command = readme.index("```bash")
    head = readme[:first_command]
    for target in (SITE_URL, f"{SITE_URL}neuralbook.pdf", f"{SITE_URL}notebooks/", f"{SITE_URL}neuralbook-offline.zip"):
        assert target in head, f"the README's first screen does not link {target}"


def test_readme_commands_write_into_an_ignored_folder():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    # What a command writes, and the models it reads back (not the reader's own photo).
    outputs = re.findall(r"(?:--out|--figure)\s+(\S+\.(?:npz|svg|png))|(?:evaluate|predict)\s+(\S+\.npz)", readme)
    outputs = [written or read for written, read in outputs]
    assert outputs, "the README writes no model or figure any more?"
    for path in outputs:
        assert "/" in path and path.split("/")[0] + "/" in ignored, f"the README writes {path} outside an ignored folder"


def test_repository_has_what_a_newcomer_looks_for():
    for name in ("LICENSE", "CHANGELOG.md", "CONTRIBUTING.md", "STYLE.md"):
        assert (ROOT / name).is_file(), f"{name} is missing"
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "../shared" not in contributing and "STYLE.md" in contributing
    assert "Report a problem" in contributing


def test_ci_installs_what_the_formats_need():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "poppler-utils" in ci and "chromium" in ci
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    test_extra = " ".join(extras["test"])
    for package in ("nbclient", "ipykernel", "pypdf", "codespell"):
        assert package in test_extra, f"{package} is not in the test extra"
    dependencies = " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"])
    assert "nbclient" not in dependencies and "ipykernel" not in dependencies


def test_offline_build_fixes_raw_script_paths():
    import mkdocs_hooks

    html = '<div><script src="../javascripts/neuralbook.js"></script></div>'
    assert mkdocs_hooks.relink_scripts(html, "draw-a-digit.md", "draw-a-digit.html") == (
        '<div><script src="javascripts/neuralbook.js"></script></div>'
    )
    assert mkdocs_hooks.relink_scripts('<script src="javascripts/x.js"></script>', "index.md", "index.html") == (
        '<script src="javascripts/x.js"></script>'
    )


def test_offline_copy_links_the_published_zip_it_cannot_hold(tmp_path):
    from build_formats import link_published_zip

    (tmp_path / "appendix").mkdir()
    top = '<a href="neuralbook-offline.zip">Offline copy</a> <a href="neuralbook.pdf">PDF</a>'
    (tmp_path / "index.html").write_text(top, encoding="utf-8")
    (tmp_path / "appendix" / "glossary.html").write_text('<a href="../neuralbook-offline.zip">Offline copy</a>', encoding="utf-8")
    (tmp_path / "search.json").write_text('"neuralbook-offline.zip"', encoding="utf-8")
    assert link_published_zip(tmp_path, "https://example.org/book") == 2
    zip_url = "https://example.org/book/neuralbook-offline.zip"
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == (
        f'<a href="{zip_url}">Offline copy</a> <a href="neuralbook.pdf">PDF</a>'  # the PDF is in the copy
    )
    assert (tmp_path / "appendix" / "glossary.html").read_text(encoding="utf-8") == f'<a href="{zip_url}">Offline copy</a>'
    assert (tmp_path / "search.json").read_text(encoding="utf-8") == '"neuralbook-offline.zip"'
    assert link_published_zip(tmp_path, "https://example.org/book") == 0
