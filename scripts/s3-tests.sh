#!/usr/bin/env bash
# The storage tests (tests/storage) against a real S3 API: moto's standalone server (the dev
# extra's `moto[server]`) on a free loopback port, a fresh bucket, then pytest with the private
# alias on S3 through django-storages (the `s3` extra). Stops the server however pytest ends.
# Runs in whatever database environment it is given (CI: PostgreSQL + Redis, .ci/run step 4).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

if ! $BIN/python -c "import storages.backends.s3, boto3" 2>/dev/null || [ ! -x $BIN/moto_server ]; then
  echo "s3-tests: needs the s3 and dev extras (django-storages[s3], moto[server]) in .venv" >&2
  exit 1
fi
bash scripts/system-deps.sh  # fonts and colour profiles for the print files

port=$($BIN/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp -t minime-moto.XXXXXX.log)
$BIN/moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
cleanup() {
  kill -TERM "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

export MINIME_TEST_S3_ENDPOINT="http://127.0.0.1:${port}"
export MINIME_TEST_S3_BUCKET="minime-test"
export AWS_ACCESS_KEY_ID="testing" AWS_SECRET_ACCESS_KEY="testing" AWS_S3_REGION_NAME="us-east-1"
# Wait for the server, then create the bucket (moto keeps it in memory: fresh every run).
MOTO_PID=$moto_pid $BIN/python - <<'EOF'
import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

s3 = boto3.client(
    "s3",
    endpoint_url=os.environ["MINIME_TEST_S3_ENDPOINT"],
    region_name=os.environ["AWS_S3_REGION_NAME"],
    config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=5),
)
deadline = time.monotonic() + 30
while True:
    try:
        s3.create_bucket(Bucket=os.environ["MINIME_TEST_S3_BUCKET"])
        break
    except (BotoCoreError, ClientError) as exc:
        try:
            os.kill(int(os.environ["MOTO_PID"]), 0)
        except OSError:
            sys.exit(f"moto_server exited: {exc}")
        if time.monotonic() > deadline:
            sys.exit(f"moto_server did not answer in 30 s: {exc}")
        time.sleep(0.2)
EOF
status=0
$BIN/python -m pytest tests/storage -q -p no:cacheprovider -rs "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- moto_server log (last 40 lines) ---" >&2
  tail -n 40 "$log" >&2 || true
fi
exit "$status"
