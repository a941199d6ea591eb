#!/usr/bin/env bash
# Install Debian's Chromium for the end-to-end browser tests (idempotent).
# Playwright drives this binary directly; never run `playwright install`.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
export DEBIAN_FRONTEND=noninteractive

if [ ! -x "$CHROMIUM" ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo -n"
    fi
    echo "Installing Debian chromium..."
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q chromium </dev/null
fi

# The Debian wrapper script prints harmless shell noise on stderr; keep stdout only.
"$CHROMIUM" --version 2>/dev/null
