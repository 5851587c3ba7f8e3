# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test chaos lint format bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## Set up and run the whole service on this machine with embedded defaults.
run: $(VENV)/.installed
	$(BIN)/pcsync run

## Set up and run the whole test suite (needs Redis and PostgreSQL: see .ci/run):
## lint, the suite, then the chaos suite (bounded: it must never hang).
## The suite runs in three processes: its tests mostly wait on servers and
## queues, so three share two cores well (each has its own Redis database and
## PostgreSQL database: tests/conftest.py).
test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 3
	timeout 1200 $(BIN)/pytest -m chaos

## Faults against real processes and the request fuzzer (a few minutes; needs
## redis-server and the PostgreSQL server binaries, not running servers).
chaos: $(VENV)/.installed-dev
	$(BIN)/pytest -m chaos

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
