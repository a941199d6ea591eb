#!/usr/bin/env bash
# Set up (as scripts/setup.sh) and run the teaching demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m mixwidget "$@"
