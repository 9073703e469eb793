"""The README's commands and numbers are the real ones."""

from __future__ import annotations

import re

from conftest import ROOT

from neuralbook.experiments import PRESETS, load_result
from neuralbook.reproduce import TIMING_FILE, whole_run_minutes

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


def test_readme_quotes_the_measured_duration_of_a_whole_results_run():
    quoted = re.search(r"its last whole run took about (\d+) minutes on a two-core machine", README)
    assert quoted, "the README no longer says how long `neuralbook results` takes"
    timing = load_result(TIMING_FILE)
    assert timing["jobs"] == 2 and timing["machine"]["cpu_count"] == 2  # "on a two-core machine", the default --jobs
    assert int(quoted.group(1)) == whole_run_minutes()
    assert abs(whole_run_minutes() - timing["seconds"] / 60) <= 2.5  # rounded to five minutes, not invented
