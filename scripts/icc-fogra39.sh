#!/usr/bin/env bash
# Builds a CMYK output profile for the press condition FOGRA39 (ISO 12647-2 coated, what the
# "gelato" printer profile declares) from the FOGRA39 characterisation data that Debian ships
# (package icc-profiles-free: FOGRA39L.ti3), with ArgyllCMS's colprof (package argyll):
# medium quality, black ramp, 330 % total ink as FOGRA39 presses allow. ~30 s, ~250 kB.
# A printer's own ISO Coated v2 file can be set instead (README: "Printer profiles").
# Usage: scripts/icc-fogra39.sh OUTPUT.icc
set -euo pipefail
out="$1"
[ -s "$out" ] && exit 0
ti3=/usr/share/color/icc/FOGRA39L.ti3
if [ ! -f "$ti3" ] || ! command -v colprof >/dev/null; then
  echo "FOGRA39 profile not built: install the Debian packages icc-profiles-free and argyll" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$ti3" "$work/FOGRA39.ti3"
(cd "$work" && colprof -qm -kr -l 330 -D "Coated FOGRA39 (built from FOGRA39L data)" \
  -C "ArgyllCMS colprof from FOGRA39L.ti3 (Debian icc-profiles-free)" FOGRA39 >/dev/null)
mkdir -p "$(dirname "$out")"
mv "$work/FOGRA39.icc" "$out"
