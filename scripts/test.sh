#!/usr/bin/env bash
# Set up (as scripts/setup.sh) and run every test: Python, front-end unit tests, browser tests, and the
# packaging check (the wheel carries the front end and works in a fresh venv); then the non-browser tests
# again with the lowest dependency versions pyproject.toml allows (scripts/test-lowest.sh), so the declared
# ranges are tested, not hoped for. Arguments go to the first pytest run only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install-browser.sh
.venv/bin/ruff check mixwidget tests benchmarks scripts
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict   # the documentation site, warnings as errors (not --quiet: it hides them)
(cd js && npm run --silent typecheck && npm run --silent lint && npm test --silent)
.venv/bin/python -m pytest "$@"
bash scripts/check-package.sh
bash scripts/test-lowest.sh
