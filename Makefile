# `make run`: set up everything and run the shop on embedded defaults.
# `make test`: set up everything and run the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup lint messages bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch is pinned (==2.13.0) in the gpu extra; diffusers tests need it.
	$(BIN)/pip install --quiet -e ".[gpu,dev,heic]"
	touch $@

setup: $(VENV)/.installed

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
