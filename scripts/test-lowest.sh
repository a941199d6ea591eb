#!/usr/bin/env bash
# The non-browser test suite with the LOWEST versions of mixwidget's dependencies that pyproject.toml
# allows (numpy, pandas 2, scipy, Altair, anywidget, ...: scripts/lowest-versions.py pins each to its
# lower bound), in a second venv, .venv-lowest: so that the declared ranges are true, not hoped for.
#   bash scripts/test-lowest.sh install   # set the venv up only
#   bash scripts/test-lowest.sh [ARGS]    # set it up (if needed) and run pytest ARGS (default: all but tests/e2e, one process per core)
# Uses scripts/setup.sh's .venv for the constraints and the built front end; PYTHON picks the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
venv=.venv-lowest

install() {
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    .venv/bin/python scripts/lowest-versions.py >"$venv/constraints.txt"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    # The bundle is built by setup.sh; the test extra brings pytest, nbclient, ipykernel and the optional extras.
    SKIP_JUPYTER_BUILDER=1 "$venv/bin/python" -m pip install --quiet -c "$venv/constraints.txt" -e ".[test]"
    "$venv/bin/python" - "$venv/constraints.txt" <<'PY'
import sys
from importlib.metadata import version
from packaging.version import Version
pins = dict(line.strip().split("==") for line in open(sys.argv[1]) if "==" in line)
wrong = {n: version(n) for n, v in pins.items() if Version(version(n)) != Version(v)}
assert not wrong, f"not the lowest versions: {wrong}"
print("lowest versions:", ", ".join(f"{n} {v}" for n, v in sorted(pins.items())))
PY
}

install
if [ "${1:-}" = install ]; then exit 0; fi
if [ $# -eq 0 ]; then set -- -q -n auto --ignore=tests/e2e; fi
"$venv/bin/python" -m pytest -p no:cacheprovider "$@"
