"""Run every chapter of the book as a test: its code, its examples and its numbers.

See ``tests/bookcheck.py`` for how a number in the prose is tied to the package.
"""

from pathlib import Path

from bookcheck import book_sybil

pytest_collect_file = book_sybil(path=str(Path(__file__).parent / "docs")).pytest()
