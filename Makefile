# Two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
SANDBOX_PORT ?= 5055
PYTEST_ARGS ?=
# `make bench` (SQLite), `make bench DB=postgres`, `make bench BENCH_ARGS=--quick` for a trial run.
BENCH_ARGS ?=

.PHONY: run test install translations db seed lint bench clean lock e2e-tools

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev,postgres]"
	touch $@

install: $(VENV)/.installed

translations: install
	$(PY) -m portal.i18n_tools compile

db: install translations
	$(FLASK) db upgrade

seed: db
	$(FLASK) seed-demo --if-empty

# The portal plus, in the background and stopped with it: the platform sandbox, the outbox worker and
# the scheduled jobs (portal/devstack.py).
run: seed
	$(FLASK) dev-stack --host $(HOST) --port $(PORT) --sandbox-port $(SANDBOX_PORT)

# axe-core for the accessibility browser test, pinned by tests/e2e/package-lock.json and injected into
# Chromium by the tests only (never served to users). Without npm the axe tests skip and say why.
AXE := tests/e2e/node_modules/axe-core/axe.min.js
e2e-tools: $(AXE)
$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the axe-core accessibility tests will be skipped"; fi

test: install translations e2e-tools
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check portal config tests

bench: install translations
	$(PY) tests/perf/bench.py $(if $(DB),--db $(DB),) $(BENCH_ARGS)

# Re-pin every installed package after a change to pyproject.toml (reproducible installs).
lock: install
	$(PY) -m pip freeze --exclude-editable | grep -v "^archive-outsourcing-portal" > requirements.lock

clean:
	rm -rf $(VENV) instance var tests/e2e/node_modules
