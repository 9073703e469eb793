"""The appendices point at things that exist, and the self-check covers every chapter.

MkDocs only reports a link to a missing *anchor* at INFO level, so ``--strict`` does not
catch it. Here every ``page.md#anchor`` link of an appendix is resolved independently:
the target page is rendered with Python-Markdown's ``toc`` extension (the one MkDocs
uses to make heading ids) and the anchor must be among its ids.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import markdown
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
APPENDIX = DOCS / "appendix"
PAGES = sorted(APPENDIX.glob("*.md"))

# The chapters of the book, in the order of the navigation (Parts I to IV), the capstone project included.
CHAPTERS = [
    "perceptron.md",
    "activations.md",
    "one-neuron.md",
    "forward-propagation.md",
    "loss-functions.md",
    "backpropagation.md",
    "optimizers.md",
    "xor.md",
    "mnist-data.md",
    "first-network.md",
    "training-better.md",
    "tuning.md",
    "draw-a-digit.md",
    "capstone.md",
]

_LINK = re.compile(r"\]\((?P<target>[^)\s#]*)(?:#(?P<anchor>[^)\s]+))?\)")
_FENCE = re.compile(r"^(?P<fence>[ \t]*(?:`{3,}|~{3,})).*?^(?P=fence)[ \t]*$", re.DOTALL | re.MULTILINE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _prose(text: str) -> str:
    """The page without fenced code and comments (check blocks)."""
    return _COMMENT.sub("", _FENCE.sub("", text))


def heading_ids(path: Path) -> set[str]:
    """The ids MkDocs gives the headings of a page (and explicit ``{ #id }`` anchors)."""
    md = markdown.Markdown(
        extensions=["toc", "attr_list", "admonition", "pymdownx.details", "pymdownx.superfences",
                    "def_list", "tables", "md_in_html", "pymdownx.arithmatex"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}, "toc": {"permalink": True}},
    )
    html = md.convert(path.read_text(encoding="utf-8"))
    return set(re.findall(r'\sid="([^"]+)"', html))


def links(path: Path) -> list[tuple[Path, str | None]]:
    """Every relative Markdown link of a page: (target file, anchor or None)."""
    found = []
    for match in _LINK.finditer(_prose(path.read_text(encoding="utf-8"))):
        target, anchor = match["target"], match["anchor"]
        if target.startswith(("http:", "https:", "mailto:")):
            continue
        found.append(((path.parent / target).resolve() if target else path.resolve(), anchor))
    return found


def test_heading_ids_follow_mkdocs_slugs(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## Why non-linearity?\n\n## Adam\n\n### Why bias correction?\n")
    assert {"why-non-linearity", "adam", "why-bias-correction"} <= heading_ids(page)


def test_links_finds_targets_and_anchors(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("See [a](other.md#part) and [b](#here).\n\n```\n[c](code.md#no)\n```\n")
    assert links(page) == [((tmp_path / "other.md").resolve(), "part"), (page.resolve(), "here")]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_link_and_anchor_exists(page):
    broken = []
    for target, anchor in links(page):
        if target.suffix != ".md":
            continue
        if not target.is_file():
            broken.append(f"{target.relative_to(DOCS)}: no such page")
        elif anchor is not None and anchor not in heading_ids(target):
            broken.append(f"{target.relative_to(DOCS)}#{anchor}: no such anchor")
    assert not broken, f"{page.name} links to things that do not exist:\n" + "\n".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_api_cross_references_name_real_objects(page):
    """``[text][neuralbook.module.object]`` must name an importable object."""
    import importlib

    missing = []
    for identifier in re.findall(r"\]\[(neuralbook(?:\.\w+)+)\]", _prose(page.read_text(encoding="utf-8"))):
        parts = identifier.split(".")
        for split in range(len(parts), 1, -1):
            try:
                obj = importlib.import_module(".".join(parts[:split]))
            except ImportError:
                continue
            try:
                for name in parts[split:]:
                    obj = getattr(obj, name)
            except AttributeError:
                missing.append(identifier)
            break
        else:
            missing.append(identifier)
    assert not missing, f"{page.name} refers to objects that do not exist: {missing}"


def test_self_check_has_four_to_six_answered_questions_per_chapter():
    text = (APPENDIX / "self-check.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    counts = {}
    for section in sections:
        heading = section.splitlines()[0]
        target = re.search(r"\]\(\.\./([\w-]+\.md)\)", heading)
        assert target, f"self-check section {heading!r} does not link to its chapter"
        questions = len(re.findall(r"^\*\*Q\d+\.", section, flags=re.MULTILINE))
        answers = len(re.findall(r'^\?\?\? success "Answer"', section, flags=re.MULTILINE))
        assert questions == answers, f"{heading}: {questions} questions but {answers} answers"
        counts[target[1]] = questions
    assert list(counts) == CHAPTERS, f"self-check sections {list(counts)} are not the chapters {CHAPTERS}"
    wrong = {chapter: n for chapter, n in counts.items() if not 4 <= n <= 6}
    assert not wrong, f"chapters with fewer than four or more than six questions: {wrong}"


def test_interview_answers_are_collapsible():
    text = (APPENDIX / "interview.md").read_text(encoding="utf-8")
    questions = re.findall(r'^\?\?\? (?:question|success|note) "', text, flags=re.MULTILINE)
    assert len(questions) >= 10


# --- The appendices state the chapters' rules, and both take them from neuralbook.rules ---


def _flat(path: Path) -> str:
    """The prose of a page with every run of whitespace made one space."""
    return re.sub(r"\s+", " ", _prose(path.read_text(encoding="utf-8")))


def test_gradient_check_threshold_is_the_chapters_everywhere():
    from neuralbook import gradcheck
    from neuralbook.rules import GRADIENT_CHECK_FAILURE, GRADIENT_CHECK_THRESHOLD

    good, bad = round(math.log10(GRADIENT_CHECK_THRESHOLD)), round(math.log10(GRADIENT_CHECK_FAILURE))
    rule = f"around $10^{{{good}}}$ or below"
    for page in (DOCS / "backpropagation.md", APPENDIX / "cheat-sheet.md", APPENDIX / "self-check.md",
                 APPENDIX / "interview.md"):
        assert rule in _flat(page), f"{page.name} does not state the gradient-check rule {rule!r}"
        assert f"around $10^{{{bad}}}$" in _flat(page), f"{page.name} does not say when a check fails"
    assert f"around 1e{good} or below" in " ".join(gradcheck.__doc__.split())


def test_learning_rate_grid_is_the_chapters_everywhere():
    from neuralbook.rules import LEARNING_RATE_GRID_FACTOR

    assert round(LEARNING_RATE_GRID_FACTOR) == 3
    assert "a factor of about three apart" in _flat(DOCS / "optimizers.md")
    for page in (APPENDIX / "common-mistakes.md", APPENDIX / "interview.md"):
        assert "a factor of about three apart" in _flat(page), f"{page.name} states another grid"
    for page in PAGES:
        assert "factor of ten apart" not in _flat(page), f"{page.name} still spaces the grid by ten"


def test_error_sign_is_prediction_minus_label():
    from neuralbook.rules import output_error

    assert output_error([1.0], [0.0])[0] == 1.0
    wrong = re.compile(r"\((?:t - y|y - \\hat ?y|y - \\hat\{y\})\)")
    for page in PAGES:
        found = wrong.findall(_flat(page))
        assert not found, f"{page.name} writes the error as label minus prediction: {found}"
    assert r"w \leftarrow w - \eta\,(\hat y - y)\,x" in _flat(APPENDIX / "self-check.md")
    assert r"w \leftarrow w - \eta\,(\hat y - y)\,x" in _flat(APPENDIX / "glossary.md")


def test_initialisation_for_each_activation_is_the_chapters():
    from neuralbook.rules import INIT_FOR_ACTIVATION

    names = {"he": "He", "xavier": "Xavier", "nielsen": "Nielsen"}
    chapter = _flat(DOCS / "backpropagation.md")
    assert "For tanh near zero" in chapter and "The logistic sigmoid does not fit this assumption" in chapter
    cheat = _flat(APPENDIX / "cheat-sheet.md")
    rule = (f"{names[INIT_FOR_ACTIVATION['tanh']]} for tanh, "
            f"{names[INIT_FOR_ACTIVATION['sigmoid']]} for sigmoid")
    assert rule in cheat, f"the cheat sheet does not state {rule!r}"
    assert f"| ReLU | | {names[INIT_FOR_ACTIVATION['relu']]} |" in cheat
    assert f"| leaky ReLU | | {names[INIT_FOR_ACTIVATION['leaky_relu']]} |" in cheat
    assert r"& 0 & \text{tanh} \\" in cheat and r"\text{tanh, sigmoid}" not in cheat
    mistakes = _flat(APPENDIX / "common-mistakes.md")
    assert "Xavier for tanh, $\\mathcal N(0, 1/n_{\\text{in}})$ for sigmoid" in mistakes


def test_l2_is_weight_decay_only_with_sgd_everywhere():
    from neuralbook.rules import l2_is_weight_decay

    assert l2_is_weight_decay("sgd") and not l2_is_weight_decay("adam")
    assert "## L2 is not weight decay, with Adam" in (DOCS / "training-better.md").read_text(encoding="utf-8")
    for page in ("cheat-sheet.md", "glossary.md", "interview.md"):
        text = _flat(APPENDIX / page)
        assert "AdamW" in text, f"{page} does not name AdamW"
        assert re.search(r"[Ww]ith Adam,? it is not|L2 is not weight decay, with Adam", text), \
            f"{page} does not say that L2 is not weight decay with Adam"
    assert "L2 regularisation, weight decay\n" not in (APPENDIX / "glossary.md").read_text(encoding="utf-8")


def test_every_bibliography_entry_is_cited_and_every_citation_has_an_entry():
    bibliography = (APPENDIX / "bibliography.md").read_text(encoding="utf-8")
    entries = set(re.findall(r"^\{ #([\w-]+) \}$", bibliography, flags=re.MULTILINE))
    assert len(entries) > 40, "the entries' anchors were not found"
    cited = set()
    for page in sorted(DOCS.rglob("*.md")):
        text = _prose(page.read_text(encoding="utf-8"))
        if page.name == "bibliography.md":
            cited |= set(re.findall(r"\]\(#([\w-]+)\)", text))
        else:
            cited |= set(re.findall(r"bibliography\.md#([\w-]+)\)", text))
    assert not entries - cited, f"bibliography entries nobody cites: {sorted(entries - cited)}"
    # A link may also name one of the page's own sections ("Who introduced what").
    sections = {re.sub(r"[^\w\s-]", "", title).strip().lower().replace(" ", "-")
                for title in re.findall(r"^##+ (.+)$", bibliography, flags=re.MULTILINE)}
    assert not cited - entries - sections, f"citations without a bibliography entry: {sorted(cited - entries - sections)}"
