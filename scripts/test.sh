#!/usr/bin/env bash
# Set up (as scripts/setup.sh) and run every test: Python, front-end unit tests, browser tests, and the
# packaging check (the wheel carries the front end and works in a fresh venv); then the non-browser tests
# again with the lowest dependency versions pyproject.toml allows (scripts/test-lowest.sh), so the declared
# ranges are tested, not hoped for. The non-browser tests run one process per core (pytest-xdist; most of
# their time is spent waiting on kernels and subprocesses), the browser tests in one (each starts its
# own servers). Arguments replace both runs with one pytest run of those arguments (`-k fit`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install-browser.sh
.venv/bin/ruff check mixwidget tests benchmarks scripts
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict   # the documentation site, warnings as errors (not --quiet: it hides them)
(cd js && npm run --silent typecheck && npm run --silent lint && npm test --silent)
if [ $# -eq 0 ]; then
    .venv/bin/python -m pytest -n auto --ignore=tests/e2e
    # The lowest-versions venv is installed while the browser tests run (it mostly waits on downloads).
    lowest_log=$(mktemp)
    bash scripts/test-lowest.sh install >"$lowest_log" 2>&1 &
    lowest_install=$!
    browser=0
    .venv/bin/python -m pytest tests/e2e || browser=$?
    lowest=0
    wait "$lowest_install" || lowest=$?
    cat "$lowest_log"
    rm -f "$lowest_log"
    [ "$browser" -eq 0 ] || exit "$browser"
    [ "$lowest" -eq 0 ] || { echo "installing the lowest versions failed" >&2; exit "$lowest"; }
else
    .venv/bin/python -m pytest "$@"
fi
bash scripts/check-package.sh
bash scripts/test-lowest.sh
