#!/usr/bin/env bash
# Debian packages the shop needs at run time (the CMYK ICC profile, DejaVu fonts for print
# files, and the fallback fonts for names DejaVu cannot set: Noto Sans for more Latin, Greek,
# Cyrillic, Ethiopic and Cherokee, WenQuanYi Zen Hei for Chinese, Japanese and Korean; all
# TrueType outlines, which reportlab embeds; icc-profiles-free's FOGRA39 data and ArgyllCMS to
# build the "gelato" printer profile's FOGRA39 ICC from it; poppler-utils to rasterise the
# product previews), plus any extra packages named as
# arguments (the tests add chromium, poppler-utils).
# Installs only what is missing, and only as root with apt-get; otherwise it says what to do.
set -euo pipefail
wanted=(libgs-common fonts-dejavu-core fonts-noto-core fonts-wqy-zenhei icc-profiles-free argyll poppler-utils "$@")
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
fogra39=/usr/share/color/icc/minime/FOGRA39.icc  # printing.press.profiles.FOGRA39_ICC
build_fogra39() {
  if [ ! -s "$fogra39" ] && [ "$(id -u)" = 0 ]; then
    bash "$(dirname "$0")/icc-fogra39.sh" "$fogra39" || true
  fi
}
if [ ${#missing[@]} -eq 0 ]; then
  build_fogra39
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${missing[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null
else
  echo "Please install these Debian packages: ${missing[*]}" >&2
fi
build_fogra39
