# `make run`: set up everything and run the shop on embedded defaults.
# `make test`: set up everything and run the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

LOCK := requirements/lock.txt

.PHONY: run test setup lint messages bench lock

# Every dependency (all extras: demo, tests, tools) from the lock, each file checked against its
# sha256 (torch: the CPU build on this machine's disk, see the lock's header); then the project
# itself, editable, adding nothing, built with the locked setuptools.
$(VENV)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

setup: $(VENV)/.installed

# Resolve pyproject.toml into the lock again after changing a dependency (CI's
# scripts/lock-check.sh fails until then); pins stay while allowed, LOCK_UPGRADE=1 moves all.
lock: setup
	bash scripts/lock.sh

run: setup
	bash scripts/run.sh

test: setup
	bash scripts/test.sh

# mypy's Django plugin and makemigrations load the settings, which refuse to start without a
# secret key when DEBUG is off; they sign nothing, so DEBUG's development-only key will do.
lint: export DJANGO_DEBUG := 1
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python scripts/budgets.py
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python manage.py makemigrations --check --dry-run

messages: setup
	bash scripts/messages.sh
