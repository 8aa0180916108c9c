#!/usr/bin/env bash
# Refresh the German catalogs (each app's Python strings; templates/ into config/locale) and
# compile them. Keeps existing translations; new entries need translating before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
unset DJANGO_SETTINGS_MODULE
export DJANGO_DEBUG=1  # loads the settings without a secret key; nothing is signed
for app in figures privacy shop; do
  (cd "$app" && ../.venv/bin/django-admin makemessages -l de --ignore 'migrations/*' --no-obsolete)
done
# templates/ and core/ (a package, no app: its Python strings go here too); app names are
# ignored as folder names too, so list the rest explicitly.
DJANGO_SETTINGS_MODULE=config.settings .venv/bin/python manage.py makemessages -l de \
  -e html -e txt -e py --no-obsolete --ignore .venv --ignore var --ignore tests --ignore bench \
  --ignore printing --ignore config --ignore scripts --ignore docs --ignore .ci
for d in figures privacy shop config; do
  echo "$d: $(msgattrib --untranslated "$d/locale/de/LC_MESSAGES/django.po" | grep -c '^msgid' || true) untranslated"
done
DJANGO_SETTINGS_MODULE=config.settings .venv/bin/python manage.py compilemessages --ignore .venv --ignore var
