# Two commands on a fresh machine:  make run  (the app on SQLite with demo data)
#                                   make test (the whole suite, SQLite and PostgreSQL)
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app webapp
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000
TRANSLATIONS := webapp/translations
MO := $(TRANSLATIONS)/am/LC_MESSAGES/messages.mo

.PHONY: run worker test install browser bench bench-migration clean translations

$(BIN)/.installed: pyproject.toml
	@# PyICU (the Ethiopian calendar) builds against Debian's ICU headers.
	@{ command -v pkg-config >/dev/null && pkg-config --exists icu-i18n && command -v g++ >/dev/null; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libicu-dev pkg-config g++ >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed $(MO)

# The Amharic catalogue, compiled (the .mo is build output: not in git).
$(MO): $(TRANSLATIONS)/am/LC_MESSAGES/messages.po $(BIN)/.installed
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS)

# After changing or adding texts: extract them, merge them into the catalogue (then translate
# the new ones in messages.po: tests/test_translations.py fails on any left empty), compile.
translations: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --sort-by-file -o $(TRANSLATIONS)/messages.pot \
	  --project "Tutor sessions" --copyright-holder "Tutor sessions" .
	$(BIN)/pybabel -q update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS)

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Open http://$(HOST):$(PORT)/ and log in as tutor1@example.com / demo1234"
	$(FLASK) run --host $(HOST) --port $(PORT)

# The notification worker beside `make run` (no MAIL_SERVER: messages stay in the outbox).
worker: install
	$(FLASK) send-notifications

# Debian's Chromium for the browser tests (Playwright cannot download its own here), and an
# Ethiopic font so that Amharic pages render (and screenshot) as on a phone.
browser:
	@{ command -v chromium >/dev/null && fc-list | grep -qi abyssinica; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-sil-abyssinica >/dev/null; }

test: install browser
	$(BIN)/pytest

# HTTP benchmark against baselines in the same run, then the soak and races (bench/http.py).
bench: install
	$(BIN)/python -m bench.http

bench-migration: install
	$(BIN)/python -m bench.migration

.PHONY: css bench-wire

# Bytes on the wire and load times of the lesson list on an emulated slow 3G phone (bench/wire.py).
bench-wire: install browser
	$(BIN)/python -m bench.wire

# static/vendor/pico-2.1.1.trimmed.min.css: Pico 2.1.1 (@picocss/pico, css/pico.min.css) with only
# the rules whose elements, classes and attributes appear in the templates, app.js and the
# markup built in Python; PurgeCSS 8.0.0, both from the npm registry into a temporary folder
# (nothing of node lands in the repo). The safelist: what only rendered pages or the browser
# show (pygal's <svg>, WTForms' <optgroup>, aria-* states set at run time), and the pseudo-classes
# PurgeCSS 8 would wrongly drop (a compound of pseudo-classes alone, as Pico's
# `:where(a:not([role=button])):focus-visible` or `:where(select,textarea):not([readonly]):is(:active,:focus)`:
# without them links and fields lose their hover and focus styles). Pico's dark scheme
# (@media prefers-color-scheme: dark) goes too: the pages are light only (<meta name=color-scheme
# content=light>, app.css's light boxes and badges, unreadable on Pico's dark background).
# Run it again after markup starts using a Pico element, class or attribute no template used before.
PURGECSS_VERSION := 8.0.0
PICO_VERSION := 2.1.1
PICO_SAFELIST := aria-invalid aria-busy aria-current aria-pressed aria-expanded aria-disabled \
  hidden disabled svg optgroup b :where :is :hover :focus :focus-visible :active :-moz-focusring :-moz-ui-invalid
PICO_DROP_DARK := const fs = require("fs"), postcss = require(process.argv[1]); \
  const root = postcss.parse(fs.readFileSync(process.argv[2], "utf8")); \
  root.walkAtRules("media", (rule) => { if (/prefers-color-scheme:\s*dark/.test(rule.params)) rule.remove(); }); \
  fs.writeFileSync(process.argv[3], root.toString() + "\n");
css:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	npm install --prefix "$$tmp" --no-save --no-audit --no-fund --silent \
	  purgecss@$(PURGECSS_VERSION) @picocss/pico@$(PICO_VERSION) && \
	"$$tmp/node_modules/.bin/purgecss" --css "$$tmp/node_modules/@picocss/pico/css/pico.min.css" \
	  --content 'templates/**/*.html' static/app.js webapp/markup.py webapp/web.py \
	  --safelist $(PICO_SAFELIST) --output "$$tmp/out" && \
	node -e '$(PICO_DROP_DARK)' "$$tmp/node_modules/postcss" "$$tmp/out/pico.min.css" static/vendor/pico-$(PICO_VERSION).trimmed.min.css && \
	wc -c static/vendor/pico-$(PICO_VERSION).trimmed.min.css

clean:
	rm -rf $(VENV) instance .pytest_cache
