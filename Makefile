# Lastmile — the two commands: `make run` and `make test`. Both are idempotent.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app backend:create_app
DEPS_STAMP := $(VENV)/.deps-$(shell cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)
TEST_DEPS_STAMP := $(VENV)/.test-deps-$(shell cat pyproject.toml requirements-test.lock | sha1sum | cut -c1-12)
PWA_STAMP := pwa/dist/.built
# Test processes (pytest-xdist); `auto` is one per core. TEST_WORKERS=0 runs in this process only.
TEST_WORKERS ?= auto

.PHONY: run test install install-test lock pwa chromium image bench-routing bench-realtime bench-eta clean

run: install pwa
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	$(BIN)/python wsgi.py

test: install-test pwa chromium
	$(BIN)/lint-imports --no-cache
	# Exit code 5 is "PYTEST_ARGS selected none of these tests".
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --ignore=tests/test_fuzz.py $(PYTEST_ARGS) || [ $$? -eq 5 ]
	# The fuzz tests in one process: under pytest-xdist schemathesis collapses each fuzz test's cases into one
	# item with a fraction of the examples, and the last test reads what the runs before it recorded.
	$(BIN)/python -m pytest -p no:xdist tests/test_fuzz.py $(PYTEST_ARGS) || [ $$? -eq 5 ]

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs are reproducible: the lock files pin every package (regenerate them with `make lock`).
$(DEPS_STAMP): pyproject.toml requirements.lock | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	rm -f $(VENV)/.deps-* && touch $@

$(TEST_DEPS_STAMP): pyproject.toml requirements-test.lock | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements-test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	rm -f $(VENV)/.test-deps-* $(VENV)/.deps-* && touch $@ $(DEPS_STAMP)

install: $(DEPS_STAMP)

install-test: $(TEST_DEPS_STAMP)

# After changing dependencies in pyproject.toml: pin them again (Linux x86_64, Python 3.11).
LOCK_FLAGS := --quiet --strip-extras --no-emit-index-url --no-emit-find-links
lock: | $(VENV)/bin/python
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile $(LOCK_FLAGS) -o requirements.lock pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) --extra test -o requirements-test.lock pyproject.toml

# The PWA is built by npm from pwa/ (lock file pinned); built files are not committed.
pwa:
	@if [ -f pwa/package.json ]; then \
		cd pwa && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm run build; \
	fi

# Browser tests drive Debian's chromium through Playwright (Playwright cannot download browsers here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

bench-routing: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/routing/solomon.py --time-limit 10

bench-eta: install
	$(BIN)/python benchmarks/eta_accuracy.py --days 20

bench-realtime: install-test
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/realtime.py --drivers 1000 --dispatchers 20 --seconds 120

clean:
	rm -rf $(VENV) pwa/node_modules pwa/dist instance .pytest_cache
