"""The built book in a real browser (headless Chromium, driven by Playwright).

The site is served from a sub-path, ``/neuralbook/``, as GitHub project pages serve it,
so a link that only works at the root of a server fails here. Every page must load
with no console error and no failed request, its mathematics must be typeset, its
figures must load; search and dark mode must work; and the in-page widgets must
compute what the Python package computes.

Chromium is never downloaded by the tests: they use the system's ``/usr/bin/chromium``
(on Debian or Ubuntu: ``apt-get install chromium chromium-driver``) or, where there is
none (macOS, Windows), the one ``python -m playwright install chromium`` put in
Playwright's own folder. Without either they are skipped with that message, unless
``NEURALBOOK_REQUIRE_BROWSER=1`` (as in CI), where they fail.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest


pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BASE_PATH = "/neuralbook/"
# No request may leave the site: the book must work offline. (mkdocs.yml has no
# repo_url for that reason: with it, mkdocs-material would ask api.github.com for
# star counts.)
OPTIONAL_REQUESTS = ()


# --- Serving the site and driving the browser -----------------------------------------


class _SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serve ``directory`` under ``BASE_PATH`` only; anything else is a 404."""

    def translate_path(self, path):
        path = urlsplit(path).path
        if not path.startswith(BASE_PATH):
            return str(Path(self.directory) / "__outside_the_base_path__")
        return super().translate_path("/" + path[len(BASE_PATH) :])

    def log_message(self, format, *args):  # keep the test output clean
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve ``directory`` at ``http://127.0.0.1:<port>/neuralbook/`` while in the block."""
    handler = functools.partial(_SubPathHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{BASE_PATH}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _no_browser(reason: str):
    message = (
        f"headless Chromium is not available: {reason}. Install it with "
        "`apt-get install chromium chromium-driver` on Debian or Ubuntu, or "
        "`python -m playwright install chromium` elsewhere (the tests never download one themselves)."
    )
    if os.environ.get("NEURALBOOK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"NEURALBOOK_REQUIRE_BROWSER=1 but {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as error:
        _no_browser(f"the playwright package is not installed ({error})")
    with sync_playwright() as playwright:
        # The system's Chromium, else the one Playwright installed (macOS, Windows).
        executable = CHROMIUM if CHROMIUM.is_file() else Path(playwright.chromium.executable_path)
        if not executable.is_file():
            _no_browser(f"neither {CHROMIUM} nor Playwright's {executable} exists")
        try:
            chromium = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        except Error as error:
            _no_browser(f"{executable} does not start ({error})")
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def site_url(built_site):
    with serve(built_site) as url:
        yield url


def _optional(url: str) -> bool:
    return url.startswith(OPTIONAL_REQUESTS)


def _pages(site: Path) -> list[str]:
    """The site path of every page, such as ``""`` (home) or ``"activations/"``."""
    pages = []
    for html in sorted(site.rglob("index.html")):
        relative = html.parent.relative_to(site).as_posix()
        pages.append("" if relative == "." else relative + "/")
    return pages


# Run in the page once it has loaded and MathJax has finished: what a reader would see
# that is broken. Text inside code is allowed to hold TeX (a listing may show it).
_PAGE_PROBLEMS_JS = r"""
async () => {
  const problems = [];
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const images = Array.from(document.images);
  await Promise.all(images.map((img) => img.complete ? null :
      new Promise((done) => { img.addEventListener("load", done); img.addEventListener("error", done); })));
  for (const img of images) {
    if (!(img.complete && img.naturalWidth > 0)) problems.push("image does not load: " + img.getAttribute("src"));
  }
  const content = document.querySelector(".md-content") || document.body;
  const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      return node.parentElement.closest("pre, code, script, style, mjx-container, .md-source-file")
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
    },
  });
  let text = "";
  while (walker.nextNode()) text += walker.currentNode.nodeValue;
  const raw = text.match(/\$\$|\\\(|\\\)|\\\[|\\\]|\\(?:frac|sum|sigma|partial|mathbf|cdot|times|left|right)\b|\$[^$\s][^$\n]*\$/);
  if (raw) {
    const at = text.indexOf(raw[0]);
    problems.push("raw TeX in the text: " + JSON.stringify(text.slice(Math.max(0, at - 40), at + 60)));
  }
  const arithmatex = document.querySelectorAll(".arithmatex");
  const untypeset = Array.from(arithmatex).filter((node) => !node.querySelector("mjx-container"));
  if (untypeset.length) problems.push(untypeset.length + " formulas not typeset, first: " +
      JSON.stringify(untypeset[0].textContent.slice(0, 80)));
  const errors = document.querySelectorAll("mjx-merror");
  if (errors.length) problems.push("TeX error in a formula: " + JSON.stringify(errors[0].textContent.slice(0, 80)));
  return {problems, formulas: arithmatex.length, typeset: document.querySelectorAll("mjx-container").length};
}
"""


def check_page(browser, url: str, context=None, overflow=False) -> list[str]:
    """Open ``url`` in a fresh page; return what is broken, as messages (empty if nothing).

    Reports console errors, script errors, failed requests and HTTP errors (except the
    optional GitHub request), requests that leave the local site, images that do not
    load, formulas that MathJax did not typeset (raw TeX in the text, an untypeset
    formula, a TeX error). ``context`` is a browser context to open the page in (the
    offline copy's, with the network cut off; or a narrow screen's). With ``overflow``,
    also what sticks out of the window (`narrow_problems`), in the same visit.
    """
    page = (context or browser).new_page()
    problems: list[str] = []
    local = urlsplit(url).netloc

    def on_console(message):
        if message.type == "error" and not _optional(message.location.get("url", "")):
            problems.append(f"console error: {message.text}")

    def on_request(request):
        if request.url.startswith("file:") and not url.startswith("file:"):
            problems.append(f"request for a file outside the site: {request.url}")
        host = urlsplit(request.url).netloc
        if request.url.startswith(("http:", "https:")) and host != local and not _optional(request.url):
            problems.append(f"request leaves the site (the book must work offline): {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("request", on_request)
    page.on(
        "requestfailed",
        lambda request: None if _optional(request.url) else problems.append(
            f"request failed: {request.url} ({request.failure})"
        ),
    )
    page.on("response", lambda response: response.status >= 400 and problems.append(
        f"HTTP {response.status}: {response.url}"
    ))
    try:
        page.goto(url, wait_until="load")
        if not url.startswith("file:"):  # from disk there is no network to wait for
            page.wait_for_load_state("networkidle")
        found = page.evaluate(_PAGE_PROBLEMS_JS)
        problems.extend(found["problems"])
        if found["formulas"] and not found["typeset"]:
            problems.append("the page has formulas but MathJax typeset none")
        if overflow:
            problems.extend(page.evaluate(_OVERFLOW_JS))
    finally:
        page.close()
    return [f"{url}: {problem}" for problem in problems]


# --- Every page -------------------------------------------------------------------------


def test_every_page_loads_cleanly_with_math_and_figures_and_fits_a_narrow_screen(browser, narrow_context, built_site, site_url):
    """Every page, as a reader on a phone sees it: nothing broken, and at 390 pixels wide,
    wide formulas, tables and code scroll inside their own box (one visit checks both)."""
    pages = _pages(built_site)
    assert "" in pages and "draw-a-digit/" in pages
    problems = [problem for page in pages for problem in check_page(browser, site_url + page, narrow_context, overflow=True)]
    assert not problems, "\n".join(problems)


def test_math_is_typeset_by_mathjax(browser, site_url):
    """At least one chapter has formulas, and they become MathJax's output."""
    page = browser.new_page()
    try:
        page.goto(site_url + "activations/")
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("MathJax.startup.promise")
        counts = page.evaluate(
            "[document.querySelectorAll('.arithmatex').length, document.querySelectorAll('mjx-container').length]"
        )
    finally:
        page.close()
    assert counts[0] > 0, "the activations chapter has no formula to check"
    assert counts[1] >= counts[0]


def _copy_with_change(built_site: Path, tmp_path: Path, page: str, change) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(built_site, copy)
    html = copy / page / "index.html"
    html.write_text(change(html.read_text(encoding="utf-8")), encoding="utf-8")
    return copy


def _page_with_figure(built_site: Path) -> str:
    for page in _pages(built_site):
        if 'src="../figures/' in (built_site / page / "index.html").read_text(encoding="utf-8"):
            return page
    pytest.fail("no page of the book shows a figure")


@pytest.mark.parametrize(
    "damage, expected",
    [
        ("figure", "image does not load"),
        ("raw tex", "raw TeX in the text"),
        ("script", "HTTP 404"),
        ("root-relative", "image does not load: /assets/"),
    ],
)
def test_the_page_check_catches_a_broken_page(browser, built_site, tmp_path, damage, expected):
    """The checker is not blind: one damaged page of a copy of the site is reported."""
    if damage == "figure":
        page = _page_with_figure(built_site)
        copy = _copy_with_change(built_site, tmp_path, page,
                                 lambda html: html.replace('src="../figures/', 'src="../figures/missing-', 1))
    elif damage == "raw tex":
        page = "activations/"
        copy = _copy_with_change(built_site, tmp_path, page,
                                 lambda html: html.replace("<h1", r"<p>Raw: \(\sigma(z)\)</p><h1", 1))
    elif damage == "script":
        page = "activations/"
        copy = _copy_with_change(built_site, tmp_path, page,
                                 lambda html: html.replace("</body>", '<script src="/javascripts/x.js"></script></body>'))
    else:  # an absolute link to the server's root: breaks under a base path
        page = ""
        copy = _copy_with_change(built_site, tmp_path, page,
                                 lambda html: html.replace("</body>", '<img src="/assets/none.png"></body>'))
    with serve(copy) as url:
        problems = check_page(browser, url + page)
    assert any(expected in problem for problem in problems), problems


# --- Search and dark mode ---------------------------------------------------------------


def test_search_finds_backpropagation(browser, site_url):
    page = browser.new_page()
    try:
        page.goto(site_url)
        page.click(".md-search__input", timeout=5000)
        page.keyboard.type("backpropagation", delay=10)
        page.wait_for_selector(".md-search-result__item", timeout=15000)
        links = page.eval_on_selector_all(".md-search-result__item a", "links => links.map(a => a.href)")
    finally:
        page.close()
    assert any(urlsplit(link).path == BASE_PATH + "backpropagation/" for link in links), links


def test_dark_mode_toggle_switches_and_persists(browser, site_url):
    page = browser.new_page(color_scheme="light")
    try:
        page.goto(site_url)
        scheme = "document.body.getAttribute('data-md-color-scheme')"
        background = "getComputedStyle(document.body).backgroundColor"
        assert page.evaluate(scheme) == "default"
        light = page.evaluate(background)
        page.locator("form[data-md-component='palette'] label:visible").first.click()
        page.wait_for_function(f"{scheme} === 'slate'", timeout=5000)
        page.wait_for_function(f"{background} !== {json.dumps(light)}", timeout=5000)
        dark = page.evaluate(background)
        page.reload()
        assert page.evaluate(scheme) == "slate", "the reader's choice is forgotten on the next page"
    finally:
        page.close()
    assert dark != light


# --- The JavaScript port of the package -------------------------------------------------


def _site_network(built_site: Path):
    """The Python Network holding exactly the weights of the site's model file."""
    from neuralbook.network import Network
    from neuralbook.web import read_web

    web = read_web(built_site / "assets" / "digit-model.json")
    return Network.from_config(web["config"], [p for W, b, _ in web["layers"] for p in (W, b)])


@pytest.fixture
def book_page(browser, site_url):
    """The home page, with its digit widget ready."""
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site_url)
    page.evaluate("document.getElementById('digit-widget').digitWidget.ready.then(() => true)")
    yield page
    page.close()
    assert not errors, errors


def test_js_forward_pass_matches_the_python_network_on_mnist(book_page, built_site, mnist):
    network = _site_network(built_site)
    x = mnist.test_images[:300]
    expected = network.forward(x)
    got = np.array(book_page.evaluate(
        """images => {
             const model = document.getElementById('digit-widget').digitWidget.model;
             return images.map((x) => Array.from(NeuralBook.forward(model, Float32Array.from(x))));
           }""",
        x.tolist(),
    ))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    assert np.array_equal(got.argmax(axis=1), expected.argmax(axis=1))
    accuracy = (got.argmax(axis=1) == mnist.test_labels[:300]).mean()
    assert accuracy > 0.9, f"the site's model reads only {accuracy:.0%} of the digits right"


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "leaky_relu"])
@pytest.mark.parametrize("output", ["softmax", "sigmoid", "linear"])
def test_js_forward_pass_supports_every_activation(book_page, hidden, output):
    from neuralbook.network import PAIRINGS, Network
    from neuralbook.web import network_to_web

    # In float64, with float32-exact weights and inputs, Python computes what JavaScript
    # computes: both must agree to rounding, far below the 1e-5 asked of the float32 model.
    network = Network([5, 7, 6, 3], hidden_activation=hidden, output=output, loss=PAIRINGS[output][0],
                      seed=3, dtype=np.float64)
    rng = np.random.default_rng(0)
    for parameter in network.parameters():  # biases too, so that a dropped bias would show
        parameter[...] = rng.normal(0, 1.5, parameter.shape).astype(np.float32)
    x = rng.normal(0, 2, (20, 5)).astype(np.float32)
    got = np.array(book_page.evaluate(
        """([json, xs]) => {
             const model = NeuralBook.decodeModel(json);
             return xs.map((x) => Array.from(NeuralBook.forward(model, Float32Array.from(x))));
           }""",
        [network_to_web(network), x.tolist()],
    ))
    np.testing.assert_allclose(got, network.forward(x.astype(np.float64)), rtol=1e-12, atol=1e-12)


def _paper_images(mnist, count: int):
    """Real MNIST digits as a reader's photo might hold them: dark ink on light paper,
    larger, off-centre, on a not-quite-white background; plus light-on-dark ones."""
    rng = np.random.default_rng(1)
    images = []
    for i in range(count):
        digit = mnist.test_images[i].reshape(28, 28).astype(np.float64)
        scale = int(rng.integers(2, 5))
        big = np.kron(digit, np.ones((scale, scale)))
        height, width = int(rng.integers(big.shape[0] + 4, 140)), int(rng.integers(big.shape[1] + 4, 150))
        top, left = int(rng.integers(0, height - big.shape[0])), int(rng.integers(0, width - big.shape[1]))
        field = np.zeros((height, width))
        field[top : top + big.shape[0], left : left + big.shape[1]] = big
        paper = float(rng.uniform(0.0, 0.15))
        image = paper + (1 - paper) * field  # light ink on a dark, slightly grey background
        if i % 2 == 0:
            image = 1.0 - image  # dark ink on light paper
        images.append(np.round(image * 255).astype(np.uint8))
    return images


def test_js_preprocessing_matches_python(book_page, mnist):
    from neuralbook.preprocessing import preprocess_drawing

    images = _paper_images(mnist, 40)
    got = book_page.evaluate(
        """images => images.map(([levels, width, height]) =>
             Array.from(NeuralBook.preprocess(NeuralBook.greyFromLevels(levels.map((v) => v / 255), width, height))))""",
        [[image.ravel().tolist(), image.shape[1], image.shape[0]] for image in images],
    )
    for i, (image, js) in enumerate(zip(images, got)):
        expected = preprocess_drawing(image)
        np.testing.assert_allclose(np.array(js), expected, rtol=0, atol=1e-6, err_msg=f"image {i}")


def test_js_preprocessing_reads_rgba_like_python(book_page):
    """Colour, transparency and a blank canvas, through the RGBA path the widget uses."""
    from neuralbook.preprocessing import BlankImageError, preprocess_drawing

    rng = np.random.default_rng(2)
    rgba = np.zeros((60, 45, 4), dtype=np.uint8)
    rgba[..., :3] = rng.integers(200, 256, (60, 45, 3))  # light, coloured paper
    rgba[..., 3] = 255
    rgba[10:50, 12:20, :3] = [20, 40, 160]  # a blue stroke
    rgba[10:14, 12:35, 3] = 90  # part of it half transparent
    js = book_page.evaluate(
        "([data, w, h]) => Array.from(NeuralBook.preprocess(NeuralBook.greyFromRGBA(data, w, h)))",
        [rgba.ravel().tolist(), 45, 60],
    )
    np.testing.assert_allclose(np.array(js), preprocess_drawing(rgba), rtol=0, atol=1e-6)

    flat = np.full((30, 30, 4), 255, dtype=np.uint8)
    with pytest.raises(BlankImageError):
        preprocess_drawing(flat)
    blank = book_page.evaluate(
        """([data, w, h]) => { try { NeuralBook.preprocess(NeuralBook.greyFromRGBA(data, w, h)); return 'no error'; }
                               catch (e) { return e.name; } }""",
        [flat.ravel().tolist(), 30, 30],
    )
    assert blank == "BlankImageError"


# --- The digit widget -------------------------------------------------------------------


def _canvas_rgba(page) -> np.ndarray:
    """The widget's drawing canvas, as the (height, width, 4) bytes Python reads (via a PNG)."""
    import base64
    import io

    from PIL import Image

    url = page.evaluate("document.getElementById('digit-widget').digitWidget.canvas.toDataURL('image/png')")
    png = base64.b64decode(url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def test_widget_reads_real_mnist_digits_like_the_python_model(book_page, built_site, mnist):
    """Each digit is painted onto the widget's canvas; the page's answer is the Python
    model's answer on the very same canvas, preprocessed by the Python package."""
    from neuralbook.preprocessing import preprocess_drawing

    network = _site_network(built_site)
    right = 0
    count = 50
    for i in range(count):
        result = book_page.evaluate(
            "levels => document.getElementById('digit-widget').digitWidget.drawGrey(levels, 28, 28)",
            mnist.test_images[i].tolist(),
        )
        x = preprocess_drawing(_canvas_rgba(book_page))
        np.testing.assert_allclose(np.array(result["input"]), x, rtol=0, atol=1e-6)
        expected = network.forward(x[None, :])[0]
        np.testing.assert_allclose(result["probabilities"], expected, rtol=0, atol=1e-5)
        assert result["prediction"] == int(expected.argmax())
        right += result["prediction"] == mnist.test_labels[i]
        bars = book_page.eval_on_selector_all(".nb-digit__value", "spans => spans.map(s => s.textContent)")
        assert bars[result["prediction"]] == f"{100 * expected.max():.1f}%"
    assert right >= 0.9 * count, f"the widget reads only {right} of {count} MNIST digits right"


def _draw(page, points):
    """Draw one stroke through ``points`` (fractions of the canvas) with the mouse."""
    canvas = page.locator("#digit-widget canvas.nb-digit__canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + box["width"] * points[0][0], y + box["height"] * points[0][1])
    page.mouse.down()
    for u, v in points[1:]:
        page.mouse.move(x + box["width"] * u, y + box["height"] * v, steps=8)
    page.mouse.up()


def test_drawing_with_the_mouse_and_clearing(book_page, built_site):
    from neuralbook.preprocessing import preprocess_drawing

    assert book_page.evaluate("document.getElementById('digit-widget').digitWidget.last") is None
    _draw(book_page, [(0.5, 0.12), (0.52, 0.5), (0.5, 0.88)])  # a one
    book_page.wait_for_function("document.getElementById('digit-widget').digitWidget.last !== null")
    result = book_page.evaluate("document.getElementById('digit-widget').digitWidget.last")
    x = preprocess_drawing(_canvas_rgba(book_page))
    np.testing.assert_allclose(np.array(result["input"]), x, rtol=0, atol=1e-6)
    probabilities = _site_network(built_site).forward(x[None, :])[0]
    assert result["prediction"] == int(probabilities.argmax()) == 1
    seen = book_page.evaluate(
        """() => { const c = document.querySelector('#digit-widget canvas.nb-digit__input');
                   return Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data).filter((v, i) => i % 4 === 0); }"""
    )
    np.testing.assert_allclose(np.array(seen) / 255, x, atol=1 / 255 + 1e-9)  # the preview is the input
    assert "reads a 1" in book_page.inner_text(".nb-digit__status")

    book_page.click("#digit-widget .nb-digit__clear")
    assert book_page.evaluate("document.getElementById('digit-widget').digitWidget.last") is None
    assert _canvas_rgba(book_page)[..., :3].max() == 0, "Clear leaves ink on the canvas"
    assert book_page.eval_on_selector_all(".nb-digit__value", "spans => spans.map(s => s.textContent).join('')") == ""


def test_draw_a_digit_chapter_has_the_widget(browser, site_url):
    page = browser.new_page()
    try:
        page.goto(site_url + "draw-a-digit/")
        mounted = page.evaluate(
            """() => { const w = document.getElementById('digit-widget');
                       return w && w.digitWidget ? w.digitWidget.ready.then(() => true) : false; }"""
        )
    finally:
        page.close()
    assert mounted, "the chapter Draw your own digit has no working digit widget"


# --- One perceptron by hand --------------------------------------------------------------


def test_neuron_widget_answers_like_the_perceptron(browser, site_url):
    """For many slider settings and every gate, the widget's four answers are those of
    neuralbook.perceptron.neuron, its score counts them, and its line is the set z = 0."""
    from neuralbook.perceptron import INPUTS, TRUTH_TABLES, neuron

    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(site_url + "perceptron/")
        assert page.evaluate("!!document.querySelector('.neuron-widget').neuronWidget"), "no neuron widget"
        rng = np.random.default_rng(0)
        settings = [(1, 1, -1.5, "AND"), (1, 1, -0.5, "OR"), (-1, -1, 1.5, "NAND"), (1, 1, -1, "AND"), (0, 0, 0, "XOR")]
        settings += [(*np.round(rng.uniform(-2, 2, 3), 1), str(rng.choice(["AND", "OR", "NAND", "XOR"]))) for _ in range(30)]
        for w1, w2, b, gate in settings:
            state = page.evaluate(
                "([w1, w2, b, gate]) => document.querySelector('.neuron-widget').neuronWidget.set(w1, w2, b, gate)",
                [float(w1), float(w2), float(b), gate],
            )
            expected = neuron(INPUTS, [float(w1), float(w2)], float(b))
            assert state["outputs"] == [int(v) for v in expected], (w1, w2, b)
            assert state["right"] == int((expected == TRUTH_TABLES[gate]).sum())
            if state["line"] is not None:
                for x1, x2 in state["line"]:
                    assert abs(w1 * x1 + w2 * x2 + b) < 1e-9
            score = page.inner_text(".nb-neuron__score")
            assert score.startswith(gate) and (("all four" in score) == (state["right"] == 4))
        # The reader's way: drag a slider with the keyboard.
        page.evaluate("document.querySelector('.neuron-widget').neuronWidget.set(1, 1, -0.5, 'AND')")
        page.focus(".nb-neuron__slider input[aria-label='bias']")
        for _ in range(10):
            page.keyboard.press("ArrowLeft")
        state = page.evaluate("document.querySelector('.neuron-widget').neuronWidget.state()")
        assert abs(state["b"] - -1.5) < 1e-9 and state["right"] == 4, state
    finally:
        page.close()
    assert not errors, errors


def test_a_finger_can_draw(browser, site_url):
    """On a touch screen a tap leaves ink (pointer events cover touch), and the page does not scroll."""
    context = browser.new_context(has_touch=True, is_mobile=True, viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        page.goto(site_url)
        page.evaluate("document.getElementById('digit-widget').digitWidget.ready.then(() => true)")
        canvas = page.locator("#digit-widget canvas.nb-digit__canvas")
        canvas.scroll_into_view_if_needed()
        assert canvas.evaluate("c => getComputedStyle(c).touchAction") == "none"
        box = canvas.bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function("document.getElementById('digit-widget').digitWidget.last !== null", timeout=5000)
    finally:
        context.close()


# --- A narrow screen ----------------------------------------------------------------------

NARROW = {"width": 390, "height": 800}

# Run once MathJax has finished: every element of the page's content that reaches past
# the edge of the window and is not inside a box that scrolls sideways (and itself fits)
# is cut off, or makes the whole page scroll sideways. Only the outermost is reported.
_OVERFLOW_JS = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const width = document.documentElement.clientWidth;
  const problems = [];
  // A few pixels of slack: MathJax's glyph boxes can overhang the text by that much
  // (Multi-layer networks measures 394 px with no element cut off); a real overflow,
  // such as a formula that does not scroll, is far wider and is also caught below.
  if (document.documentElement.scrollWidth > width + 5)
    problems.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " px wide in a " + width + " px window");
  const section = (el) => {
    for (let node = el; node; node = node.parentElement) {
      for (let before = node.previousElementSibling; before; before = before.previousElementSibling)
        if (/^H[1-6]$/.test(before.tagName)) return before.textContent.replace("\u00b6", "").trim();
    }
    return "";
  };
  const reported = [];
  for (const el of document.querySelectorAll(".md-content *")) {
    if (el.closest("mjx-assistive-mml") || reported.some((r) => r.contains(el))) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || (box.right <= width + 1 && box.left >= -1)) continue;
    let fits = false;
    for (let up = el.parentElement; up && up !== document.documentElement; up = up.parentElement) {
      if (/(auto|scroll)/.test(getComputedStyle(up).overflowX)) {
        const outer = up.getBoundingClientRect();
        fits = outer.right <= width + 1 && outer.left >= -1;
        break;
      }
    }
    if (!fits) {
      reported.push(el);
      problems.push(el.tagName.toLowerCase() + (typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\s+/).join(".") : "") +
        " " + JSON.stringify(el.textContent.trim().slice(0, 60)) + " in section " + JSON.stringify(section(el)) +
        " reaches " + Math.round(box.right) + " px of " + width);
    }
  }
  // A display formula must keep a readable size: squeezed into a box of no width (an SVG
  // formula in a `width: min-content` box), it shrinks to a dot and nothing sticks out.
  for (const formula of document.querySelectorAll(".md-content div.arithmatex > mjx-container")) {
    if (formula.closest("details:not([open])")) continue;  // a closed solution shows nothing
    const box = (formula.firstElementChild || formula).getBoundingClientRect();  // the svg or mjx-math
    if (box.width < 8 || box.height < 8)
      problems.push("a display formula is shrunk to " + Math.round(box.width) + " x " + Math.round(box.height) +
        " px in section " + JSON.stringify(section(formula)));
  }
  return problems;
}
"""


def narrow_problems(context, url: str) -> list[str]:
    """What sticks out of the window at ``url`` (in a narrow ``context``), as messages."""
    page = context.new_page()
    try:
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        return [f"{url}: {problem}" for problem in page.evaluate(_OVERFLOW_JS)]
    finally:
        page.close()


@pytest.fixture(scope="session")
def narrow_context(browser):
    context = browser.new_context(viewport=NARROW)
    yield context
    context.close()


def test_the_narrow_screen_check_catches_a_formula_that_sticks_out(narrow_context, built_site, tmp_path):
    """Without the book's rules for wide formulas, the check reports Backpropagation's BP2
    and the long formulas in the sentences of Activation functions."""
    undo = ("<style>.md-typeset div.arithmatex, .md-typeset mjx-container { overflow: visible !important; }"
            ".md-typeset .arithmatex.nb-wide-formula { display: inline !important; }</style></head>")

    def damage(html):
        html = html.replace("</head>", undo, 1)
        return re.sub(r'<script src="[^"]*wide-formulas\.js"></script>', "", html)

    copy = _copy_with_change(built_site, tmp_path, "activations/", damage)
    html = copy / "backpropagation" / "index.html"
    html.write_text(damage(html.read_text(encoding="utf-8")), encoding="utf-8")
    with serve(copy) as url:
        activations = narrow_problems(narrow_context, url + "activations/")
        backpropagation = narrow_problems(narrow_context, url + "backpropagation/")
    assert any("arithmatex" in problem or "mjx" in problem for problem in activations), activations
    assert any("arithmatex" in problem or "mjx" in problem for problem in backpropagation), backpropagation


# --- Report a problem with this page ------------------------------------------------------


def test_report_link_names_the_page_and_the_section_being_read(browser, site_url):
    from urllib.parse import parse_qs, urlsplit

    page = browser.new_page()
    try:
        page.goto(site_url + "activations/#the-sigmoid")
        page.wait_for_load_state("networkidle")
        href = page.evaluate(
            """() => { const link = document.querySelector('a.nb-report');
                       link.addEventListener('click', (event) => event.preventDefault());
                       link.click();
                       return link.href; }"""
        )
    finally:
        page.close()
    url = urlsplit(href)
    assert (url.netloc, url.path) == ("github.com", "/neuralbook/neuralbook/issues/new")
    query = parse_qs(url.query)
    assert query["title"] == ['Problem on the page "Activation functions", section "The sigmoid"'], query["title"]
    assert "Section: The sigmoid" in query["body"][0] and "activations/" in query["body"][0]


# --- The offline copy and the PDF -----------------------------------------------------------


@pytest.fixture(scope="session")
def formats(browser, tmp_path_factory):
    """The offline build, its PDF and its zip, built once per session by tools/build_formats.py."""
    import types

    from build_formats import PDF_NAME, ZIP_NAME, build_offline, print_pdf, zip_site

    work = tmp_path_factory.mktemp("formats")
    try:
        site = build_offline(work / "offline")
    except RuntimeError as error:
        pytest.fail(str(error))
    pdf = work / PDF_NAME
    printed = print_pdf(site, pdf, browser=browser)
    shutil.copyfile(pdf, site / PDF_NAME)
    archive = zip_site(site, work / ZIP_NAME)
    return types.SimpleNamespace(site=site, pdf=pdf, printed=printed, zip=archive, work=work)


@pytest.fixture(scope="session")
def unzipped(formats):
    """The offline zip, unpacked as a reader would: a folder to open from disk."""
    import zipfile

    target = formats.work / "unzipped"
    with zipfile.ZipFile(formats.zip) as archive:
        archive.extractall(target)
    return target / "neuralbook"


@pytest.fixture
def offline_context(browser):
    """A browser context in which every request that is not for a local file fails."""
    yield from _offline_context(browser)


@pytest.fixture
def offline_narrow_context(browser):
    """The same, on a phone's 390-pixel screen."""
    yield from _offline_context(browser, viewport=NARROW)


def _offline_context(browser, **options):
    context = browser.new_context(**options)
    context.set_default_timeout(120_000)  # a page from disk typesets all its formulas as SVG
    leaving = []

    def only_files(route):
        if route.request.url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            leaving.append(route.request.url)
            route.abort()

    context.route("**/*", only_files)
    yield context
    context.close()
    assert not leaving, f"the offline copy asked the network for: {leaving}"


def test_offline_pages_work_from_disk_and_fit_a_narrow_screen(offline_narrow_context, browser, unzipped):
    """Every page from disk, on a phone: nothing broken, and every formula (MathJax's SVG
    here, not the site's CHTML) scrolls in its box at a readable size."""
    pages = sorted(p for p in unzipped.rglob("*.html") if "api" not in p.parts and p.name not in ("404.html", "print_page.html"))
    pages += [unzipped / "api" / "datasets.html"]
    assert len(pages) > 15, pages
    problems = [problem for page in pages
                for problem in check_page(browser, page.as_uri(), context=offline_narrow_context, overflow=True)]
    assert not problems, "\n".join(problems)


def test_the_narrow_screen_check_catches_a_formula_shrunk_to_a_dot(offline_narrow_context, unzipped):
    """Without the book's rule for SVG formulas on a narrow screen, mkdocs-material's
    `width: min-content` shrinks every display formula of the offline copy to 1 x 1 px."""
    page = offline_narrow_context.new_page()
    try:
        page.goto((unzipped / "activations.html").as_uri(), wait_until="load")
        page.add_style_tag(content='.md-typeset div.arithmatex > mjx-container[jax="SVG"] { width: min-content !important; }'
                                   '.md-typeset div.arithmatex > mjx-container[jax="SVG"] > svg { max-width: 100% !important; }')
        problems = page.evaluate(_OVERFLOW_JS)
    finally:
        page.close()
    assert any("a display formula is shrunk to 1 x 1 px" in problem for problem in problems), problems


def test_offline_search_works_from_disk(offline_context, unzipped):
    page = offline_context.new_page()
    try:
        page.goto((unzipped / "index.html").as_uri())
        page.click(".md-search__input", timeout=10000)
        page.keyboard.type("backpropagation", delay=10)
        page.wait_for_selector(".md-search-result__item", timeout=15000)
        links = page.eval_on_selector_all(".md-search-result__item a", "links => links.map(a => a.href)")
    finally:
        page.close()
    assert any(link.startswith("file:") and "backpropagation.html" in link for link in links), links


def test_offline_digit_widget_reads_a_digit(offline_context, unzipped, mnist):
    page = offline_context.new_page()
    try:
        page.goto((unzipped / "draw-a-digit.html").as_uri())
        page.evaluate("document.getElementById('digit-widget').digitWidget.ready.then(() => true)")
        result = page.evaluate(
            "levels => document.getElementById('digit-widget').digitWidget.drawGrey(levels, 28, 28)",
            mnist.test_images[0].tolist(),
        )
    finally:
        page.close()
    assert result["prediction"] == int(mnist.test_labels[0])
    expected = _site_network(unzipped).forward(np.array(result["input"])[None, :])[0]
    np.testing.assert_allclose(result["probabilities"], expected, rtol=0, atol=1e-5)


def test_offline_zip_holds_the_notebooks_and_the_pdf(formats):
    import zipfile

    names = set(zipfile.ZipFile(formats.zip).namelist())
    assert "neuralbook/index.html" in names and "neuralbook/search/search_index.js" in names
    assert "neuralbook/neuralbook.pdf" in names
    assert any(name.startswith("neuralbook/notebooks/") and name.endswith(".ipynb") for name in names)
    assert not any(".." in name or name.startswith("/") for name in names)
    # The zip cannot hold itself: its pages link the published one.
    index = zipfile.ZipFile(formats.zip).read("neuralbook/index.html").decode("utf-8")
    assert 'href="https://' in index.split("neuralbook-offline.zip", 1)[0].rsplit("<a ", 1)[-1]


def _chapter_titles() -> list[str]:
    """The title of every chapter and appendix, from the navigation of mkdocs.yml."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    nav = yaml.load((Path(__file__).resolve().parent.parent / "mkdocs.yml").read_text(encoding="utf-8"), _Loader)["nav"]
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, dict):
                for title, target in item.items():
                    if isinstance(target, list):
                        if title != "API reference":
                            walk(target)
                    elif title != "Home":
                        titles.append(title)

    walk(nav)
    return titles


def _pdf_text(path: Path) -> tuple[list[str], int]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return [page.extract_text() or "" for page in reader.pages], len(reader.pages)


def missing_chapters(text: str, titles: list[str]) -> list[str]:
    """The titles that the PDF's text does not contain (spaces and line breaks aside)."""
    flat = " ".join(text.split())
    return [title for title in titles if " ".join(title.split()) not in flat]


def test_pdf_has_every_chapter_typeset_math_and_figures(formats):
    pages, count = _pdf_text(formats.pdf)
    text = "\n".join(pages)
    titles = _chapter_titles()
    assert len(titles) >= 15, titles
    assert not missing_chapters(text, titles), f"chapters missing from the PDF: {missing_chapters(text, titles)}"
    assert "Contents" in pages[1] or "Contents" in pages[0], "the PDF has no table of contents at its start"
    # What MathJax leaves when it does not typeset (no listing or example shows these).
    for raw in ("\\frac", "$$", "\\("):
        assert raw not in text, f"raw TeX {raw!r} in the PDF"
    assert 60 <= count <= 1000, f"the PDF has {count} pages"
    # Every figure of the chapters was on the print page, loaded, when it was printed.
    figures = sum(len(re.findall(r"!\[[^\]]*\]\(figures/", p.read_text(encoding="utf-8")))
                  for p in (Path(__file__).resolve().parent.parent / "docs").rglob("*.md") if "api" not in p.parts)
    assert formats.printed["figures"] >= figures > 10, formats.printed
    assert formats.printed["brokenImages"] == 0 and formats.printed["typeset"] == formats.printed["formulas"] > 100
    # Chromium prints each SVG figure as a form of vector drawing in the PDF.
    assert _pdf_forms(formats.pdf) >= figures


def _docs_count(pattern: str) -> int:
    """How often ``pattern`` occurs in the chapters and appendices (the API pages aside)."""
    docs = Path(__file__).resolve().parent.parent / "docs"
    return sum(len(re.findall(pattern, p.read_text(encoding="utf-8"))) for p in docs.rglob("*.md") if "api" not in p.parts)


def test_pdf_is_a_book_with_cover_bookmarks_title_and_answers_apart(formats):
    """A cover, bookmarks, the book's title; every widget a figure with its address; every
    solution and answer in a key at the end of its chapter, never under its question."""
    from pypdf import PdfReader

    from neuralbook import __version__

    reader = PdfReader(str(formats.pdf))
    assert reader.metadata.title == "Neural Networks from Scratch"
    assert len(reader.outline) >= 10, "the PDF has (almost) no bookmarks"
    pages, _ = _pdf_text(formats.pdf)
    cover = " ".join(pages[0].split())
    assert "Neural Networks from Scratch" in cover and f"Version {__version__}" in cover and "neuralbook.github.io" in cover
    assert formats.printed["answers"] == _docs_count(r'\?\?\?\+? (?:success|question)') > 50
    assert formats.printed["leftDetails"] == 0
    assert formats.printed["widgets"] == _docs_count(r'<div (?:id="digit-widget"|class="(?:neuron|bump)-widget")') >= 3
    text = " ".join(" ".join(pages).split())
    assert "answer 1 in the key at the end of this chapter" in text and "Answer 1." in text
    assert "On the web, an interactive widget stands here: https://" in text


def test_paper_keys_answers_per_chapter_and_drops_an_empty_part(browser):
    """On a print page whose parts hold chapters, each chapter's answers are numbered from 1
    in a key at the end of that chapter (not of its part), and a part whose pages were all
    left out of the print page (the API reference) is dropped with its line in the contents."""
    from build_formats import _PAPER_JS

    def chapter(name, *blocks):
        return f'<section class="print-page" id="{name}"><h1>{name}</h1><p>Question</p>{"".join(blocks)}</section>'

    solution = '<details class="success"><summary>Solution</summary><p>{}</p></details>'.format
    question = '<details class="question"><summary>Why?</summary><p>{}</p></details>'.format
    page = browser.new_page()
    try:
        page.set_content(
            '<div id="print-page-toc"><ul><li><a href="#section-1">Part</a></li>'
            '<li><a href="#section-2">API reference</a></li></ul></div><div id="print-site-page">'
            '<section class="print-page md-section" id="section-1"><h1>Part</h1>'
            + chapter("one", solution("first")) + chapter("two", solution("second"), question("because"))
            + '</section><section class="print-page md-section" id="section-2"><h1>API reference</h1></section></div>'
        )
        found = page.evaluate(_PAPER_JS, {"title": "T", "siteUrl": "https://example.org/", "pageUrls": {}, "figures": []})
        keys = page.evaluate("""() => Array.from(document.querySelectorAll('.nb-answer-key'),
            key => key.parentElement.id + ': ' + key.textContent)""")
        pointers = page.evaluate("() => Array.from(document.querySelectorAll('.nb-answer-pointer'), p => p.textContent)")
        toc = page.evaluate("() => document.getElementById('print-page-toc').textContent")
        left = page.evaluate("() => Array.from(document.querySelectorAll('section'), s => s.id)")
    finally:
        page.close()
    assert keys == ["one: AnswersAnswer 1.first", "two: AnswersAnswer 1.secondAnswer 2.because"]
    assert pointers == [
        "Solution: answer 1 in the key at the end of this chapter.",
        "Solution: answer 1 in the key at the end of this chapter.",
        "Why?Answer 2 is in the key at the end of this chapter.",
    ]
    assert (found["answers"], found["emptyParts"], found["leftDetails"]) == (3, 1, 0)
    assert toc == "Part" and left == ["section-1", "one", "two"]


def _pdf_forms(path: Path) -> int:
    from pypdf import PdfReader

    forms = 0
    for page in PdfReader(str(path)).pages:
        resources = page.get("/Resources")
        objects = resources.get("/XObject") if resources else None
        if objects:
            objects = objects.get_object()
            forms += sum(1 for name in objects if objects[name].get_object().get("/Subtype") == "/Form")
    return forms


def test_pdf_check_catches_a_missing_chapter():
    titles = ["Activation functions", "Backpropagation"]
    assert missing_chapters("Contents\nActivation\nfunctions\n...", titles) == ["Backpropagation"]


#: Material's copy buttons (the older and the current markup).
COPY_BUTTONS = '.md-clipboard, .md-code__button[data-md-type="copy"]'


def test_copy_button_of_an_example_copies_only_its_code(browser, site_url):
    import doctest

    page = browser.new_page()
    try:
        page.goto(site_url + "activations/")
        blocks = page.eval_on_selector_all(
            COPY_BUTTONS, "buttons => buttons.map(b => document.querySelector(b.dataset.clipboardTarget).textContent)"
        )
        index = next(i for i, text in enumerate(blocks) if text.lstrip().startswith(">>>"))
        page.locator(COPY_BUTTONS).nth(index).click()
        copied = page.locator(COPY_BUTTONS).nth(index).get_attribute("data-clipboard-text")
    finally:
        page.close()
    # Python's own reading of the example: the sources of its >>> lines, no outputs.
    expected = "".join(example.source for example in doctest.DocTestParser().get_examples(blocks[index]))
    assert copied is not None and ">>>" not in copied
    assert copied.strip() == expected.strip()


# --- The bump widget of *Solving XOR* computes what neuralbook.xor computes --------------
# Its script runs on a bare page (no site build needed); its staircase is compared, point
# by point, with sum_of_bumps of wiggly_curve.

BUMP_WIDGET_SCRIPT = Path(__file__).resolve().parent.parent / "docs" / "javascripts" / "bump-widget.js"
BUMP_WIDGET_PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<div class="bump-widget" data-bumps="5" data-steepness="500"><script src="widget-parts.js"></script><script src="bump-widget.js"></script></div>
</body></html>"""


@pytest.fixture(scope="module")
def widget_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bump-widget")
    shutil.copy(BUMP_WIDGET_SCRIPT, folder / "bump-widget.js")
    shutil.copy(BUMP_WIDGET_SCRIPT.with_name("widget-parts.js"), folder / "widget-parts.js")
    (folder / "index.html").write_text(BUMP_WIDGET_PAGE, encoding="utf-8")
    with serve(folder) as url:
        yield url


def test_bump_widget_draws_the_staircase_of_sum_of_bumps(browser, widget_url):
    from neuralbook.xor import sum_of_bumps, wiggly_curve

    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(widget_url)
        first = page.evaluate("document.querySelector('.bump-widget').bumpWidget.state()")
        assert (first["bumps"], first["steepness"]) == (5, 500), "the data attributes set the start"
        rng = np.random.default_rng(0)
        settings = [(5, 500), (20, 2000), (1, 10), (40, 4000), (80 // 2, 10)]
        settings += [(int(rng.integers(1, 41)), int(rng.integers(1, 401)) * 10) for _ in range(8)]
        for bumps, steepness in settings:
            state = page.evaluate("([m, k]) => document.querySelector('.bump-widget').bumpWidget.set(m, k)",
                                  [bumps, steepness])
            x = np.array(state["x"])
            np.testing.assert_allclose(x, np.linspace(0, 1, len(x)), rtol=0, atol=1e-15)
            expected = sum_of_bumps(wiggly_curve, x, bumps, steepness=float(steepness))
            np.testing.assert_allclose(state["output"], expected, rtol=1e-12, atol=1e-12)
            gap = float(np.abs(expected - wiggly_curve(x)).max())
            assert state["gap"] == pytest.approx(gap, rel=1e-12, abs=1e-12)
            assert f"{gap:.3f}" in page.inner_text(".nb-neuron__score")
        # The reader's way: the keyboard moves the slider of the number of bumps.
        page.evaluate("document.querySelector('.bump-widget').bumpWidget.set(5, 500)")
        page.focus("input[aria-label='number of bumps']")
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        assert page.evaluate("document.querySelector('.bump-widget').bumpWidget.state().bumps") == 8
    finally:
        page.close()
    assert not errors, errors
