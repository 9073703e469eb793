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


#: The command MkDocs runs ("serve", "build", "gh-deploy"), set by ``on_startup``.
_COMMAND = {"name": "build"}


def on_startup(*, command, dirty):
    _COMMAND["name"] = command


def on_config(config):
    config.markdown_extensions.append(ShortDocstringsExtension())
    # What the PDF's cover shows (tools/cover_page.tpl): the version and the day it was built.
    from neuralbook import __version__

    config.extra["book_version"] = __version__
    config.extra["build_date"] = build_date()
    return config


def build_date(environ=None) -> str:
    """The day of the build, ISO style; ``SOURCE_DATE_EPOCH`` fixes it for reproducible builds.

    >>> build_date({"SOURCE_DATE_EPOCH": "0"})
    '1970-01-01'
    """
    import datetime
    import os

    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date().isoformat()
    return datetime.date.today().isoformat()


def on_files(files: Files, config) -> Files:
    for name, content in _rendered_figures().items():
        files.append(File.generated(config, f"figures/{name}", content=content))
    for site_path, source in _mathjax_files().items():
        files.append(File.generated(config, site_path, abs_src_path=str(source)))
    return files


# =========================================================================================
# The book in other forms, and what every page offers its reader.
#
# * A notebook per chapter (tools/notebooks.py), written into the site as
#   notebooks/<page>.ipynb, with a download link on the chapter.
# * Under each page's title: links to the notebook, the PDF of the whole book and the
#   offline copy, a "Report a problem with this page" link (a prefilled GitHub issue),
#   and the count of what the tests verify on the page (tools/pagechecks.py, which
#   counts with tools/bookcheck.py's own parsing).
# * For the offline build (mkdocs-offline.yml): the digit widget's model as a script,
#   since a page opened from file:// cannot fetch a JSON file; and MathJax's SVG output,
#   which needs no web fonts (file:// pages cannot load them).
# =========================================================================================

import html as _html
import json as _json
import sys as _sys
from urllib.parse import quote as _quote

_ROOT = Path(__file__).resolve().parent
PDF_NAME = "neuralbook.pdf"
#: Where the publishing workflow puts the book, its PDF and its offline copy.
PUBLISHED_URL = "https://neuralbook.github.io/neuralbook/"
OFFLINE_ZIP_NAME = "neuralbook-offline.zip"
NOTEBOOK_DIR = "notebooks"


def _tools():
    """The build's helpers in tools/, the checker that they count with among them."""
    folder = _ROOT / "tools"
    if str(folder) not in _sys.path:
        _sys.path.insert(0, str(folder))
    import notebooks
    import pagechecks

    return notebooks, pagechecks


def _is_chapter(page) -> bool:
    return not page.file.src_uri.startswith("api/")


def notebook_path(src_uri: str) -> str:
    """Site path of a page's notebook: ``appendix/cheat-sheet.md`` -> ``notebooks/appendix-cheat-sheet.ipynb``."""
    return f"{NOTEBOOK_DIR}/{src_uri[: -len('.md')].replace('/', '-')}.ipynb"


def report_url(repository: str, title: str, page_url: str, section: str = "") -> str:
    """A prefilled "new issue" address on the book's repository for one page (and section)."""
    body = (
        f"Page: {title}\nAddress: {page_url}\nSection: {section or '(the page as a whole)'}\n\n"
        "What is wrong (a number, a formula, an example that fails, a typo), and what you expected:\n"
    )
    issue_title = f"Problem on the page \"{title}\"" + (f", section \"{section}\"" if section else "")
    return f"{repository.rstrip('/')}/issues/new?title={_quote(issue_title)}&body={_quote(body)}"


def _page_checks_sentence(page) -> str | None:
    _, pagechecks = _tools()
    from neuralbook import __version__

    text = Path(page.file.abs_src_path).read_text(encoding="utf-8")
    return pagechecks.verified_sentence(pagechecks.page_checks(text, page.file.src_uri), __version__)


def _page_actions(page, config) -> str:
    from mkdocs.utils import get_relative_url

    here = page.url or "."
    link = lambda target: _html.escape(get_relative_url(target, here))  # noqa: E731
    items = []
    if _is_chapter(page) and page.file.abs_src_path:
        text = Path(page.file.abs_src_path).read_text(encoding="utf-8")
        notebooks, _ = _tools()
        if notebooks.has_examples(text):
            items.append(f'<a href="{link(notebook_path(page.file.src_uri))}" download '
                         'title="This chapter as a Jupyter notebook, its examples as code cells">Notebook</a>')
    if _COMMAND["name"] == "serve":
        # `mkdocs serve` builds neither (tools/build_formats.py does, when the book is
        # published): link the published files instead of a missing one.
        published = lambda name: _html.escape(PUBLISHED_URL + name)  # noqa: E731
        items.append(f'<a href="{published(PDF_NAME)}" title="The published PDF of the book (mkdocs serve does not build it)">PDF of the book</a>')
        items.append(f'<a href="{published(OFFLINE_ZIP_NAME)}" title="The published offline copy (mkdocs serve does not build it)">Offline copy</a>')
    else:
        items.append(f'<a href="{link(PDF_NAME)}" title="The whole book as one PDF">PDF of the book</a>')
        items.append(f'<a href="{link(OFFLINE_ZIP_NAME)}" title="The whole site in a zip, to read from disk">Offline copy</a>')
    repository = config.extra.get("repository", "https://github.com/neuralbook/neuralbook")
    page_url = (config.site_url or "") + (page.url or "")
    title = page.title or config.site_name
    items.append(
        f'<a class="nb-report" href="{_html.escape(report_url(repository, title, page_url))}" '
        f'data-repository="{_html.escape(repository)}" data-title="{_html.escape(title)}" '
        f'data-page-url="{_html.escape(page_url)}" target="_blank" rel="noopener">Report a problem with this page</a>'
    )
    bar = '<nav class="nb-page-actions" aria-label="This page in other forms">' + " · ".join(items) + "</nav>"
    sentence = _page_checks_sentence(page) if _is_chapter(page) and page.file.abs_src_path else None
    if sentence:
        bar += f'<p class="nb-verified">{_html.escape(sentence)}</p>'
    return bar


_H1_END = re.compile(r"</h1>", re.IGNORECASE)


_SCRIPT_SRC = re.compile(r'(<script\b[^>]*\bsrc=")([^":#?]+)(")')


def _directory_url(src_uri: str) -> str:
    """The address a page has with directory URLs: ``a/b.md`` -> ``a/b/``, ``a/index.md`` -> ``a/``."""
    stem = src_uri[: -len(".md")]
    return stem[: -len("index")] if stem == "index" or stem.endswith("/index") else stem + "/"


def relink_scripts(html: str, src_uri: str, page_url: str) -> str:
    """Make the ``<script src>`` of a page's raw HTML right for a build without directory URLs.

    A chapter's HTML is written for the site, where ``a.md`` is ``a/``; in the offline
    build it is ``a.html``, one folder up, and MkDocs rewrites Markdown links but not
    raw HTML.

    >>> relink_scripts('<script src="../javascripts/x.js"></script>', "draw-a-digit.md", "draw-a-digit.html")
    '<script src="javascripts/x.js"></script>'
    """
    import posixpath

    from mkdocs.utils import get_relative_url

    def fix(match):
        target = posixpath.normpath(posixpath.join(_directory_url(src_uri), match[2]))
        return match[1] + get_relative_url(target, page_url) + match[3]

    return _SCRIPT_SRC.sub(fix, html)


#: How much the site's search weighs a reference page against a chapter: a reader who
#: searches "sigmoid" wants the chapter that teaches it first, its API entry after.
API_SEARCH_BOOST = 0.5


def on_page_markdown(markdown, page, config, files):
    """Rank the API reference below the chapters in the search (Material's ``search.boost``)."""
    if page.file.src_uri.startswith("api/"):
        page.meta.setdefault("search", {}).setdefault("boost", API_SEARCH_BOOST)
    return markdown


def on_page_content(html, page, config, files):
    """Put the page's actions and its verified-count under the title (or on top)."""
    if not config.use_directory_urls:
        html = relink_scripts(html, page.file.src_uri, page.url)
    actions = _page_actions(page, config)
    match = _H1_END.search(html)
    if match:
        return html[: match.end()] + actions + html[match.end() :]
    return actions + html


# --- Search results in plain words ------------------------------------------------------
# The search index holds each section's text as MkDocs extracted it, formulas included as
# raw TeX ("\\(\\hat{y} = \\sigma(z)\\)"), which the result snippets would show as such.

_TEX_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "Delta": "Δ", "epsilon": "ε",
    "varepsilon": "ε", "eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "pi": "π", "rho": "ρ", "sigma": "σ", "Sigma": "Σ", "tau": "τ", "phi": "φ", "varphi": "φ",
    "omega": "ω", "partial": "∂", "nabla": "∇", "cdot": "·", "times": "×", "approx": "≈",
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "infty": "∞",
    "sum": "Σ", "prod": "Π", "to": "→", "rightarrow": "→", "leftarrow": "←", "in": "∈",
    "odot": "⊙", "sqrt": "√", "pm": "±", "ldots": "…", "dots": "…", "cdots": "…",
    "mid": "|", "lVert": "‖", "rVert": "‖", "Vert": "‖", "langle": "⟨", "rangle": "⟩",
    "ln": "ln", "log": "log", "exp": "exp", "max": "max", "min": "min", "arg": "arg",
    "tanh": "tanh", "top": "ᵀ", "intercal": "ᵀ", "propto": "∝", "sim": "~", "equiv": "≡",
}
_TEX_DROPPED = re.compile(r"\\(?:[bB]ig+[lr]?|left|right|[,;:!]|quad|qquad|displaystyle|limits)(?![A-Za-z])")
_TEX_ACCENT = re.compile(r"\\(hat|bar|tilde|vec)\{([^{}]*)\}")
_ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "vec": "\u20d7"}
_TEX_FRAC = re.compile(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}")
_TEX_WRAPPER = re.compile(r"\\(?:text|mathrm|mathbf|mathit|mathcal|operatorname|boldsymbol)\{([^{}]*)\}")
_TEX_COMMAND = re.compile(r"\\([A-Za-z]+)")


def plain_tex(text: str) -> str:
    """Formulas written in TeX, as plain text for search snippets.

    >>> plain_tex(r"so \\(\\hat{y} = \\sigma(z)\\) and \\[ \\sigma'(z) = \\frac{1}{1 + e^{-z}} \\]")
    "so ŷ = σ(z) and  σ'(z) = 1/(1 + e^-z) "
    """
    text = re.sub(r"\\[()\[\]]|\$\$", "", text)
    text = _TEX_DROPPED.sub("", text)
    for _ in range(4):  # innermost braces first: fractions and wrappers may nest
        text = _TEX_ACCENT.sub(lambda m: m[2] + _ACCENTS[m[1]] if len(m[2]) == 1 else m[2], text)
        text = _TEX_WRAPPER.sub(r"\1", text)
        text = re.sub(r"([_^])\{([^{}]*)\}", r"\1\2", text)
        text = _TEX_FRAC.sub(lambda m: (m[1] if len(m[1]) == 1 else f"({m[1]})") + "/" + (m[2] if len(m[2]) == 1 else f"({m[2]})"), text)
    text = _TEX_COMMAND.sub(lambda m: _TEX_SYMBOLS.get(m[1], m[1]), text)
    import unicodedata

    return unicodedata.normalize("NFC", text.replace("{", "").replace("}", "").replace("\\", ""))


def _plain_search_index(site: Path) -> int:
    """Rewrite the search index (and the offline copy's script of it) without raw TeX."""
    changed = 0
    for name in ("search/search_index.json", "search/search_index.js"):
        path = site / name
        if not path.is_file():
            continue
        raw = path.read_text(encoding="utf-8")
        start, end = raw.index("{"), raw.rindex("}") + 1  # the .js wraps the JSON in a statement
        index = _json.loads(raw[start:end])
        for doc in index.get("docs", []):
            for field in ("title", "text"):
                if field in doc:
                    doc[field] = plain_tex(doc[field])
        path.write_text(raw[:start] + _json.dumps(index, ensure_ascii=False, separators=(",", ":")) + raw[end:], encoding="utf-8")
        changed += 1
    return changed


def _offline_build(config) -> bool:
    plugin = config.plugins.get("material/offline")
    return bool(plugin and plugin.config.enabled)


def on_post_build(config):
    """Write the notebooks; for the offline build, the model script and MathJax SVG."""
    import shutil

    notebooks, _ = _tools()
    from neuralbook import __version__

    site = Path(config.site_dir)
    docs = Path(config.docs_dir)
    figures = _rendered_figures()
    count = 0
    for source in sorted(docs.rglob("*.md")):
        src_uri = source.relative_to(docs).as_posix()
        if src_uri.startswith("api/"):
            continue
        text = source.read_text(encoding="utf-8")
        if not notebooks.has_examples(text):
            continue
        notebook = notebooks.chapter_notebook(
            text, src_uri, source_root=_ROOT / "src", site_url=config.site_url or "", figures=figures,
            version=__version__, shorten_docstrings=shorten_docstrings,
        )
        target = site / notebook_path(src_uri)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(notebook, encoding="utf-8")
        count += 1
    log.info("wrote %d notebooks", count)
    _plain_search_index(site)

    # Another MathJax component named by the configuration (tex-svg.js in the offline build).
    mathjax_root = Path(str(resources.files("mathjax"))) / "static" / "mathjax" / "es5"
    for script in config.extra_javascript:
        name = str(script)
        if name.startswith(MATHJAX_TARGET + "/") and not (site / name).is_file():
            source = mathjax_root / name[len(MATHJAX_TARGET) + 1 :]
            if not source.is_file():
                raise FileNotFoundError(f"mkdocs.yml loads {name}, but MathJax has no {source}")
            (site / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, site / name)
    if _offline_build(config):
        model = docs / "assets" / "digit-model.json"
        if model.is_file():
            data = _json.dumps(_json.loads(model.read_text(encoding="utf-8")), separators=(",", ":"))
            (site / "assets" / "digit-model.js").write_text(
                "// The digit widget's model, for pages opened from disk (file:// cannot fetch JSON).\n"
                f"window.NEURALBOOK_OFFLINE_FILES = {{'assets/digit-model.json': {data}}};\n",
                encoding="utf-8",
            )
