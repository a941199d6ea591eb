#!/usr/bin/env bash
# Set up (as scripts/setup.sh) and run every test: Python, front-end unit tests, browser tests, the
# non-browser tests again with the lowest dependency versions pyproject.toml allows (scripts/test-lowest.sh),
# and the packaging check (the wheel carries the front end and works in a fresh venv).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The lowest-versions venv installs (mostly downloads) in the background while the other checks run.
lowest_log=$(mktemp)
trap 'rm -f "$lowest_log"' EXIT
bash scripts/test-lowest.sh install >"$lowest_log" 2>&1 &
lowest=$!
bash scripts/install-browser.sh
.venv/bin/ruff check mixwidget tests benchmarks scripts
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict   # the documentation site, warnings as errors (not --quiet: it hides them)
(cd js && npm run --silent typecheck && npm run --silent lint && npm test --silent)
.venv/bin/python -m pytest "$@"
wait "$lowest" || { cat "$lowest_log"; echo "setting up the lowest-versions venv failed" >&2; exit 1; }
grep -v "^WARNING: Location" "$lowest_log" || true
bash scripts/test-lowest.sh -q --ignore=tests/e2e "$@"
bash scripts/check-package.sh
