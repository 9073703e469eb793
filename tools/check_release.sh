#!/usr/bin/env bash
# Build the package's sdist and wheel into DIST and check them as a reader would get them:
# twine's metadata check, then the wheel installed into a fresh venv, away from the clone,
# where the package's doctests run and `neuralbook --help` answers. The release workflow
# runs this before it publishes.
#   usage: bash tools/check_release.sh DIST
set -euo pipefail
cd "$(dirname "$0")/.."
dist="$(mkdir -p "${1:?usage: tools/check_release.sh DIST}" && cd "$1" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/build" && "$work/build/bin/pip" install -q -U pip build twine
"$work/build/bin/python" -m build --outdir "$dist" .
"$work/build/bin/twine" check --strict "$dist"/*

python3 -m venv "$work/reader" && "$work/reader/bin/pip" install -q -U pip
"$work/reader/bin/pip" install -q "$dist"/neuralbook-*.whl pytest
cd "$work"  # nothing of the clone on the path: the installed package alone
"$work/reader/bin/neuralbook" --help >/dev/null
"$work/reader/bin/python" -m pytest -q -p no:cacheprovider --doctest-modules --pyargs neuralbook \
    -o doctest_optionflags="NORMALIZE_WHITESPACE ELLIPSIS"
echo "checked $(ls "$dist")"
