"""Run every chapter of the book as a test: its code, its examples and its numbers.

See ``tools/bookcheck.py`` for how a number in the prose is tied to the package.
"""

from pathlib import Path

from bookcheck import book_sybil

pytest_collect_file = book_sybil(path=str(Path(__file__).parent / "docs")).pytest()


# A skipped example of a chapter is reported at its line in the chapter (``pytest -rs``
# lists it as ``docs/mnist-data.md:258: the MNIST files are not here ...``), not at the
# line of Sybil's code that raised the skip.
import pytest  # noqa: E402


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    example = getattr(item, "example", None)
    if report.skipped and example is not None and isinstance(report.longrepr, tuple):
        report.longrepr = (str(Path(example.path).relative_to(Path(__file__).parent)), example.line, report.longrepr[2])
