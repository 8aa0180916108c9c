#!/usr/bin/env bash
# CI: the plugin as a merchant gets it (README, "Installing the plugin into your Django project").
# From a clean copy of the checkout builds the sdist and, from the sdist, the wheel
# (python -m build), runs twine check, checks that the wheel holds every file of the plugin's
# packages and nothing else, installs it into a fresh venv outside the repository (the wheel's
# own dependencies only, at the lock's versions), makes a host with `django-admin startproject`
# plus a custom user model and a Celery app, appends the README's settings and urls snippets
# exactly as written, runs `manage.py check`, migrates (SQLite) and walks sign-up -> consent ->
# upload -> generation (Celery eager, stylize backend) -> approve -> cart -> checkout -> pay page
# with Django's test client against localstripe (scripts/plugin_check/journey.py). About 80 s.
# PLUGIN_CHECK_KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
BIN="$REPO/.venv/bin"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/plugin-check.XXXXXX")"
unset PYTHONPATH DJANGO_SETTINGS_MODULE
START=$SECONDS
localstripe_pid=""

step() { echo "--- plugin-check [$((SECONDS - START)) s] $*"; }
fail() {
  echo "plugin-check: FAILED: $*" >&2
  exit 1
}
run_logged() {  # run_logged LOG WHAT COMMAND...: quiet unless it fails
  local log="$1" what="$2"
  shift 2
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "$what (log above, $log)"
  fi
}
cleanup() {
  if [[ -n "$localstripe_pid" ]]; then
    kill "$localstripe_pid" 2>/dev/null || true
    wait "$localstripe_pid" 2>/dev/null || true
  fi
  if [[ "${PLUGIN_CHECK_KEEP:-0}" == 1 ]]; then echo "plugin-check: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# localstripe starts now (it takes a few seconds) from the repository's venv; the host only
# talks to it over HTTP. It has no bind option: a free port picked on loopback.
port="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')"
"$BIN/localstripe" --port "$port" --from-scratch >"$WORK/localstripe.log" 2>&1 &
localstripe_pid=$!
export MINIME_STRIPE_API_BASE="http://127.0.0.1:$port"
export MINIME_STRIPE_SECRET_KEY="sk_test_plugincheck"
export MINIME_STRIPE_PUBLISHABLE_KEY="pk_test_plugincheck"
export MINIME_STRIPE_WEBHOOK_SECRET="whsec_plugincheck"

step "copy the checkout (tracked and new files, nothing ignored) to $WORK/src"
mkdir -p "$WORK/src" "$WORK/check"
git ls-files -z --cached --others --exclude-standard |
  tar -c --null -T - --ignore-failed-read -f - 2>/dev/null | tar -x -C "$WORK/src"
cp scripts/plugin_check/*.py "$WORK/check/"

step "build the sdist and the wheel from it (python -m build), twine check"
(cd "$WORK/src" && run_logged "$WORK/build.log" "python -m build" \
  "$BIN/python" -m build --no-isolation --outdir "$WORK/dist" .)
wheel="$(ls "$WORK"/dist/*.whl)" || fail "no wheel in $WORK/dist"
ls "$WORK"/dist/*.tar.gz >/dev/null || fail "no sdist in $WORK/dist"
echo "built: $(cd "$WORK/dist" && echo *)"
run_logged "$WORK/twine.log" "twine check" "$BIN/twine" check --strict "$WORK"/dist/*
"$PYTHON" "$WORK/check/wheel_contents.py" "$wheel" "$WORK/src" || fail "the wheel's contents"

step "a fresh venv with the wheel and its dependencies (the lock's versions: constraints)"
# name==version of every locked package, without hashes: the wheel itself has none in the lock.
sed -n 's/^\([A-Za-z0-9][A-Za-z0-9._-]*==[^ ;\\]*\).*/\1/p' requirements/lock.txt \
  >"$WORK/constraints.txt"
"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
(cd "$WORK" && run_logged "$WORK/pip.log" "pip install the wheel" \
  "$VPY" -m pip install -c "$WORK/constraints.txt" "$wheel")
cd "$WORK"
where="$("$VPY" -c 'import shop; print(shop.__file__)')"
[[ "$where" == "$WORK/venv/lib/"*"/site-packages/shop/__init__.py" ]] ||
  fail "shop is imported from $where, not from the venv's site-packages"
echo "shop: $where"

step "a host: django-admin startproject, a custom user model, a Celery app, the README snippets"
mkdir -p "$WORK/host"
cd "$WORK/host"
"$WORK/venv/bin/django-admin" startproject host .
"$VPY" manage.py startapp accounts
cat >accounts/models.py <<'EOF'
from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The host's own user model (AUTH_USER_MODEL), as most real projects have."""
EOF
cat >host/celery.py <<'EOF'
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "host.settings")
app = Celery("host")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
EOF
printf 'from .celery import app as celery_app\n\n__all__ = ("celery_app",)\n' >host/__init__.py
{
  echo
  "$PYTHON" "$WORK/check/readme_snippet.py" "$REPO/README.md" settings ||
    fail "the settings snippet in README.md"
  cat <<'EOF'

# --- plugin-check: this host's own settings, not part of the README's snippet ---------------
import os

INSTALLED_APPS += ["accounts"]
AUTH_USER_MODEL = "accounts.User"
CELERY_TASK_ALWAYS_EAGER = True  # generation runs inside the request: no worker in this check
CELERY_TASK_EAGER_PROPAGATES = True
MINIME_STRIPE_API_BASE = os.environ["MINIME_STRIPE_API_BASE"]  # localstripe
MINIME_STRIPE_JS_URL = MINIME_STRIPE_API_BASE + "/js.stripe.com/v3/"
EOF
} >>host/settings.py
{
  echo
  "$PYTHON" "$WORK/check/readme_snippet.py" "$REPO/README.md" urls ||
    fail "the urls snippet in README.md"
} >>host/urls.py

step "manage.py check, makemigrations accounts, migrate, createcachetable"
export DJANGO_SETTINGS_MODULE=host.settings
"$VPY" manage.py check --fail-level WARNING || fail "manage.py check"
run_logged "$WORK/migrate.log" "makemigrations accounts" "$VPY" manage.py makemigrations accounts
run_logged "$WORK/migrate.log" "migrate" "$VPY" manage.py migrate --no-input
run_logged "$WORK/migrate.log" "createcachetable" "$VPY" manage.py createcachetable

step "the customer journey with Django's test client"
# A selfie: scikit-image's astronaut (public domain), made in the repository's venv (the
# host has no scikit-image), as the tests make theirs (tests/factories/figures.py).
"$BIN/python" -c '
import sys
from PIL import Image
from skimage import data
image = Image.fromarray(data.astronaut()).resize((1024, 1024), Image.Resampling.LANCZOS)
image.save(sys.argv[1], quality=90)' "$WORK/selfie.jpg"
for _ in $(seq 100); do
  kill -0 "$localstripe_pid" 2>/dev/null || fail "localstripe exited: $(tail -5 "$WORK/localstripe.log")"
  curl -sf -o /dev/null "$MINIME_STRIPE_API_BASE/js.stripe.com/v3/" && break
  sleep 0.2
done
curl -sf -o /dev/null "$MINIME_STRIPE_API_BASE/js.stripe.com/v3/" || fail "localstripe did not answer"
PYTHONPATH="$WORK/host" "$VPY" "$WORK/check/journey.py" "$WORK/selfie.jpg" ||
  fail "the customer journey"

step "passed: a host built only from the wheel runs the customer journey"
