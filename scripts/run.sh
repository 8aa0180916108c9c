#!/usr/bin/env bash
# Runs the shop on embedded defaults: web server + Celery worker (+ beat for the reaper), and
# localstripe as Stripe unless MINIME_STRIPE_SECRET_KEY is set.
# Everything stops together on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings}"

bash scripts/system-deps.sh
# A random secret key, made once into var/secret_key (0600) and reused; DJANGO_SECRET_KEY wins.
bash scripts/secret-key.sh
$BIN/python manage.py migrate --no-input -v0
# The database cache (rate limits) needs its table; with REDIS_URL this does nothing.
$BIN/python manage.py createcachetable -v0
$BIN/python manage.py collectstatic --no-input -v0
$BIN/python manage.py minime_demo --domain "127.0.0.1:${PORT}"
# Untrusted development C2PA signing credentials in var/c2pa, made once (README, "Provenance").
$BIN/python manage.py minime_c2pa_credentials

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

# Stripe: with MINIME_STRIPE_SECRET_KEY (and the publishable key and webhook secret) in the
# environment the shop talks to real Stripe. Without it, localstripe stands in for Stripe.
if [[ -z "${MINIME_STRIPE_SECRET_KEY:-}" ]]; then
  LOCALSTRIPE_PORT="${LOCALSTRIPE_PORT:-8420}"
  mkdir -p "${MINIME_VAR_DIR:-var}"
  if (exec 3<>"/dev/tcp/127.0.0.1/${LOCALSTRIPE_PORT}") 2>/dev/null; then
    echo "Port ${LOCALSTRIPE_PORT} is busy (another localstripe?): set LOCALSTRIPE_PORT" >&2
    exit 1
  fi
  # localstripe has no bind option: it listens on ALL interfaces (IPv4 and IPv6) on this
  # port. It holds only fake test data; firewall the port on a shared machine.
  $BIN/localstripe --port "$LOCALSTRIPE_PORT" --from-scratch \
    >"${MINIME_VAR_DIR:-var}/localstripe.log" 2>&1 &
  LOCALSTRIPE_PID=$!
  pids+=("$LOCALSTRIPE_PID")
  export MINIME_STRIPE_API_BASE="http://127.0.0.1:${LOCALSTRIPE_PORT}"
  export MINIME_STRIPE_JS_URL="${MINIME_STRIPE_API_BASE}/js.stripe.com/v3/"
  export MINIME_STRIPE_SECRET_KEY="sk_test_localstripe"
  export MINIME_STRIPE_PUBLISHABLE_KEY="pk_test_localstripe"
  MINIME_STRIPE_WEBHOOK_SECRET="whsec_$($BIN/python -c 'import secrets; print(secrets.token_hex(24))')"
  export MINIME_STRIPE_WEBHOOK_SECRET
  # Wait until it answers, then register the shop's webhook URL with that secret.
  LOCALSTRIPE_PID="$LOCALSTRIPE_PID" WEBHOOK_URL="http://127.0.0.1:${PORT}/stripe/webhook/" \
    $BIN/python - <<'PY'
import os, sys, time, urllib.error, urllib.parse, urllib.request

base = os.environ["MINIME_STRIPE_API_BASE"]
deadline = time.monotonic() + 20
while True:
    try:
        os.kill(int(os.environ["LOCALSTRIPE_PID"]), 0)
    except OSError:
        sys.exit("localstripe did not start (port busy? set LOCALSTRIPE_PORT); see its log")
    try:
        urllib.request.urlopen(base + "/js.stripe.com/v3/", timeout=2).close()
        break
    except (urllib.error.URLError, OSError):
        if time.monotonic() > deadline:
            sys.exit("localstripe did not answer within 20 s")
        time.sleep(0.2)
form = urllib.parse.urlencode(
    {"url": os.environ["WEBHOOK_URL"], "secret": os.environ["MINIME_STRIPE_WEBHOOK_SECRET"]}
).encode()
urllib.request.urlopen(base + "/_config/webhooks/minime", data=form, timeout=5).close()
PY
  sleep 0.5
  if ! kill -0 "$LOCALSTRIPE_PID" 2>/dev/null; then
    echo "localstripe exited (port ${LOCALSTRIPE_PORT} busy? set LOCALSTRIPE_PORT)" >&2
    exit 1
  fi
  echo "Stripe: localstripe on ${MINIME_STRIPE_API_BASE} (test card 4242 4242 4242 4242)"
fi

# One worker serves both queues here; on real hardware the gpu queue runs on GPU nodes.
$BIN/celery -A config worker -Q default,gpu --concurrency 1 -B \
  --schedule "${MINIME_VAR_DIR:-var}/celerybeat-schedule" -l INFO &
pids+=($!)
# Access log without client address, user agent, referrer or query string (behavioural data
# we do not keep): time, method, path, status, bytes, duration.
$BIN/gunicorn config.wsgi --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 \
  --access-logfile - --access-logformat '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms' &
pids+=($!)

echo "Mini-Me Merch is running at http://127.0.0.1:${PORT}/  (Ctrl-C stops everything)"
wait -n "${pids[@]}"
