"""Tie the book's prose to the package, so that the text cannot lie.

A chapter states numbers in its prose ("σ(2) ≈ 0.8808"). Right after that prose a
Markdown comment, which readers never see, holds Python that computes the same numbers
with the package and *claims* them in the text::

    The sigmoid of 2 is about 0.8808.

    <!-- check
    says("sigmoid of {} is about {}", 2, sigmoid(2.0))
    -->

``says`` looks for its template in the prose between the previous check and this one
(the check's *region*). Every ``{}`` in the template must match a number written in the
text, and that number must be the computed value correctly rounded to the digits the
text shows. After the last example of a page, an audit fails the page if any digit in
its prose is not covered by some claim. Hence changing any number in the prose, adding
one, or changing the package so that a stated number becomes wrong, fails the tests.

For tests of the checker itself, :func:`check_page` runs a page and returns the claims
it made, and :func:`recheck` verifies those recorded claims against a changed text
without running the page's code again.

What counts as prose: everything except fenced code (which runs as a test of its own),
HTML comments and tags, inline code, link targets, display mathematics (formulas, not
worked numbers), and digits that are part of a name (``float32``, ``L2``, ``x_1``).

A page may name a short list of *definitional constants*, numbers that are true by
definition rather than computed (the 28 pixels of an MNIST image's side), each with its
reason, in a comment of its own::

    <!-- constants: 28 (MNIST image side), 255 (largest pixel value) -->

The audit then accepts those numbers, written exactly so, wherever the prose shows them.
A constant without a reason, or one the prose never shows, fails the page; every other
digit must still be claimed.
"""

from __future__ import annotations

import doctest
import re
import unittest
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from sybil import Document, Example, Region, Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

# A number as the prose writes it: an optional minus sign (ASCII or Unicode), digits with
# optional thousands separators, an optional fraction, and an optional power of ten
# written as 1e-5, 1.2 × 10^{-5} or 1.2 \times 10^{-5}.
_MINUS = "[-\u2212]"
NUMBER = (
    rf"{_MINUS}?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?"
    rf"(?:[eE]{_MINUS}?\d+|\s*(?:×|\\times)\s*10\^\{{?{_MINUS}?\d+\}}?)?"
)
_NUMBER_PARTS = re.compile(
    rf"^(?P<mantissa>{_MINUS}?[\d,]+(?:\.\d+)?)"
    rf"(?:[eE](?P<e>{_MINUS}?\d+)|\s*(?:×|\\times)\s*10\^\{{?(?P<pow>{_MINUS}?\d+)\}}?)?$"
)

CONSTANTS_BLOCK = re.compile(r"<!--[ \t]*constants:(?P<body>.*?)-->", re.DOTALL)
# One entry of the list: a number, then its reason in parentheses, then a comma or the end.
_CONSTANT = re.compile(rf"\s*(?P<number>{NUMBER}|\S+?)\s*(?:\((?P<reason>[^()]*)\))?\s*(?:,|$)")

CHECK_BLOCK = re.compile(r"^<!--[ \t]*check[ \t]*\n(?P<source>.*?)^-->[ \t]*$", re.DOTALL | re.MULTILINE)

_FENCED_CODE = re.compile(r"^(?P<fence>[ \t>]*(?:`{3,}|~{3,})).*?^(?P=fence)[ \t]*$", re.DOTALL | re.MULTILINE)

# Parts of a page that are not prose; their digits are not audited.
_NOT_PROSE = [
    re.compile(r"\A---\n.*?\n---\n", re.DOTALL),  # front matter
    _FENCED_CODE,
    re.compile(r"<!--.*?-->", re.DOTALL),  # comments, including check blocks
    re.compile(r"\$\$.*?\$\$", re.DOTALL),  # display mathematics
    re.compile(r"\\\[.*?\\\]", re.DOTALL),
    re.compile(r"`[^`\n]+`"),  # inline code
    re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"),  # link and image targets
    re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.MULTILINE),  # reference-style link targets
    re.compile(r"</?[A-Za-z][^>\n]*>"),  # HTML tags and their attributes
    re.compile(r"\{[ \t]*[:#.][^}\n]*\}"),  # attribute lists such as {#anchor} or { #anchor }
    re.compile(r"^[ \t]*--8<--.*$", re.MULTILINE),  # snippet includes
    # Admonition markers and types (`!!! warning`, `??? success`); their quoted titles are prose.
    re.compile(r"^[ \t]*(?:!!!|\?\?\?\+?)[ \t]*[\w-]*", re.MULTILINE),
    # Sub- and superscripts and commands inside inline mathematics: W^{[2]}, x_1, \frac.
    re.compile(r"[_^](?:\{[^{}]*\}|\\?[A-Za-z0-9])"),
    re.compile(r"\\[A-Za-z]+"),
    re.compile(r"(?<=[A-Za-z_])\d+"),  # digits that are part of a name: float32, L2, x1
]


class ProseCheckError(AssertionError):
    """A number in the prose disagrees with the package, or nobody checks it."""


@dataclass
class Claim:
    """One template matched in the prose, with the text spans of its numbers."""

    template: str
    spans: list[tuple[int, int]]
    values: tuple


@dataclass
class PageState:
    """What the checks of one page have claimed so far."""

    text: str
    path: str
    claims: list[Claim] = field(default_factory=list)

    def claimed(self, start: int, end: int) -> bool:
        return any(s < end and start < e for claim in self.claims for s, e in claim.spans)

    def line_of(self, position: int) -> int:
        return self.text.count("\n", 0, position) + 1


def parse_number(text: str) -> Decimal:
    """Read a number as the prose writes it.

    >>> parse_number("23,860"), parse_number("\u22122.7"), parse_number("3.2 × 10^{-8}")
    (Decimal('23860'), Decimal('-2.7'), Decimal('3.2E-8'))
    """
    match = _NUMBER_PARTS.match(text.strip())
    if match is None:
        raise ValueError(f"not a number: {text!r}")
    mantissa = Decimal(match["mantissa"].replace(",", "").replace("\u2212", "-"))
    exponent = match["e"] or match["pow"]
    if exponent is not None:
        mantissa = mantissa.scaleb(int(exponent.replace("\u2212", "-")))
    return mantissa


def _decimal_places(text: str) -> int:
    """How many decimal places the written number shows (negative for 1.2e5 style)."""
    match = _NUMBER_PARTS.match(text.strip())
    fraction = match["mantissa"].partition(".")[2]
    exponent = match["e"] or match["pow"] or "0"
    return len(fraction) - int(exponent.replace("\u2212", "-"))


def agrees(written: str, value) -> bool:
    """Whether ``value`` rounded to the digits of ``written`` gives ``written``.

    Integers must be equal. A float agrees when rounding it (half up or half to even)
    to as many places as the text shows gives the text's number, so "0.88" agrees
    with 0.8808 but "0.89" and "0.8" do not.

    >>> agrees("0.88", 0.8807970779778823), agrees("0.89", 0.8807970779778823)
    (True, False)
    >>> agrees("23,860", 23860), agrees("1.0", 0.99999999999985)
    (True, True)
    """
    stated = parse_number(written)
    if isinstance(value, bool):
        raise TypeError("a claim needs a number, got a bool")
    if isinstance(value, int) or (hasattr(value, "dtype") and value.dtype.kind in "iu"):
        return stated == int(value)
    try:
        exact = Decimal(repr(float(value)))
    except (InvalidOperation, ValueError):
        return False
    quantum = Decimal(1).scaleb(-_decimal_places(written))
    return any(exact.quantize(quantum, rounding=mode) == stated for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN))


def _literal(piece: str) -> str:
    """A regular expression for literal text in which any run of spaces matches any spacing."""
    return "".join(r"\s+" if part.isspace() else re.escape(part) for part in re.split(r"(\s+)", piece) if part)


def _template_pattern(template: str) -> re.Pattern:
    """A regular expression for a template: literal text, with ``{}`` for each number."""
    number = f"(?<![\\d.])({NUMBER})(?!\\d)"
    return re.compile(number.join(_literal(piece) for piece in template.split("{}")))


def claim(page: PageState, start: int, end: int, template: str, *values) -> Claim:
    """Find ``template`` in ``page.text[start:end]`` and check its numbers against ``values``.

    Raises
    ------
    ProseCheckError
        If the template is not in the region, or a number it matches disagrees.
    """
    if template.count("{}") != len(values):
        raise ValueError(f"template {template!r} has {template.count('{}')} placeholders, got {len(values)} values")
    pattern = _template_pattern(template)
    region = page.text[start:end]
    first_mismatch = None
    for match in pattern.finditer(region):
        spans = [(start + match.start(i), start + match.end(i)) for i in range(1, len(values) + 1)]
        if any(page.claimed(*span) for span in spans):
            continue
        written = [match.group(i) for i in range(1, len(values) + 1)]
        wrong = [(w, v) for w, v in zip(written, values) if not agrees(w, v)]
        if not wrong:
            made = Claim(template, spans, values)
            page.claims.append(made)
            return made
        first_mismatch = first_mismatch or (match, wrong)
    if first_mismatch is not None:
        match, wrong = first_mismatch
        details = "; ".join(f"the text says {w}, the package computes {_show(v)}" for w, v in wrong)
        line = page.line_of(start + match.start())
        raise ProseCheckError(f"{page.path}:{line}: {match.group(0)!r}: {details}")
    line = page.line_of(start)
    raise ProseCheckError(
        f"{page.path}:{line}: the prose before this check does not contain {template!r} "
        f"(with a number at each {{}}), or every match is claimed already"
    )


def check_verdict(page: PageState, start: int, end: int, comparison, expected: str, phrase: str | None = None) -> None:
    """Fail unless the seeds support the conclusion the prose draws.

    ``comparison`` is a [`neuralbook.stats.Comparison`][neuralbook.stats.Comparison]
    computed from the results with [`compare`][neuralbook.stats.compare] (the page says
    there whether the seeds are shared, ``paired=``); the verdict is reached by its 95%
    interval; ``expected`` is the verdict the prose states
    (``"better"``, ``"worse"`` or ``"no measurable difference"``). If ``phrase`` is
    given, the prose of the region must contain it (the words that state the verdict,
    such as "within the noise of the seeds"), so that words and data are tied together.
    A verdict whose interval's edge is near zero
    ([`Comparison.borderline`][neuralbook.stats.Comparison]) must be called borderline.
    """
    from neuralbook.stats import VERDICTS

    if expected not in VERDICTS:
        raise ValueError(f"unknown verdict {expected!r}; expected one of {VERDICTS}")
    line = page.line_of(start)
    if comparison.verdict != expected:
        raise ProseCheckError(
            f"{page.path}:{line}: the prose concludes {expected!r}, but the seeds say {comparison.verdict!r} "
            f"({'paired' if comparison.paired else 'unpaired'} difference {comparison.difference:+.5f}, "
            f"95% interval {comparison.interval[0]:+.5f} to {comparison.interval[1]:+.5f}, "
            f"{comparison.first.count} and {comparison.second.count} seeds)"
        )
    if phrase is not None and not re.search(_literal(phrase), page.text[start:end]):
        raise ProseCheckError(f"{page.path}:{line}: the prose before this check does not say {phrase!r}")
    if comparison.borderline and not re.search(r"\bborderline\b", page.text[start:end], re.IGNORECASE):
        raise ProseCheckError(
            f"{page.path}:{line}: the interval's edge is near zero (p = {comparison.p_value:.3f}), "
            "so the prose before this check must call the verdict borderline"
        )


def _show(value) -> str:
    try:
        return repr(float(value)) if not isinstance(value, int) else str(value)
    except (TypeError, ValueError):
        return repr(value)


def page_constants(text: str, path: str = "<text>") -> dict[str, str]:
    """The definitional constants a page lists, as written number -> reason.

    >>> page_constants("<!-- constants: 28 (MNIST image side), 255 (largest pixel value) -->")
    {'28': 'MNIST image side', '255': 'largest pixel value'}

    Raises
    ------
    ProseCheckError
        If an entry is not a number followed by its reason in parentheses.
    """
    constants = {}
    fences = [(m.start(), m.end()) for m in _FENCED_CODE.finditer(text)]
    for block in CONSTANTS_BLOCK.finditer(text):
        if any(start <= block.start() < end for start, end in fences):
            continue  # an example of the syntax, shown as code
        body = block["body"].strip()
        line = text.count("\n", 0, block.start()) + 1
        position = 0
        while position < len(body):
            entry = _CONSTANT.match(body, position)
            if entry is None or entry.end() == position:
                raise ProseCheckError(f"{path}:{line}: cannot read the constants list at {body[position:]!r}")
            number, reason = entry["number"], (entry["reason"] or "").strip()
            try:
                parse_number(number)
            except ValueError:
                raise ProseCheckError(f"{path}:{line}: constant {number!r} is not a number") from None
            if not reason:
                raise ProseCheckError(
                    f"{path}:{line}: constant {number} has no reason; write it as {number} (why it is a constant)"
                )
            constants[number] = reason
            position = entry.end()
    return constants


def _prose_mask(text: str) -> bytearray:
    """One byte per character of ``text``: 1 where it is not prose."""
    mask = bytearray(len(text))
    for pattern in _NOT_PROSE:
        for match in pattern.finditer(text):
            mask[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    return mask


def _constant_spans(page: PageState, mask: bytearray) -> list[tuple[int, int]]:
    """Where the prose shows one of the page's constants; fails on a constant it never shows."""
    constants = page_constants(page.text, page.path)
    spans, shown = [], set()
    for match in re.finditer(rf"(?<![\d.,]){NUMBER}(?![\d])", page.text):
        if match.group(0) in constants and not all(mask[match.start() : match.end()]):
            spans.append((match.start(), match.end()))
            shown.add(match.group(0))
    unused = [number for number in constants if number not in shown]
    if unused:
        raise ProseCheckError(f"{page.path}: constants listed but never in the prose: {', '.join(unused)}")
    return spans


def unclaimed_numbers(page: PageState) -> list[str]:
    """Describe every run of digits in the prose that no claim and no listed constant covers."""
    mask = _prose_mask(page.text)
    for start, end in _constant_spans(page, mask):
        mask[start:end] = b"\x01" * (end - start)
    problems = []
    for match in re.finditer(r"\d+", page.text):
        if all(mask[match.start() : match.end()]):
            continue
        if page.claimed(match.start(), match.end()):
            continue
        line_start = page.text.rfind("\n", 0, match.start()) + 1
        line_end = page.text.find("\n", match.end())
        line = page.text[line_start : line_end if line_end != -1 else None].strip()
        problems.append(f"{page.path}:{page.line_of(match.start())}: {match.group(0)!r} in: {line[:120]}")
    return problems


# --- Sybil integration ------------------------------------------------------------------

_STATE_KEY = "_bookcheck_page"


def _page(example: Example) -> PageState:
    namespace = example.namespace
    if _STATE_KEY not in namespace:
        namespace[_STATE_KEY] = PageState(example.document.text, example.document.path)
    return namespace[_STATE_KEY]


def check_blocks(text: str) -> list[re.Match]:
    """The ``<!-- check`` blocks of a page, except those shown inside fenced code."""
    fences = [(m.start(), m.end()) for m in _FENCED_CODE.finditer(text)]
    return [
        match
        for match in CHECK_BLOCK.finditer(text)
        if not any(start <= match.start() < end for start, end in fences)
    ]


def _previous_check_end(text: str, position: int) -> int:
    """Where the region of the check starting at ``position`` begins."""
    ends = [match.end() for match in check_blocks(text) if match.end() <= position]
    return ends[-1] if ends else 0


def evaluate_check(example: Example) -> None:
    """Run one check block with ``says`` bound to the prose of its region."""
    page = _page(example)
    start = _previous_check_end(page.text, example.region.start)
    end = example.region.start

    def says(template: str, *values) -> None:
        claim(page, start, end, template, *values)

    def verdict(comparison, expected: str, phrase: str | None = None) -> None:
        check_verdict(page, start, end, comparison, expected, phrase)

    namespace = example.namespace
    namespace["says"] = says
    namespace["verdict"] = verdict
    code = compile(example.parsed, f"{example.path} (check at line {example.line})", "exec")
    try:
        exec(code, namespace)
    finally:
        namespace.pop("says", None)
        namespace.pop("verdict", None)


def evaluate_audit(example: Example) -> None:
    """After the last example of a page: every number in the prose must be claimed."""
    problems = unclaimed_numbers(_page(example))
    if problems:
        raise ProseCheckError("numbers in the prose that no check claims:\n" + "\n".join(problems))


def parse_checks(document: Document):
    """Sybil parser: one region per ``<!-- check`` block, then the audit at the end."""
    for match in check_blocks(document.text):
        # Line numbers in tracebacks should point into the page.
        source = "\n" * document.text.count("\n", 0, match.start("source")) + match["source"]
        yield Region(match.start(), match.end(), source, evaluate_check)
    end = len(document.text)
    yield Region(end, end, None, evaluate_audit)


class BookCodeBlockParser(PythonCodeBlockParser):
    """Python code blocks and ``>>>`` examples, except listings embedded from the package.

    A listing such as ``--8<-- "neuralbook/activations.py:sigmoid"`` is the package's own
    code, tested where it lives; here it is only shown.
    """

    def __call__(self, document: Document):
        for region in super().__call__(document):
            if "--8<--" not in str(region.parsed):
                yield region


DOCTEST_FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def book_sybil(path: str = "docs") -> Sybil:
    """The Sybil that runs a chapter: its code, its examples, its checks and the audit."""
    return Sybil(
        parsers=[BookCodeBlockParser(doctest_optionflags=DOCTEST_FLAGS), SkipParser(), parse_checks],
        patterns=["*.md"],
        path=path,
        setup=_setup_namespace,
    )


def _setup_namespace(namespace: dict) -> None:
    """Names the hidden checks may use without importing them.

    The visible examples get nothing from here: ``tests/test_examples_as_printed.py``
    runs them on their own in a fresh Python, as a reader would paste them.
    """
    import numpy as np

    namespace["np"] = np
    namespace["mnist_missing"] = mnist_missing


def mnist_missing() -> bool:
    """Whether the full MNIST files are out of reach, for ``<!-- skip: next if(mnist_missing(), ...) -->``.

    With ``NEURALBOOK_REQUIRE_DATA=1`` (as in CI) the answer is always no, so that an
    example that needs the data runs, and fails loudly if the data is not there.
    """
    import os

    from neuralbook.datasets import locate_mnist

    if os.environ.get("NEURALBOOK_REQUIRE_DATA") == "1":
        return False
    try:
        locate_mnist(download=False, progress=False)
    except Exception:  # not there, or not readable: the example cannot run here
        return True
    return False


@dataclass
class PageRun:
    """The outcome of running one page: its failures and the claims its checks made."""

    text: str
    path: str
    failures: list[str]
    claims: list[Claim]


def run_page(path: str | Path, text: str | None = None) -> list[str]:
    """Run every example of one page; return the failures as messages (empty if all pass).

    ``text`` replaces the page's content, which lets a test check that a changed number
    is caught.
    """
    return check_page(path, text).failures


def check_page(path: str | Path, text: str | None = None) -> PageRun:
    """Like :func:`run_page`, but also return the claims the page's checks made.

    The claims can be verified again against a changed text with :func:`recheck`,
    without running the page's code again.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8") if text is None else text
    document = Document(text, str(path))
    sybil = book_sybil(str(path.parent))
    for parser in sybil.parsers:
        for region in parser(document):
            document.add(region)
    _setup_namespace(document.namespace)
    failures = []
    for example in document.examples():
        try:
            result = example.evaluate()
        except unittest.SkipTest:  # an example that cannot run here (no MNIST files): not a failure
            continue
        except Exception as error:  # a failing example: record it and go on
            failures.append(f"line {example.line}: {type(error).__name__}: {error}")
        else:
            if result:
                failures.append(f"line {example.line}: {result}")
    state = document.namespace.get(_STATE_KEY)
    claims = list(state.claims) if state is not None else []
    return PageRun(text, str(path), failures, claims)


def recheck(claims: list[Claim], text: str, path: str = "<text>") -> list[str]:
    """Verify recorded claims against ``text``; return the ones that no longer hold.

    Each claim remembers where its numbers stood in the text it was made against and
    the values the package computed. Here each span of ``text`` must still be a number
    that agrees with its value. Use it on a text that differs from the original only
    inside numbers of the same length (a changed digit), so that the spans still line up.

    >>> page = PageState("sigma(2) is 0.8808.", "demo.md")
    >>> made = claim(page, 0, len(page.text), "sigma({}) is {}", 2, 0.8807970779778823)
    >>> recheck(page.claims, "sigma(2) is 0.8808.")
    []
    >>> recheck(page.claims, "sigma(2) is 0.8809.")
    ["<text>:1: the text says 0.8809, the package computes 0.8807970779778823 (template 'sigma({}) is {}')"]
    """
    problems = []
    page = PageState(text, path)
    for made in claims:
        for (start, end), value in zip(made.spans, made.values):
            written = text[start:end]
            try:
                ok = agrees(written, value)
            except ValueError:
                ok = False
            if not ok:
                problems.append(
                    f"{path}:{page.line_of(start)}: the text says {written}, the package computes "
                    f"{_show(value)} (template {made.template!r})"
                )
    return problems
