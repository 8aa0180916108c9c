#!/usr/bin/env bash
# `make lock`: resolves pyproject.toml with every extra (the demo, tests and tools) for this
# machine (CPython 3.11, Linux x86_64) into requirements/lock.txt, each file pinned by sha256,
# and stamps it with the digest of the dependency lists (scripts/lock_digest.py) that
# scripts/lock-check.sh compares in CI. Pins already in the lock stay while pyproject.toml still
# admits them; `make lock LOCK_UPGRADE=1` resolves everything afresh. pip-compile goes through
# pip and its configuration, so torch==2.13.0 resolves to the CPU wheel on this machine's disk
# (see the lock's header); the stamp step refuses a lock that holds CUDA packages.
set -euo pipefail
cd "$(dirname "$0")/.."
pip_compile="${LOCK_PIP_COMPILE:-.venv/bin/pip-compile}"
LOCK=requirements/lock.txt

if [[ ! -x "$pip_compile" ]]; then
  echo "lock: $pip_compile not found (pip-tools is in the dev extra: run make setup)" >&2
  exit 1
fi
tmp="$(mktemp "${TMPDIR:-/tmp}/lock.XXXXXX.txt")"
trap 'rm -f "$tmp"' EXIT
if [[ -f "$LOCK" && "${LOCK_UPGRADE:-0}" != 1 ]]; then
  cp "$LOCK" "$tmp"  # pip-compile keeps the pins it finds in its output file
else
  : >"$tmp"
fi
# --allow-unsafe pins pip and setuptools too; --all-build-deps adds build-system.requires, so
# the editable install and `python -m build --no-isolation` use locked build tools.
CUSTOM_COMPILE_COMMAND="make lock" "$pip_compile" --quiet --generate-hashes --allow-unsafe \
  --strip-extras --all-extras --all-build-deps --no-emit-index-url --no-emit-find-links \
  --no-emit-trusted-host --output-file "$tmp" pyproject.toml
python3 scripts/lock_digest.py --stamp "$tmp"
mkdir -p "$(dirname "$LOCK")"
cp "$tmp" "$LOCK"
echo "lock: wrote $LOCK ($(grep -c '^[A-Za-z0-9]' "$LOCK") packages)"
