#!/usr/bin/env bash
# Remake ohio_lesson.json: write ohio.csv from the package's data set, then fit the lesson's models in R.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
[ -x "$python" ] || python=python3
out=${1:-$here/ohio_lesson.json}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PYTHONPATH="$root" "$python" -c "import mixwidget; mixwidget.load_dataset('ohio').to_csv('$work/ohio.csv', index=False)"
cd "$work"
LC_ALL=C.UTF-8 Rscript "$here/make_ohio_lesson.R" "$out"
