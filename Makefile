# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
AXE := .cache/axe/node_modules/axe-core/axe.min.js
TRANSLATIONS := westlake_feedback/translations
export FLASK_APP := app
# pytest keeps its rewritten test modules (and Python its bytecode) between runs: a few seconds
# per run, even where the environment says PYTHONDONTWRITEBYTECODE. Kept out of the tree.
TEST_ENV := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/.cache/pycache

.PHONY: run test test-all test-slow db seed translations messages clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d $(TRANSLATIONS)

db: $(VENV)/.installed translations
	$(BIN)/flask db upgrade

seed: db
	$(BIN)/flask consultations seed

run: seed
	$(BIN)/honcho start -f Procfile

$(AXE):
	npm install --silent --no-audit --no-fund --prefix .cache/axe axe-core@4

test: $(VENV)/.installed translations $(AXE)
	$(TEST_ENV) $(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-slow: $(VENV)/.installed translations $(AXE)
	$(TEST_ENV) $(BIN)/python -m pytest -q -m slow $(PYTEST_ARGS)

# Load test: the app's pages against a bare Flask hello (see README, Benchmarks).
# BENCH_QUICK=1 for a short run; BENCH_DATABASE_URL=postgresql+psycopg://... (its schema is dropped).
bench: $(VENV)/.installed translations
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/run.py

# Re-extract UI strings after changing templates or code; then translate the new entries.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update --ignore-obsolete -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

clean:
	rm -rf $(VENV) .cache .pytest_cache
