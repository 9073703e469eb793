"""No import cycle among the package's modules, counting the imports made inside functions.

A cycle hidden in a function-level import (``experiments`` importing ``search`` inside a
function while ``search`` imports ``experiments`` at the top) works until someone moves
an import to the top, or imports the modules in another order; it also means that two
modules cannot be understood, or tested, one without the other. The graph is read from
the source with ``ast``: every ``import`` and ``from ... import`` of a ``neuralbook``
module, wherever it stands, except under ``if TYPE_CHECKING:`` (never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "neuralbook"

#: Imports the source does not spell out: module -> (prefix of the modules it imports, why).
DYNAMIC_IMPORTS = {
    "neuralbook.plots": ("neuralbook.plots.", "registry() imports every module of the package (pkgutil, importlib)"),
}

#: Cycles accepted, each with its reason, as the (importer, imported) edge left out of the graph.
#: Empty: add one only if a cycle truly cannot be broken, and say why.
KNOWN_CYCLES: dict[tuple[str, str], str] = {}


def module_name(path: Path, package: Path) -> str:
    """``src/neuralbook/plots/training.py`` -> ``neuralbook.plots.training``; a package is its ``__init__``."""
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_modules(source: str, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that the module ``name`` imports anywhere in ``source``."""
    found: set[str] = set()
    package = name if is_package else name.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # from . import x, from ..y import z
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # from neuralbook import web: the module neuralbook.web
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return {module for module in found if module in modules and module != name}


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (at the top or inside a function)."""
    files = {module_name(path, package): path for path in sorted(package.rglob("*.py"))}
    modules = set(files)
    graph = {
        name: imported_modules(path.read_text(encoding="utf-8"), name, path.name == "__init__.py", modules)
        for name, path in files.items()
    }
    for name, (prefix, _why) in DYNAMIC_IMPORTS.items():
        if name in graph:
            graph[name] |= {module for module in modules if module.startswith(prefix)}
    for importer, imported in KNOWN_CYCLES:
        graph[importer].discard(imported)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or ``None`` if it has none (depth-first search)."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path, on_path = [start], {start}
        stack = [iter(sorted(graph.get(start, ())))]
        while stack:
            following = next(stack[-1], None)
            if following is None:
                stack.pop()
                done.add(path[-1])
                on_path.discard(path.pop())
            elif following in on_path:
                return path[path.index(following):] + [following]
            elif following not in done:
                path.append(following)
                on_path.add(following)
                stack.append(iter(sorted(graph.get(following, ()))))
    return None


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert "neuralbook.experiments" in graph and "neuralbook.plots.training" in graph  # it read the package
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle among the package's modules: " + " -> ".join(cycle or [])


def test_a_cycle_is_found_and_named():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"b"}}) == ["b", "c", "b"]  # a leads into it, is not part of it
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_an_import_inside_a_function_makes_a_cycle(tmp_path):
    """A fake package: each kind of import the graph must see, and one cycle only a function hides."""
    package = tmp_path / "neuralbook"
    (package / "plots").mkdir(parents=True)
    sources = {
        "__init__.py": '__version__ = "0"\n',
        "alpha.py": "from neuralbook.beta import B\n",
        "beta.py": "B = 1\n\ndef later():\n    from neuralbook import alpha\n    return alpha\n",
        "gamma.py": "from . import beta\nimport neuralbook.alpha\nfrom neuralbook import __version__\n",
        "delta.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from neuralbook.gamma import x\n",
        "plots/__init__.py": "",
        "plots/one.py": "from ..gamma import beta\n",
    }
    for name, source in sources.items():
        (package / name).write_text(source, encoding="utf-8")
    graph = import_graph(package)
    assert graph == {
        "neuralbook": set(),
        "neuralbook.alpha": {"neuralbook.beta"},
        "neuralbook.beta": {"neuralbook.alpha"},
        "neuralbook.gamma": {"neuralbook.beta", "neuralbook.alpha", "neuralbook"},
        "neuralbook.delta": set(),  # only for the type checker: never imported when run
        "neuralbook.plots": {"neuralbook.plots.one"},  # DYNAMIC_IMPORTS
        "neuralbook.plots.one": {"neuralbook.gamma"},
    }
    assert find_cycle(graph) == ["neuralbook.alpha", "neuralbook.beta", "neuralbook.alpha"]


def test_the_experiments_are_below_what_reproduces_them():
    """experiments defines and runs the book's experiments; only reproduce (and the command) sit above."""
    graph = import_graph()
    assert not graph["neuralbook.experiments"] & {
        "neuralbook.search", "neuralbook.photos", "neuralbook.web", "neuralbook.reproduce",
    }
    assert {"neuralbook.experiments", "neuralbook.search", "neuralbook.photos", "neuralbook.web"} <= graph["neuralbook.reproduce"]
    assert [name for name, imported in graph.items() if "neuralbook.reproduce" in imported] == ["neuralbook.cli"]
