#!/usr/bin/env bash
# Build the site strictly: any warning (a broken link, a missing listing, a figure that
# cannot be drawn) fails. The Pages workflow and CI both build the site with this script,
# in a venv holding the docs extra alone, so the two cannot disagree.
#   usage: bash tools/build_site.sh SITE_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_MKDOCS_2_WARNING=1
mkdocs build --strict --site-dir "${1:?usage: tools/build_site.sh SITE_DIR}"
