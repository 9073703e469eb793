"""How much of a page the tests verify, counted with the checker's own parsing.

The build writes the counts on each chapter ("37 numbers and 6 examples on this page
are checked ..."). They are counted with ``tools/bookcheck.py``'s definitions, never a
copy of them: what the audit treats as prose, the numbers it must see claimed, and the
examples Sybil runs. The audit fails a page on any number of its prose that no check
claims, so every number counted here is one that a check has tied to the package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sybil import Document

import bookcheck

__all__ = ["PageChecks", "page_checks", "verified_sentence"]


@dataclass(frozen=True)
class PageChecks:
    """What the tests verify on one page."""

    numbers: int
    examples: int
    checks: int


def _prose_mask(text: str) -> bytearray:
    mask = bytearray(len(text))
    for pattern in bookcheck._NOT_PROSE:
        for match in pattern.finditer(text):
            mask[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    return mask


def page_checks(text: str, path: str = "page.md") -> PageChecks:
    """Count the numbers of a page's prose, its examples and its check blocks.

    >>> page_checks("The sigmoid of 2 is 0.8808, see `x = 3`.\\n\\n<!-- check\\nsays('x')\\n-->\\n")
    PageChecks(numbers=2, examples=0, checks=1)
    """
    mask = _prose_mask(text)
    numbers = 0
    for match in re.finditer(rf"(?<![\d.])(?:{bookcheck.NUMBER})(?!\d)", text):
        digits = [m.start() for m in re.finditer(r"\d", match.group(0))]
        if any(not mask[match.start() + offset] for offset in digits):
            numbers += 1
    document = Document(text, path)
    parser = bookcheck.BookCodeBlockParser(doctest_optionflags=bookcheck.DOCTEST_FLAGS)
    examples = sum(1 for _ in parser(document))
    return PageChecks(numbers, examples, len(bookcheck.check_blocks(text)))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def verified_sentence(checks: PageChecks, version: str) -> str | None:
    """The sentence a chapter shows about what is verified on it, or None if nothing is.

    >>> verified_sentence(PageChecks(37, 6, 12), "0.2")
    '37 numbers and 6 examples on this page are checked against neuralbook 0.2 by the tests that every change to the book must pass.'
    >>> verified_sentence(PageChecks(1, 0, 1), "0.2")
    '1 number on this page is checked against neuralbook 0.2 by the tests that every change to the book must pass.'
    """
    counts = [(n, noun) for n, noun in ((checks.numbers, "number"), (checks.examples, "example")) if n]
    if not counts:
        return None
    parts = [_count(n, noun) for n, noun in counts]
    verb = "is" if counts == [(1, counts[0][1])] else "are"
    return (
        f"{' and '.join(parts)} on this page {verb} checked against neuralbook {version} "
        "by the tests that every change to the book must pass."
    )
