#!/usr/bin/env bash
# Runs the whole test suite. Installs Debian's Chromium (browser tests), poppler (independent
# PDF checks) and the print dependencies when missing and root.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

bash scripts/system-deps.sh chromium poppler-utils tesseract-ocr
# axe-core for tests/browser/test_accessibility.py (pinned in tests/browser/package-lock.json)
[ -f tests/browser/node_modules/axe-core/axe.min.js ] || { command -v npm >/dev/null && npm ci --prefix tests/browser --no-audit --no-fund --silent; } || echo "npm missing: accessibility tests will skip"

exec $BIN/python -m pytest "$@"
