# Two commands for a fresh machine (see README.md):
#   make run    set up, migrate, seed the demo data and serve http://127.0.0.1:8000
#               (another port: PORT=8001 make run)
#   make test   set up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# `make run` serves on this machine only; PORT=8001 make run picks another port.
HOST := 127.0.0.1
PORT ?= 8000

.PHONY: run test install check worker lock

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Beat's periodic work (summaries at the opinion deadline, opinion reminders, agendas) runs beside
# the server (manage.py run_periodic); with a broker configured it stops at once: beat runs with
# the worker (make worker).
# E-mailed links point at the port served (SITE_URL), unless SITE_URL is set.
RUN_ENV = DEBUG=$${DEBUG:-true} SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)}
run: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo --url http://$(HOST):$(PORT)/
	$(RUN_ENV) $(BIN)/python manage.py run_periodic & periodic=$$!; \
	trap 'kill $$periodic 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest --cov --cov-report=term

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/mypy

worker: $(STAMP)
	$(BIN)/celery -A tumorboard worker --beat --loglevel=INFO

# Re-pin every dependency after changing pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock
