"""The bump widget of *Solving XOR* computes what neuralbook.xor computes.

The widget's script runs in headless Chromium on a bare page (no site build needed), and
its staircase is compared, point by point, with [`sum_of_bumps`][neuralbook.xor.sum_of_bumps]
of [`wiggly_curve`][neuralbook.xor.wiggly_curve]. The chapter's own page, with the widget
in it, is loaded by the site-wide tests of ``test_browser.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from test_browser import browser, serve  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.browser

SCRIPT = Path(__file__).resolve().parent.parent / "docs" / "javascripts" / "bump-widget.js"
PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<div class="bump-widget" data-bumps="5" data-steepness="500"><script src="bump-widget.js"></script></div>
</body></html>"""


@pytest.fixture(scope="module")
def widget_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bump-widget")
    shutil.copy(SCRIPT, folder / "bump-widget.js")
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    with serve(folder) as url:
        yield url


def test_bump_widget_draws_the_staircase_of_sum_of_bumps(browser, widget_url):  # noqa: F811
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
