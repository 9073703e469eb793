"""The book builds cleanly and carries what a reader needs offline."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT


def test_build_is_strict_clean_and_has_every_page(built_site):
    chapters = sorted(p.stem for p in (ROOT / "docs").glob("*.md") if p.stem != "index")
    missing = [name for name in chapters if not (built_site / name / "index.html").is_file()]
    assert not missing, f"pages not built: {missing}"


def test_every_registered_figure_is_in_the_site(built_site):
    from neuralbook.plots import figure_names

    names = figure_names()
    assert names, "the plots package registers no figure"
    absent = [name for name in names if not (built_site / "figures" / name).is_file()]
    assert not absent, f"figures not written: {absent}"


def test_every_image_a_page_shows_exists(built_site):
    broken = []
    for page in built_site.rglob("*.html"):
        for src in re.findall(r'<img[^>]+src="([^"]+)"', page.read_text(encoding="utf-8")):
            if src.startswith(("http:", "https:", "data:")):
                broken.append(f"{page}: external image {src}")
                continue
            if not (page.parent / src.split("#")[0]).resolve().is_file():
                broken.append(f"{page.relative_to(built_site)}: {src}")
    assert not broken, "images that do not load:\n" + "\n".join(broken)


def test_mathjax_is_served_with_the_site_not_from_a_cdn(built_site):
    assert (built_site / "assets" / "mathjax" / "tex-chtml.js").stat().st_size > 100_000
    fonts = list((built_site / "assets" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert len(fonts) > 10
    index = (built_site / "index.html").read_text(encoding="utf-8")
    assert "assets/mathjax/tex-chtml.js" in index
    for page in built_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for host in ("cdn.jsdelivr.net", "unpkg.com", "fonts.googleapis.com", "cdnjs.cloudflare.com"):
            assert host not in html, f"{page} loads from {host}: the book must work offline"


def test_api_reference_shows_no_raw_sphinx_roles(built_site):
    """Docstrings are Markdown: a ``:func:`x``` role would show literally in the API pages."""
    raw = re.compile(r":(?:func|class|mod|meth|attr|data|exc|obj):")
    offenders = [
        str(page.relative_to(built_site))
        for page in (built_site / "api").rglob("*.html")
        if raw.search(page.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"API pages with raw Sphinx roles: {offenders}"


def test_listings_show_the_first_line_of_each_docstring():
    import mkdocs_hooks

    q = '"' * 3
    page = ["Prose.", "```python", "def f(x):", f"    {q}Twice x.", "", "    More words.", f"    {q}", "    return 2 * x", "```", f"{q}not code{q}"]
    assert mkdocs_hooks.shorten_docstrings(page) == [
        "Prose.", "```python", "def f(x):", f"    {q}Twice x.{q}", "    return 2 * x", "```", f"{q}not code{q}",
    ]
    long_signature = ["```python", "def h(", "    x,", "):", f"    {q}Summary.", f"    {q}", "```"]
    assert mkdocs_hooks.shorten_docstrings(long_signature)[4] == f"    {q}Summary.{q}"
    one_line = ["```python", "def g():", f"    {q}Already short.{q}", "    pass", "```"]
    assert mkdocs_hooks.shorten_docstrings(one_line) == one_line


def test_navigation_and_tables_of_contents_hold_no_tex(built_site):
    """MathJax typesets the page, not the navigation: a formula in a heading shows raw there."""
    link_text = re.compile(r'<a [^>]*class="md-nav__link[^"]*"[^>]*>(.*?)</a>', re.DOTALL)
    offenders = []
    for page in built_site.rglob("*.html"):
        for text in link_text.findall(page.read_text(encoding="utf-8")):
            if "\\(" in text or "$" in text:
                offenders.append(f"{page.relative_to(built_site)}: {' '.join(text.split())[:80]}")
    assert not offenders, "headings with TeX show raw in the navigation:\n" + "\n".join(offenders[:10])


# --- what a listing shows of each docstring ------------------------------------------------

_SNIPPET = re.compile(r'^[ \t]*--8<--[ \t]+"(?P<file>[^":]+):(?P<section>[^"]+)"', re.MULTILINE)
_SHORT_DOCSTRING = re.compile(r'^\s*[rRuU]?(?P<quote>"""|\'\'\')(?P<text>.*)(?P=quote)\s*$')


def _listings():
    """Every listing the book embeds: (page, file, section), in the order of the pages."""
    found = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for match in _SNIPPET.finditer(page.read_text(encoding="utf-8")):
            found.append((page.relative_to(ROOT / "docs").as_posix(), match["file"], match["section"]))
    return found


def _section(file: str, section: str) -> list[str]:
    lines = (ROOT / "src" / file).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if f"--8<-- [start:{section}]" in line)
    end = next(i for i, line in enumerate(lines) if f"--8<-- [end:{section}]" in line)
    return lines[start + 1 : end]


def shown_docstring_lines(file: str, section: str) -> list[str]:
    """The docstrings of a listing as the book shows them, through the hook's own shortening."""
    import mkdocs_hooks

    shown = mkdocs_hooks.shorten_docstrings(["```python", *_section(file, section), "```"])
    return [match["text"].strip() for line in shown if (match := _SHORT_DOCSTRING.match(line))]


def listing_docstring_problems(first_line: str) -> list[str]:
    """Why a docstring's first line, shown alone in a listing, does not read as a sentence."""
    problems = []
    if re.search(r"\]\[[\w.]*\]", first_line):
        problems.append("shows cross-reference markup")
    if first_line.endswith(":"):
        problems.append("ends in a colon (the text after it is cut)")
    elif not first_line.endswith((".", "?", "!")):
        problems.append("is not a complete sentence")
    return problems


def test_the_docstring_checker_catches_what_a_listing_would_show_badly():
    assert listing_docstring_problems("The sigmoid of z.") == []
    assert listing_docstring_problems("Gradient of [`mse`][neuralbook.losses.mse] with respect to y.") == [
        "shows cross-reference markup"
    ]
    assert listing_docstring_problems("Binary cross-entropy, natural logarithm:") == [
        "ends in a colon (the text after it is cut)"
    ]
    assert listing_docstring_problems("A sentence that goes on to the next") == ["is not a complete sentence"]
    q = '"' * 3
    page = ["```python", "def f(x):", f"    {q}Gradient of [`f`][m.f]:", "", "    2 x", f"    {q}", "    return x", "```"]
    import mkdocs_hooks

    shown = [m["text"] for line in mkdocs_hooks.shorten_docstrings(page) if (m := _SHORT_DOCSTRING.match(line))]
    assert [listing_docstring_problems(text) for text in shown] == [
        ["shows cross-reference markup", "ends in a colon (the text after it is cut)"]
    ]


def test_the_book_embeds_listings():
    assert len(_listings()) > 20


@pytest.mark.parametrize(("page", "file", "section"), _listings(), ids=lambda value: str(value))
def test_every_listing_shows_complete_docstring_sentences(page, file, section):
    """A listing shows only the first line of a docstring: it must read as a sentence on its own."""
    bad = [
        f"{page}: {file}:{section}: {first!r} {', '.join(problems)}"
        for first in shown_docstring_lines(file, section)
        if (problems := listing_docstring_problems(first))
    ]
    assert not bad, "\n".join(bad)


def test_search_snippets_show_formulas_as_text_not_tex(built_site):
    """The search index holds each section's words; its formulas become symbols, not TeX."""
    import json

    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    texts = [doc["text"] for doc in index["docs"]]
    raw = [t for t in texts if re.search(r"\\[()\[\]]|\\frac|\\sigma|\$\$", t)]
    assert not raw, raw[0][:200]
    assert any("σ(z)" in t for t in texts), "the sigmoid's formula is gone from the search index"


def test_search_ranks_the_chapters_above_the_api_reference(built_site):
    """A search for "sigmoid" should offer the chapter that teaches it before its API entry."""
    import json

    import mkdocs_hooks

    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    api = [doc for doc in index["docs"] if doc["location"].startswith("api/")]
    chapters = [doc for doc in index["docs"] if doc["location"].startswith("activations/")]
    assert api and chapters
    assert all(doc.get("boost") == mkdocs_hooks.API_SEARCH_BOOST < 1 for doc in api)
    assert all(doc.get("boost", 1) == 1 for doc in chapters)


def test_under_mkdocs_serve_the_pdf_and_offline_links_lead_to_the_published_files():
    """`mkdocs serve` builds neither file: its pages link the published ones, never a 404."""
    import types

    import mkdocs_hooks

    page = types.SimpleNamespace(url="activations/", title="Activation functions",
                                 file=types.SimpleNamespace(src_uri="activations.md", abs_src_path=None))
    config = types.SimpleNamespace(extra={}, site_url="http://127.0.0.1:8000/neuralbook/", site_name="Neural Networks from Scratch")
    try:
        mkdocs_hooks.on_startup(command="serve", dirty=False)
        served = mkdocs_hooks._page_actions(page, config)
        mkdocs_hooks.on_startup(command="build", dirty=False)
        built = mkdocs_hooks._page_actions(page, config)
    finally:
        mkdocs_hooks.on_startup(command="build", dirty=False)
    published = mkdocs_hooks.PUBLISHED_URL
    assert f'href="{published}neuralbook.pdf"' in served and f'href="{published}neuralbook-offline.zip"' in served
    assert 'href="../neuralbook.pdf"' in built and 'href="../neuralbook-offline.zip"' in built
