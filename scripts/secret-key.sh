#!/usr/bin/env bash
# The embedded demo's secret key: written once, random, to $MINIME_VAR_DIR/secret_key (var/ by
# default) with mode 0600, and kept for later runs (sessions and signed links stay valid).
# config/settings.py reads that file when DJANGO_SECRET_KEY is not set; without either it
# refuses to start (DEBUG off). A production deployment sets DJANGO_SECRET_KEY instead.
set -euo pipefail
cd "$(dirname "$0")/.."
VAR="${MINIME_VAR_DIR:-var}"
KEY_FILE="$VAR/secret_key"
mkdir -p "$VAR"
if [[ ! -s "$KEY_FILE" ]]; then
  # umask first: the file never exists readable by others, not even for a moment.
  (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' \
    >"$KEY_FILE.tmp" && mv "$KEY_FILE.tmp" "$KEY_FILE")
fi
chmod 600 "$KEY_FILE"
