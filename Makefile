# Two commands on a fresh machine:  make run  (the app on SQLite with demo data)
#                                   make test (the whole suite, SQLite and PostgreSQL)
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app webapp
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run worker test install browser bench bench-migration clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Open http://$(HOST):$(PORT)/ and log in as tutor1@example.com / demo1234"
	$(FLASK) run --host $(HOST) --port $(PORT)

# The notification worker beside `make run` (no MAIL_SERVER: messages stay in the outbox).
worker: install
	$(FLASK) send-notifications

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: install browser
	$(BIN)/pytest

# HTTP benchmark against baselines in the same run, then the soak and races (bench/http.py).
bench: install
	$(BIN)/python -m bench.http

bench-migration: install
	$(BIN)/python -m bench.migration

clean:
	rm -rf $(VENV) instance .pytest_cache
