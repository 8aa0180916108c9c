#!/usr/bin/env bash
# Runs the whole test suite. Installs Debian's Chromium (browser tests), poppler (independent
# PDF checks) and the print dependencies when missing and root.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

bash scripts/system-deps.sh chromium poppler-utils

exec $BIN/python -m pytest "$@"
