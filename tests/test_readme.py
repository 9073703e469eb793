"""The README's commands and numbers are the real ones."""

from __future__ import annotations

import re

from conftest import ROOT

from neuralbook.experiments import PRESETS, load_result

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)\n```", text, flags=re.DOTALL)


def test_ci_runs_the_readme_test_command():
    test_command = next(c for c in _commands(README) if c.endswith("&& pytest"))
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines(), "the CI script must run the README's test command exactly"


def test_ci_serves_the_book_with_the_readme_read_command():
    read_commands = [c for c in _commands(README) if c.endswith("&& mkdocs serve")]
    assert len(read_commands) == 1 and 'pip install -e ".[docs]"' in read_commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # CI takes the command from the README itself and runs it in a venv of its own.
    assert 'readme_command "&& mkdocs serve"' in ci and "rm -rf .venv" in ci


def test_readme_quotes_the_measured_results():
    runs = load_result("presets")["runs"]
    quick = re.search(r"about (\d+)% of the validation digits in (\w+) epochs", README)
    assert quick, "the README no longer states the quick preset's result"
    # Whole points: a reader's BLAS moves the tenths (the README says so).
    assert round(100 * runs["quick"]["final_validation_accuracy"]) == int(quick.group(1))
    assert {"two": 2}[quick.group(2)] == PRESETS["quick"].epochs
    modern = re.search(r"the book's best network, its test set read once: over (\d+)%", README)
    assert "--preset modern --test" in README  # the final model, the only one whose test accuracy is read
    assert modern and runs["modern"]["test_accuracy"] > int(modern.group(1)) / 100
