# The README's two commands: `make run` and `make test`. Both bootstrap .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_SDK := tests/sdk/node_modules/@ozmap/ozmap-sdk/package.json

.PHONY: run test venv lock sdk bench clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

$(NODE_SDK): tests/sdk/package.json tests/sdk/package-lock.json
	cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error

sdk: $(NODE_SDK)

run: $(STAMP)
	$(BIN)/ozsim serve

test: $(STAMP) $(NODE_SDK)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lock:
	$(BIN)/python -m pip install --quiet -r requirements.in
	echo '# Every dependency pinned: generated from requirements.in by `make lock`. Install with `make venv`.' > requirements.lock
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' >> requirements.lock

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) tests/sdk/node_modules
