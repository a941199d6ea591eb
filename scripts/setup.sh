#!/usr/bin/env bash
# Install mixwidget and everything it needs into .venv, and build its front end.
# On a fresh Debian machine it first installs what is missing from Debian's packages (node and npm,
# Python's venv module), as root or with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}

apt_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
    echo "Installing $* from Debian's packages..."
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@" </dev/null
}

command -v npm >/dev/null || apt_install nodejs npm
# The front end's test tools (vitest's vite 7) need Node.js 20.19 or newer (the bundled packages and
# esbuild ask for 18). Debian 13's nodejs is 20.19; Debian 12's is 18.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
    echo "Node.js $(node --version) is too old for the front end's tools: install Node.js 20.19 or newer" \
         "(Debian 13's nodejs package, or NodeSource's on Debian 12) and run this again." >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv 2>/dev/null || { rm -rf .venv; apt_install python3-venv; "$python" -m venv .venv; }
fi
.venv/bin/python -m pip install --quiet --upgrade pip
(cd js && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
# The bundle is built just above, so the package build need not build it again.
SKIP_JUPYTER_BUILDER=1 .venv/bin/python -m pip install --quiet -e ".[dev]"
echo "mixwidget installed in .venv"
