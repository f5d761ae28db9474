# The README's two commands: `make run` and `make test`. Both bootstrap .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_SDK := tests/sdk/node_modules/@ozmap/ozmap-sdk/package.json
# the map library of the web pages, copied into the package by `npm run build` in web/
ASSETS := simulator/web/static/vendor/leaflet/leaflet.js
CHROMIUM := /usr/bin/chromium

.PHONY: run test venv lock sdk assets chromium screenshots bench clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

$(NODE_SDK): tests/sdk/package.json tests/sdk/package-lock.json
	cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error

sdk: $(NODE_SDK)

$(ASSETS): web/package.json web/package-lock.json web/build.mjs
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

assets: $(ASSETS)

# The browser tests drive Debian's chromium (never a browser download): installed here when
# it is missing and we are root (CI runs as root); otherwise they are skipped, except in CI.
chromium:
	@test -x $(CHROMIUM) || { if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is missing: 'sudo apt-get install chromium' to run the browser tests"; fi; }

# the browser tests' screenshots of the last run, into the folder the README links
screenshots:
	mkdir -p docs/screenshots && cp reports/screenshots/*.png docs/screenshots/

run: $(STAMP) $(ASSETS)
	$(BIN)/ozsim serve

test: $(STAMP) $(NODE_SDK) $(ASSETS) chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# requirements.in resolved in a throwaway venv, so nothing installed by hand into .venv can leak
# into the lock. The lock's pins of packages that requirements.in does not name are kept as
# constraints (no incidental upgrades); delete such a line to let that package move.
lock:
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PY) -m venv "$$tmp/venv"; \
	norm() { tr '[:upper:]' '[:lower:]' | tr '_.' '--'; }; \
	direct=$$(sed -e 's/#.*//' -e 's/[=<>~!;[ ].*//' requirements.in | grep . | norm); \
	touch requirements.lock; grep -v '^#' requirements.lock | while IFS= read -r pin; do \
	  printf '%s\n' $$direct | grep -qx "$$(printf '%s' "$${pin%%==*}" | norm)" || echo "$$pin"; \
	done > "$$tmp/constraints.txt"; \
	"$$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
	  -r requirements.in -c "$$tmp/constraints.txt"; \
	{ echo '# Every dependency pinned: generated from requirements.in by `make lock`. Install with `make venv`.'; \
	  "$$tmp/venv/bin/python" -m pip freeze --all --exclude pip --exclude-editable | grep -v '^-e'; } > "$$tmp/lock"; \
	mv "$$tmp/lock" requirements.lock

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) tests/sdk/node_modules web/node_modules simulator/web/static/vendor
