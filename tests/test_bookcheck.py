"""The prose checker bites: wrong, changed or unchecked numbers fail the book.

Three layers: unit tests of the checker's pieces; for every chapter with checks, each
claimed number is changed by one digit and the recorded claims must then fail (without
running the chapter's code again); and end to end, a changed or an added number in a
real chapter fails :func:`bookcheck.run_page`.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

import bookcheck
from bookcheck import CHECK_BLOCK, PageState, ProseCheckError, agrees, check_page, claim, parse_number, recheck, run_page
from bookcheck import unclaimed_numbers

DOCS = Path(__file__).resolve().parent.parent / "docs"


# --- the pieces -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("23,860", Decimal("23860")),
        ("\u22122.7", Decimal("-2.7")),
        ("-2.7", Decimal("-2.7")),
        ("0.0066", Decimal("0.0066")),
        ("1e-5", Decimal("1E-5")),
        ("9.5E3", Decimal("9500")),
        ("3.2 × 10^{-8}", Decimal("3.2E-8")),
        (r"1.2 \times 10^{5}", Decimal("1.2E5")),
        ("10^6", None),  # a bare power is not "mantissa × 10^k"
    ],
)
def test_parse_number(text, value):
    if value is None:
        with pytest.raises(ValueError):
            parse_number(text)
    else:
        assert parse_number(text) == value


@pytest.mark.parametrize("text", ["abc", "", "1.2.3", "0.5%"])
def test_parse_number_rejects_what_is_not_a_number(text):
    with pytest.raises(ValueError, match="not a number"):
        parse_number(text)


@pytest.mark.parametrize(
    ("written", "value", "expected"),
    [
        ("0.8808", 0.8807970779778823, True),
        ("0.881", 0.8807970779778823, True),
        ("0.88", 0.8807970779778823, True),
        ("0.8807", 0.8807970779778823, False),  # truncated, not rounded
        ("0.89", 0.8807970779778823, False),
        ("0.0066", 0.006648056670790033, True),  # σ'(5)
        ("0.0067", 0.006648056670790033, False),
        ("1.0", 0.99999999999985, True),
        ("1", 0.99999999999985, True),
        ("0.2", 0.25, True),  # exactly half: either rounding is accepted
        ("0.3", 0.25, True),
        ("0.4", 0.25, False),
        ("5", 5, True),  # integers must be equal
        ("5", np.int64(5), True),
        ("5", 6, False),
        ("5", 5.4, True),  # a float shown with no decimals is rounded
        ("5", 5.6, False),
        ("-2.7", -2.7, True),
        ("\u22122.7", -2.7, True),
        ("2.7", -2.7, False),
        ("3.2 × 10^{-8}", 3.24e-8, True),
        ("3.2 × 10^{-8}", 3.26e-8, False),
        ("9.5e-7", 9.5367431640625e-07, True),
        ("23,860", 23860, True),
        ("0.5", float("nan"), False),
        ("0.5", np.float32(0.5), True),
    ],
)
def test_agrees_rounds_correctly_and_integers_are_exact(written, value, expected):
    assert agrees(written, value) is expected


def test_agrees_refuses_a_bool():
    with pytest.raises(TypeError):
        agrees("1", True)


def page_of(text: str) -> PageState:
    return PageState(text, "page.md")


def test_claim_records_the_spans_of_its_numbers():
    page = page_of("At $z = 2$ the value is 0.8808.")
    made = claim(page, 0, len(page.text), "At $z = {}$ the value is {}", 2, 0.8807970779778823)
    assert [page.text[s:e] for s, e in made.spans] == ["2", "0.8808"]
    assert page.claims == [made]


def test_claim_names_the_wrong_number():
    page = page_of("The slope is 0.0067 there.")
    with pytest.raises(ProseCheckError, match=r"page.md:1: .*the text says 0.0067, the package computes 0.00664"):
        claim(page, 0, len(page.text), "slope is {}", 0.006648056670790033)


def test_claim_looks_only_in_its_region():
    page = page_of("first 1.5\nsecond 2.5\n")
    with pytest.raises(ProseCheckError, match="does not contain"):
        claim(page, 0, 10, "second {}", 2.5)
    claim(page, 10, len(page.text), "second {}", 2.5)


def test_claim_takes_each_occurrence_once():
    page = page_of("value 3, value 3.")
    claim(page, 0, len(page.text), "value {}", 3)
    claim(page, 0, len(page.text), "value {}", 3)
    with pytest.raises(ProseCheckError, match="claimed already"):
        claim(page, 0, len(page.text), "value {}", 3)


def test_claim_needs_one_value_per_placeholder():
    with pytest.raises(ValueError, match="placeholders"):
        claim(page_of("a 1 b 2"), 0, 7, "a {} b {}", 1)


def test_claim_does_not_match_part_of_a_number():
    page = page_of("it is 12.5 here")
    with pytest.raises(ProseCheckError):
        claim(page, 0, len(page.text), "is {} here", 2.5)


def test_admonition_titles_are_prose_but_their_markers_are_not():
    page = page_of('!!! warning "The value 0.21 is wrong"\n\n    Body with 5.\n\n??? success "Solution"\n')
    found = [re.search(r"'(\d+)'", line).group(1) for line in unclaimed_numbers(page)]
    assert found == ["0", "21", "5"]


def test_unclaimed_numbers_sees_prose_digits_only():
    text = (
        "Prose has 42 and 7.\n\n"
        "```python\nx = 99\n```\n\n"
        "Inline `y = 98`, a name float32, $W^{[2]}$ and $x_3$, a [link](page3.md).\n\n"
        "$$\nz = 97\n$$\n\n"
        "<!-- a comment with 96 -->\n"
    )
    page = page_of(text)
    found = unclaimed_numbers(page)
    assert [re.search(r"'(\d+)'", line).group(1) for line in found] == ["42", "7"]
    assert found[0].startswith("page.md:1: '42' in: Prose has 42 and 7.")
    claim(page, 0, len(text), "has {} and {}", 42, 7)
    assert unclaimed_numbers(page) == []


def test_attribute_lists_are_not_prose_with_or_without_a_space():
    page = page_of("Entry (1943). { #mcculloch-1943 }\n\nOther {#hebb-1949}.\n")
    assert [re.search(r"'(\d+)'", line).group(1) for line in unclaimed_numbers(page)] == ["1943"]


_CONSTANTS_PAGE = "An image has 28 × 28 pixels, each from 0 to 255.\n\n<!-- constants: {listed} -->\n"


def test_listed_constants_with_reasons_are_accepted():
    page = page_of(_CONSTANTS_PAGE.format(listed="28 (MNIST image side), 0 (darkest pixel), 255 (largest pixel value)"))
    assert unclaimed_numbers(page) == []
    assert bookcheck.page_constants(page.text) == {
        "28": "MNIST image side", "0": "darkest pixel", "255": "largest pixel value",
    }


def test_a_constant_not_listed_is_still_flagged():
    page = page_of(_CONSTANTS_PAGE.format(listed="28 (MNIST image side), 0 (darkest pixel)"))
    found = unclaimed_numbers(page)
    assert [re.search(r"'(\d+)'", line).group(1) for line in found] == ["255"]


def test_a_constant_matches_only_the_whole_number_written_so():
    page = page_of("Sides of 28, 0.28, 280 and 2.8.\n\n<!-- constants: 28 (MNIST image side) -->\n")
    found = [re.search(r"'(\d+)'", line).group(1) for line in unclaimed_numbers(page)]
    assert found == ["0", "28", "280", "2", "8"]


@pytest.mark.parametrize("listed", ["28", "28 ()", "28 (MNIST image side), 255", "28 (   )"])
def test_a_listed_constant_with_no_reason_is_refused(listed):
    page = page_of(_CONSTANTS_PAGE.format(listed=listed))
    with pytest.raises(ProseCheckError, match="no reason"):
        unclaimed_numbers(page)


def test_a_constant_that_is_not_a_number_or_never_shown_is_refused():
    with pytest.raises(ProseCheckError, match="not a number"):
        unclaimed_numbers(page_of(_CONSTANTS_PAGE.format(listed="many (lots)")))
    with pytest.raises(ProseCheckError, match="never in the prose: 784"):
        unclaimed_numbers(page_of(_CONSTANTS_PAGE.format(listed="28 (side), 0 (dark), 255 (light), 784 (pixels)")))


def test_a_constants_list_shown_as_code_lists_nothing():
    text = "```markdown\n<!-- constants: 28 (MNIST image side) -->\n```\n\nA side of 28.\n"
    assert bookcheck.page_constants(text) == {}
    assert len(unclaimed_numbers(page_of(text))) == 1


def test_a_listed_constant_does_not_exempt_a_page_end_to_end(tmp_path):
    path = tmp_path / "constants.md"
    path.write_text(_CONSTANTS_PAGE.format(listed="28 (MNIST image side), 0 (darkest pixel)"), encoding="utf-8")
    failures = run_page(path)
    assert len(failures) == 1 and "'255'" in failures[0] and "'28'" not in failures[0], failures


def test_recheck_of_unchanged_and_changed_text():
    text = "sigma(2) is 0.8808 and sigma(0) is 0.5."
    page = page_of(text)
    claim(page, 0, len(text), "sigma({}) is {}", 2, 0.8807970779778823)
    claim(page, 0, len(text), "sigma({}) is {}", 0, 0.5)
    assert recheck(page.claims, text) == []
    problems = recheck(page.claims, text.replace("0.5", "0.6"), "page.md")
    assert len(problems) == 1 and "the text says 0.6" in problems[0]


# --- every chapter: each claimed number, changed by one digit, fails ----------------------


def chapters_with_checks() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if CHECK_BLOCK.search(p.read_text(encoding="utf-8")))


@functools.cache
def checked(path: Path) -> bookcheck.PageRun:
    return check_page(path)


def with_one_digit_changed(text: str, start: int, end: int) -> tuple[str, str]:
    """Change the last digit of the mantissa of the number at ``text[start:end]`` by 5."""
    written = text[start:end]
    mantissa_end = re.match(r"[-\u2212]?[\d,]+(?:\.\d+)?", written).end()
    position = start + mantissa_end - 1
    digit = str((int(text[position]) + 5) % 10)
    changed = text[:position] + digit + text[position + 1 :]
    return changed, changed[start:end]


def test_the_checked_chapters_include_part_one():
    names = {p.name for p in chapters_with_checks()}
    assert {"perceptron.md", "activations.md"} <= names


@pytest.mark.parametrize("path", chapters_with_checks(), ids=lambda p: str(p.relative_to(DOCS)))
def test_each_claimed_number_changed_by_one_digit_fails(path):
    run = checked(path)
    assert run.failures == [], "the chapter itself fails:\n" + "\n".join(run.failures)
    assert run.claims, "a chapter with checks must claim numbers"
    assert recheck(run.claims, run.text, run.path) == []
    missed = []
    spans = [span for made in run.claims for span in made.spans]
    for start, end in spans:
        changed, now = with_one_digit_changed(run.text, start, end)
        problems = recheck(run.claims, changed, run.path)
        if not any(f"the text says {now}," in problem for problem in problems):
            missed.append(f"{run.text[start:end]} -> {now} at offset {start}")
    assert not missed, "changed numbers that no claim caught:\n" + "\n".join(missed)


# --- end to end on a real chapter -----------------------------------------------------------


def test_a_changed_number_in_a_chapter_fails_the_page():
    path = DOCS / "activations.md"
    text = path.read_text(encoding="utf-8")
    assert run_page(path, text) == []
    stated = "0.0066"  # σ'(5), correctly rounded; 0.0067 is a common misstatement
    assert stated in text
    failures = run_page(path, text.replace(stated, "0.0067", 1))
    assert failures, "a wrong number passed"
    assert any("0.0067" in failure for failure in failures), failures


def test_an_unchecked_number_in_a_chapter_fails_the_audit():
    path = DOCS / "activations.md"
    text = path.read_text(encoding="utf-8") + "\nA number nobody checks: 4242.\n"
    failures = run_page(path, text)
    assert len(failures) == 1 and "no check claims" in failures[0] and "'4242'" in failures[0], failures


# --- verdicts: the conclusion must follow from the seeds ---------------------------------

_VERDICT_PAGE = """Dropout helps: {mean:.2f}% against 97.50%, a gain well beyond the noise of the seeds.

<!-- check
from neuralbook.stats import compare
with_dropout = {with_dropout!r}
plain = [0.9748, 0.9752, 0.9750, 0.9746, 0.9754]
comparison = compare(with_dropout, plain, paired=True)
says("{{}}% against {{}}%", 100 * comparison.first.mean, 100 * comparison.second.mean)
verdict(comparison, "better", "beyond the noise of the seeds")
-->
"""


def _verdict_page(tmp_path, with_dropout):
    mean = 100 * float(np.mean(with_dropout))
    path = tmp_path / "verdict.md"
    path.write_text(_VERDICT_PAGE.format(mean=mean, with_dropout=with_dropout), encoding="utf-8")
    return path


def test_a_verdict_the_seeds_support_passes(tmp_path):
    path = _verdict_page(tmp_path, [0.9800, 0.9790, 0.9795, 0.9805, 0.9785])
    assert run_page(path) == []


def test_flipping_the_data_flips_the_verdict_check(tmp_path):
    # The same prose, but dropout's seeds now scatter around the plain runs' mean.
    path = _verdict_page(tmp_path, [0.9760, 0.9735, 0.9770, 0.9730, 0.9755])
    failures = run_page(path)
    assert len(failures) == 1 and "seeds say 'no measurable difference'" in failures[0]
    path = _verdict_page(tmp_path, [0.9700, 0.9690, 0.9695, 0.9705, 0.9685])
    failures = run_page(path)
    assert len(failures) == 1 and "seeds say 'worse'" in failures[0]


def test_a_verdict_needs_its_words_in_the_prose(tmp_path):
    path = _verdict_page(tmp_path, [0.9800, 0.9790, 0.9795, 0.9805, 0.9785])
    path.write_text(path.read_text().replace("beyond the noise", "beyond the spread", 1), encoding="utf-8")
    failures = run_page(path)
    assert len(failures) == 1 and "does not say 'beyond the noise of the seeds'" in failures[0]


def test_a_borderline_verdict_must_be_called_borderline(tmp_path):
    # Dropout ahead on every seed but one, by a margin near the interval's edge (p about 0.03).
    with_dropout = [0.9756, 0.9760, 0.9751, 0.9749, 0.9758]
    path = _verdict_page(tmp_path, with_dropout)
    from neuralbook.stats import compare

    comparison = compare(with_dropout, [0.9748, 0.9752, 0.9750, 0.9746, 0.9754], paired=True)
    assert comparison.verdict == "better" and comparison.borderline, comparison.p_value
    failures = run_page(path)
    assert len(failures) == 1 and "must call the verdict borderline" in failures[0], failures
    path.write_text(path.read_text().replace("Dropout helps:", "Dropout helps, a borderline verdict:", 1), encoding="utf-8")
    assert run_page(path) == []
