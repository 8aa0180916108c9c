#!/usr/bin/env bash
# CI: fails when requirements/lock.txt is out of date with pyproject.toml's dependency lists
# (then run `make lock`) or holds a CUDA package. Compares the digest that `make lock` stamped
# into the lock (scripts/lock_digest.py): no network, no venv, well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/lock_digest.py --check requirements/lock.txt
