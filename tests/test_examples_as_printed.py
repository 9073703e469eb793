"""Every page's visible examples run when pasted, in order, into a fresh Python.

The chapters' examples also run under Sybil (``conftest.py``), but there they share a
namespace with the page's hidden checks and with names the harness provides. A reader
has neither: here each page's visible code (the fenced ``python`` blocks and the
sources of its ``>>>`` examples, not the listings embedded from the package) is joined
into one script and run by a new interpreter, so a missing import or a name defined
only in a hidden check fails the page.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sybil import Document

from bookcheck import DOCTEST_FLAGS, BookCodeBlockParser, mnist_missing

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if "api/" not in p.relative_to(DOCS).as_posix())

_SKIP_START = re.compile(r"<!--\s*skip:\s*start\b.*?-->", re.DOTALL)
_SKIP_END = re.compile(r"<!--\s*skip:\s*end\s*-->")


def _data_sections(text: str) -> list[tuple[int, int]]:
    """The spans between ``<!-- skip: start ... -->`` and ``<!-- skip: end -->``."""
    spans = []
    for start in _SKIP_START.finditer(text):
        end = _SKIP_END.search(text, start.end())
        spans.append((start.start(), end.end() if end else len(text)))
    return spans


def visible_examples(text: str, path: str, *, with_data: bool = True, expect_errors: bool = True) -> list[str]:
    """The source of each visible example of a page, in order of appearance.

    With ``with_data=False``, examples inside a ``skip`` section (those that need the
    MNIST files) are left out. With ``expect_errors`` (the default), an example that
    shows an error is wrapped so that the script expects it; otherwise its source is
    given as printed.
    """
    document = Document(text, path)
    skipped = [] if with_data else _data_sections(text)
    sources = []
    for region in BookCodeBlockParser(doctest_optionflags=DOCTEST_FLAGS)(document):
        if any(start <= region.start < end for start, end in skipped):
            continue
        parsed = region.parsed
        if expect_errors and getattr(parsed, "exc_msg", None) is not None:
            # A ``>>>`` example that shows an error: pasted into Python, it prints the
            # traceback and the session goes on. The script expects the error instead.
            sources.append(_expecting_an_error(parsed.source))
        else:
            sources.append(parsed.source if hasattr(parsed, "source") else str(parsed))
    return sources


def _expecting_an_error(source: str) -> str:
    body = textwrap.indent(textwrap.dedent(source), "    ")
    return f"try:\n{body}except Exception:\n    pass\nelse:\n    raise AssertionError('this example should fail')\n"


def script_of(sources: list[str]) -> str:
    """One script that runs the sources in order, each under a marker naming its number."""
    parts = []
    for number, source in enumerate(sources, start=1):
        parts.append(f"# --- example {number} ---\n{textwrap.dedent(source)}")
    return "\n".join(parts)


@pytest.mark.parametrize("page", [p for p in PAGES if visible_examples((DOCS / p).read_text(encoding="utf-8"), p)])
def test_visible_examples_run_in_a_fresh_python(page, tmp_path):
    text = (DOCS / page).read_text(encoding="utf-8")
    script = script_of(visible_examples(text, page, with_data=not mnist_missing()))
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environment["MPLBACKEND"] = "Agg"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{page}: its examples, pasted in order into Python, fail:\n{result.stderr[-3000:]}"


def test_a_missing_import_fails_the_page(tmp_path):
    page = "```python\nx = np.zeros(3)\n```\n"
    script = script_of(visible_examples(page, "demo.md"))
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0 and "NameError: name 'np' is not defined" in result.stderr


def test_an_example_that_shows_an_error_must_raise_it(tmp_path):
    page = "```python\n>>> int('x')\nTraceback (most recent call last):\nValueError: bad\n\n>>> int('7')\n7\n\n```\n"
    script = script_of(visible_examples(page, "demo.md"))
    assert subprocess.run([sys.executable, "-c", script], cwd=tmp_path).returncode == 0
    wrong = page.replace("int('x')", "int('8')")
    script = script_of(visible_examples(wrong, "demo.md"))
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0 and "this example should fail" in result.stderr


def test_listings_and_hidden_checks_are_not_examples():
    page = (
        '```python\n--8<-- "neuralbook/activations.py:sigmoid"\n```\n\n'
        "<!-- check\nsays('x')\n-->\n\n"
        "```python\n>>> import math\n>>> math.sqrt(4)\n2.0\n\n```\n"
    )
    assert visible_examples(page, "demo.md") == ["import math\n", "math.sqrt(4)\n"]
