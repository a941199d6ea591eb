#!/usr/bin/env bash
# Set up (as scripts/setup.sh) and run every test: Python, front-end unit tests, browser tests, and the
# packaging check (the wheel carries the front end and works in a fresh venv). The same non-browser tests
# with the lowest dependency versions pyproject.toml allows: bash scripts/test-lowest.sh (not run here yet:
# with Altair 6.0 tests/test_contracts.py finds the charts' $schema URL v6.1.0 where the stored data say v6.4.1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install-browser.sh
.venv/bin/ruff check mixwidget tests benchmarks scripts
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict   # the documentation site, warnings as errors (not --quiet: it hides them)
(cd js && npm run --silent typecheck && npm run --silent lint && npm test --silent)
.venv/bin/python -m pytest "$@"
bash scripts/check-package.sh
