#!/usr/bin/env bash
# Packaging check: build the sdist and the wheel (wheel from the sdist, as pip does) from a copy of the
# sources without the built front end or node_modules, check that both carry mixwidget/static/widget.js,
# install the wheel into a fresh venv and open the explorer there.
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
names = zipfile.ZipFile(wheel).namelist()
assert "mixwidget/static/widget.js" in names, f"{wheel.name} has no mixwidget/static/widget.js"
assert not any("node_modules" in n for n in names)
members = tarfile.open(sdist).getnames()
assert any(m.endswith("/mixwidget/static/widget.js") for m in members), f"{sdist.name} has no widget.js"
assert not any("/node_modules/" in m for m in members), f"{sdist.name} carries node_modules"
print(f"{wheel.name} and {sdist.name} carry mixwidget/static/widget.js")
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
