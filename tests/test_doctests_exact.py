"""The package's docstring examples pass as printed, without the suite's lenient spacing.

pytest runs them with NORMALIZE_WHITESPACE (see ``pyproject.toml``), which would hide an
example whose printed table is a column off. A reader runs them with plain
``doctest``; so does this test.
"""

import doctest
import importlib
import pkgutil

import pytest

import neuralbook

MODULES = sorted(m.name for m in pkgutil.walk_packages(neuralbook.__path__, "neuralbook.") if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_examples_pass_with_exact_spacing(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False, verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} docstring examples fail with exact spacing"


def test_a_misaligned_table_fails_with_exact_spacing():
    def shown():
        """
        >>> print("a  b")
        a b
        """

    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS, verbose=False)
    for test in finder.find(shown, "shown", globs={}):
        runner.run(test, out=lambda text: None)
    assert runner.failures == 1
