#!/usr/bin/env bash
# Runs the shop on embedded defaults: web server + Celery worker (+ beat for the reaper).
# Everything stops together on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings}"

$BIN/python manage.py migrate --no-input -v0
$BIN/python manage.py collectstatic --no-input -v0
$BIN/python manage.py minime_demo --domain "127.0.0.1:${PORT}"

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

# One worker serves both queues here; on real hardware the gpu queue runs on GPU nodes.
$BIN/celery -A config worker -Q default,gpu --concurrency 1 -B \
  --schedule "${MINIME_VAR_DIR:-var}/celerybeat-schedule" -l INFO &
pids+=($!)
$BIN/gunicorn config.wsgi --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 \
  --access-logfile - &
pids+=($!)

echo "Mini-Me Merch is running at http://127.0.0.1:${PORT}/  (Ctrl-C stops everything)"
wait -n "${pids[@]}"
