"""The package ships ``py.typed``: mypy, run as CI runs it, finds no error in it."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed (pip install -e '.[test]')")
def test_mypy_finds_no_error_in_the_package():
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), str(ROOT / "src" / "neuralbook")],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_says_it_is_typed():
    assert (ROOT / "src" / "neuralbook" / "py.typed").is_file()


#: The modules whose public functions and methods must be annotated in full (parameters and result).
ANNOTATED = [
    "cli", "training", "serialization", "evaluation", "web", "augmentation", "datasets",
    "activations", "network", "layers", "initializers", "gradcheck", "xor",
]


def _public_callables(module):
    import inspect

    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj):
            for method_name, method in vars(obj).items():
                if isinstance(method, (classmethod, staticmethod)):
                    method = method.__func__
                if isinstance(method, property):
                    method = method.fget
                if inspect.isfunction(method) and (not method_name.startswith("_") or method_name == "__init__"):
                    yield f"{name}.{method_name}", method


@pytest.mark.parametrize("module_name", ANNOTATED)
def test_every_public_function_is_annotated(module_name):
    import importlib
    import inspect

    module = importlib.import_module(f"neuralbook.{module_name}")
    missing = []
    for name, function in _public_callables(module):
        signature = inspect.signature(function)
        for parameter in signature.parameters.values():
            if parameter.name in ("self", "cls"):
                continue
            if parameter.annotation is inspect.Parameter.empty:
                missing.append(f"{name}({parameter.name})")
        if signature.return_annotation is inspect.Signature.empty and not name.endswith("__init__"):
            missing.append(f"{name} -> ?")
    assert not missing, f"neuralbook.{module_name}: unannotated: {', '.join(missing)}"
