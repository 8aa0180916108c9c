#!/usr/bin/env bash
# Refresh the German catalogs (each app's Python strings and templates, <app>/templates/, into
# <app>/locale) and compile them. Keeps existing translations; new entries need translating
# before committing. `core` is a package, not an app (Django reads no catalog of its own from
# it): its strings go into privacy's catalog, through a symlink that lives only while this runs.
set -euo pipefail
cd "$(dirname "$0")/.."
unset DJANGO_SETTINGS_MODULE
export DJANGO_DEBUG=1  # loads the settings without a secret key; nothing is signed
trap 'rm -f privacy/_core' EXIT
ln -sfn ../core privacy/_core
for app in figures privacy shop; do
  (cd "$app" && ../.venv/bin/django-admin makemessages -l de -e html -e txt -e py --symlinks \
    --ignore 'migrations/*' --no-obsolete)
done
rm -f privacy/_core
for d in figures privacy shop; do
  echo "$d: $(msgattrib --untranslated "$d/locale/de/LC_MESSAGES/django.po" | grep -c '^msgid' || true) untranslated"
done
for app in figures privacy shop; do
  (cd "$app" && ../.venv/bin/django-admin compilemessages)
done
