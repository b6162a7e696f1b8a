# FitAI: `make run` serves the whole app, `make test` runs the suite. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed
# The stack: PostgreSQL and Redis on this machine (.ci/run starts them when they are down).
STACK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fitai
STACK_REDIS_URL ?= redis://127.0.0.1:6379/9
PYTEST_ARGS ?=

.PHONY: run test test-stack chromium lint fmt migrate superuser seed install clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed

run: seed
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "FitAI on http://$(HOST):$(PORT)/  (API docs /api/docs/, admin /admin/)"
	$(BIN)/daphne -b $(HOST) -p $(PORT) fitai.asgi:application

superuser: migrate
	$(PY) manage.py createsuperuser

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

test-stack: $(STAMP) chromium
	DATABASE_URL=$(STACK_DATABASE_URL) REDIS_URL=$(STACK_REDIS_URL) FITAI_STACK=1 \
			$(BIN)/pytest $(PYTEST_ARGS)

# The browser tests drive Debian's Chromium; install it when it is missing (needs root, as in CI).
chromium:
	@test -x /usr/bin/chromium || { apt-get update -q && apt-get install -y -q chromium; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
