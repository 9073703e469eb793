"""Build the book's other forms: the offline copy (a zip) and the PDF of the whole book.

    python tools/build_formats.py --out site

builds the site a second time with ``mkdocs-offline.yml`` (pages as ``.html`` files,
search that works from disk, MathJax as SVG, the print page of mkdocs-print-site-plugin),
prints its print page to PDF with headless Chromium once MathJax has typeset every
formula, puts the PDF into that folder, and zips the folder. ``neuralbook.pdf`` and
``neuralbook-offline.zip`` are written into ``--out`` (the Pages workflow passes the
built site, so both are published beside it, where every page links them).

The notebooks need no step of their own: every build writes them (``mkdocs_hooks.py``).
This module is part of the build, not of the package a reader imports.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OFFLINE_CONFIG = ROOT / "mkdocs-offline.yml"
PDF_NAME = "neuralbook.pdf"
ZIP_NAME = "neuralbook-offline.zip"
ZIP_FOLDER = "neuralbook"
PRINT_PAGE = "print_page.html"
CHROMIUM = Path("/usr/bin/chromium")

__all__ = ["build_offline", "link_published_zip", "print_pdf", "zip_site", "build_all"]


def build_offline(site_dir: Path) -> Path:
    """Build the offline site into ``site_dir`` (strict: any warning fails)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(OFFLINE_CONFIG), "--site-dir", str(site_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"mkdocs build -f {OFFLINE_CONFIG.name} failed:\n{result.stdout}\n{result.stderr}")
    if not (site_dir / PRINT_PAGE).is_file():
        raise RuntimeError(f"the offline build has no {PRINT_PAGE}: is print-site in {OFFLINE_CONFIG.name}?")
    link_published_zip(site_dir)
    return site_dir


def link_published_zip(site_dir: Path, site_url: str | None = None) -> int:
    """Point the offline copy's *Offline copy* links at the published zip; return the pages changed.

    A zip cannot hold itself, so in the unzipped folder a relative link to it finds nothing.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "index.html").write_text('<a href="neuralbook-offline.zip">Offline copy</a>')
    >>> link_published_zip(folder, "https://example.org/book/")
    1
    >>> (folder / "index.html").read_text()
    '<a href="https://example.org/book/neuralbook-offline.zip">Offline copy</a>'
    """
    url = (site_url or os.environ.get("SITE_URL") or PUBLISHED_URL).rstrip("/") + "/" + ZIP_NAME
    relative = re.compile(r'href="(?:\.\./)*' + re.escape(ZIP_NAME) + '"')
    changed = 0
    for page in sorted(site_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        linked, count = relative.subn(f'href="{url}"', text)
        if count:
            temporary = page.with_name(page.name + ".tmp")
            temporary.write_text(linked, encoding="utf-8")
            os.replace(temporary, page)
            changed += 1
    return changed


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def _serve(directory: Path):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# Wait until the print page is what a reader would print: MathJax has typeset every
# formula, every image has loaded, the fonts are ready.
_READY_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await Promise.all(Array.from(document.images).map((img) => img.complete ? null :
      new Promise((done) => { img.addEventListener('load', done); img.addEventListener('error', done); })));
  await document.fonts.ready;
  return {
    formulas: document.querySelectorAll('.arithmatex').length,
    typeset: document.querySelectorAll('.arithmatex mjx-container').length,
    errors: document.querySelectorAll('mjx-merror').length,
    brokenImages: Array.from(document.images).filter((img) => !(img.complete && img.naturalWidth > 0)).length,
    figures: Array.from(document.images).filter((img) => (img.getAttribute('src') || '').includes('figures/')).length,
  };
}
"""


#: The title the PDF carries (its document information and the reader's window).
PDF_TITLE = "Neural Networks from Scratch"
#: Where the book is published, for the addresses printed under the widgets' figures.
PUBLISHED_URL = "https://neuralbook.github.io/neuralbook/"

#: Each in-page widget and the figure, drawn by the package, that stands for it on paper.
WIDGET_FIGURES = (
    (".neuron-widget", "figures/perceptron-gates.svg", "The AND, OR and NAND perceptrons and their lines"),
    (".bump-widget", "figures/uat-sum-of-bumps.svg", "A curve approximated by a sum of sigmoid bumps"),
    ("#digit-widget", "figures/digit-ten-photos.svg", "Photos of handwritten digits as the network reads them"),
)

# Make the print page a book's pages: each widget becomes its figure and the address where
# it can be used; each collapsible solution or answer (`??? success`) leaves a pointer
# under its question and moves, numbered, into an answer key at the end of its chapter,
# so that a student reading on paper meets the question before the answer.
_PAPER_JS = """
({title, siteUrl, pageUrls, figures}) => {
  document.title = title;
  const pageUrl = (section) => (section && pageUrls[section.id]) || siteUrl;
  let widgets = 0;
  for (const [selector, src, alt] of figures) {
    for (const element of document.querySelectorAll('#print-site-page ' + selector)) {
      const figure = document.createElement('figure');
      figure.className = 'nb-widget-on-paper';
      const image = document.createElement('img');
      image.src = src;
      image.alt = alt;
      const caption = document.createElement('figcaption');
      caption.textContent = 'On the web, an interactive widget stands here: ' + pageUrl(element.closest('section.print-page'));
      figure.append(image, caption);
      element.replaceWith(figure);
      widgets += 1;
    }
  }
  // A part whose pages are all left out of the print page (the API reference) would print
  // as a lone heading on a page of its own: drop it, and its line in the contents.
  let emptyParts = 0;
  for (const part of document.querySelectorAll('#print-site-page section.md-section')) {
    if (part.querySelector('section.print-page')) continue;
    for (const link of document.querySelectorAll('a[href="#' + part.id + '"]')) (link.closest('li') || link).remove();
    part.remove();
    emptyParts += 1;
  }
  let answers = 0;
  for (const section of document.querySelectorAll('#print-site-page section.print-page')) {
    // A part's section holds its chapters' sections: each chapter gets its own key.
    if (section.querySelector('section.print-page')) continue;
    const blocks = Array.from(section.querySelectorAll('details.success, details.question'));
    if (!blocks.length) continue;
    const key = document.createElement('div');
    key.className = 'nb-answer-key';
    const heading = document.createElement('h2');
    heading.textContent = 'Answers';
    key.append(heading);
    blocks.forEach((details, i) => {
      const number = i + 1;
      const summary = details.querySelector(':scope > summary');
      const label = summary ? summary.textContent.trim() : 'Answer';
      // A solution's summary is its label ("Solution"); a question's is the question itself.
      const isQuestion = details.classList.contains('question');
      const pointer = document.createElement('div');
      pointer.className = 'nb-answer-pointer';
      if (isQuestion) {
        const question = document.createElement('p');
        question.className = 'nb-question';
        question.append(...(summary ? Array.from(summary.childNodes) : []));
        pointer.append(question);
      }
      const where = document.createElement('p');
      where.textContent = (isQuestion ? 'Answer ' + number + ' is' : label + ': answer ' + number) + ' in the key at the end of this chapter.';
      pointer.append(where);
      const answer = document.createElement('div');
      answer.className = 'nb-answer';
      const head = document.createElement('p');
      head.className = 'nb-answer-number';
      head.textContent = 'Answer ' + number + '.';
      answer.append(head);
      for (const child of Array.from(details.childNodes)) if (child !== summary && child.parentNode === details) answer.append(child);
      details.replaceWith(pointer);
      key.append(answer);
      answers += 1;
    });
    section.append(key);
  }
  return {widgets, answers, emptyParts, leftDetails: document.querySelectorAll('#print-site-page details.success, #print-site-page details.question').length};
}
"""


def page_urls(site_url: str, docs: Path = ROOT / "docs") -> dict[str, str]:
    """The online address of each page, by the id its section has on the print page.

    mkdocs-print-site-plugin names a page's section after its source path
    (``appendix/cheat-sheet.md`` -> ``appendix-cheat-sheet``); online, the page is a folder.
    """
    urls = {}
    for source in sorted(docs.rglob("*.md")):
        stem = source.relative_to(docs).with_suffix("").as_posix()
        folder = "" if stem == "index" else (stem[: -len("/index")] if stem.endswith("/index") else stem) + "/"
        urls[stem.replace("/", "-")] = site_url + folder
    return urls


def print_pdf(offline_site: Path, pdf_path: Path, *, browser=None, site_url: str | None = None) -> dict:
    """Print the offline site's print page to ``pdf_path``; return what the page held.

    ``browser`` is a Playwright browser to use (the tests pass theirs); by default the
    system's ``/usr/bin/chromium`` is launched (never downloaded).
    """
    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack:
        if browser is None:
            playwright = stack.enter_context(sync_playwright())
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM) if CHROMIUM.is_file() else None,
                args=["--headless", "--no-sandbox", "--disable-gpu"],
            )
            stack.callback(browser.close)
        url = stack.enter_context(_serve(offline_site))
        page = browser.new_page()
        stack.callback(page.close)
        page.emulate_media(media="print")
        page.goto(url + PRINT_PAGE, wait_until="load", timeout=120_000)
        found = page.evaluate(_READY_JS)
        if found["formulas"] and found["typeset"] < found["formulas"]:
            raise RuntimeError(f"MathJax typeset {found['typeset']} of {found['formulas']} formulas of the print page")
        if found["errors"] or found["brokenImages"]:
            raise RuntimeError(f"the print page has {found['errors']} TeX errors and {found['brokenImages']} broken images")
        site_url = site_url or os.environ.get("SITE_URL") or PUBLISHED_URL
        paper = {"title": PDF_TITLE, "siteUrl": site_url, "pageUrls": page_urls(site_url), "figures": WIDGET_FIGURES}
        found.update(page.evaluate(_PAPER_JS, paper))
        page.evaluate(_READY_JS)  # the widgets' figures have loaded
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(
            path=str(pdf_path),
            format="A4",
            print_background=True,
            # Margins and page numbers come from the print page's own CSS (@page).
            prefer_css_page_size=True,
            # Bookmarks from the headings, and a tagged (accessible) PDF.
            outline=True,
            tagged=True,
        )
    return found


def zip_site(folder: Path, zip_path: Path) -> Path:
    """Zip ``folder`` as ``neuralbook/...``, written atomically."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=zip_path.parent, suffix=".zip.tmp", delete=False) as temporary:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, f"{ZIP_FOLDER}/{path.relative_to(folder).as_posix()}")
    # An ordinary file's mode (a temporary file is made readable by its owner alone).
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary.name, 0o666 & ~umask)
    os.replace(temporary.name, zip_path)
    return zip_path


def build_all(out: Path, work: Path | None = None, *, browser=None) -> tuple[Path, Path]:
    """Build the offline site, its PDF and its zip; write the PDF and the zip into ``out``."""
    with contextlib.ExitStack() as stack:
        if work is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        offline = build_offline(work / "offline")
        pdf = print_pdf(offline, work / PDF_NAME, browser=browser) and work / PDF_NAME
        shutil.copyfile(pdf, offline / PDF_NAME)  # the offline copy links the PDF too
        out.mkdir(parents=True, exist_ok=True)
        zip_path = zip_site(offline, out / ZIP_NAME)
        shutil.copyfile(pdf, out / PDF_NAME)
    return out / PDF_NAME, zip_path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for neuralbook.pdf and the offline zip")
    parser.add_argument("--work", type=Path, help="folder for the offline build (default: a temporary one)")
    args = parser.parse_args(argv)
    pdf, zip_path = build_all(args.out, args.work)
    print(f"wrote {pdf} ({pdf.stat().st_size // 1024} KiB) and {zip_path} ({zip_path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
