"""Fixtures shared by the tests: the built site and the real MNIST data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """Build the book with ``mkdocs build --strict`` once per test session.

    Fails (not skips) on any warning: a broken link, a missing snippet, a bad
    cross-reference or a figure that cannot be drawn. With ``NEURALBOOK_BUILT_SITE``
    naming a folder, that site (built strictly from this tree just before, as CI does)
    is used instead.
    """
    prebuilt = os.environ.get("NEURALBOOK_BUILT_SITE")
    if prebuilt:
        # CI has just built this tree strictly with the docs extra alone (tools/build_site.sh,
        # as the Pages workflow does): the tests check that very site instead of a second build.
        site = Path(prebuilt)
        if not (site / "index.html").is_file():
            pytest.fail(f"NEURALBOOK_BUILT_SITE={prebuilt} holds no built site (no index.html)")
        return site
    site = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}")
    return site


@pytest.fixture(scope="session")
def mnist():
    """The real MNIST data, from ``$NEURALBOOK_DATA`` or the cache (never downloaded).

    If the files cannot be found, the test is skipped with the reason, unless
    ``NEURALBOOK_REQUIRE_DATA=1`` (as in CI), where it fails instead. A file that is
    present but corrupt always fails.
    """
    from neuralbook.datasets import load_mnist

    try:
        return load_mnist(download=False, progress=False)
    except FileNotFoundError as error:
        message = f"the MNIST data is not available: {error}"
        if os.environ.get("NEURALBOOK_REQUIRE_DATA") == "1":
            pytest.fail(f"NEURALBOOK_REQUIRE_DATA=1 but {message}")
        pytest.skip(message)
