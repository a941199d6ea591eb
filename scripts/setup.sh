#!/usr/bin/env bash
# Install mixwidget and everything it needs into .venv, and build its front end.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
(cd js && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
.venv/bin/python -m pip install --quiet -e ".[dev]"
echo "mixwidget installed in .venv"
