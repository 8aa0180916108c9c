#!/usr/bin/env bash
# Debian packages the shop needs at run time (the CMYK ICC profile and DejaVu fonts for print
# files), plus any extra packages named as arguments (the tests add chromium, poppler-utils).
# Installs only what is missing, and only as root with apt-get; otherwise it says what to do.
set -euo pipefail
wanted=(libgs-common fonts-dejavu-core "$@")
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${missing[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null
else
  echo "Please install these Debian packages: ${missing[*]}" >&2
fi
