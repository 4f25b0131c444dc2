# Two commands: `make run` (app on a bundled sample) and `make test` (whole suite).
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501
LINTED := clustering app tests benchmarks sample_data

.PHONY: run test lint format test-slow browser bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -c "from clustering.backends.evoc import warm; print(f'EVoC compiled and cached in {warm():.0f} s')"
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/streamlit run app/Home.py --server.port $(PORT) --server.headless true

# Debian's Chromium for the browser tests; tests skip with a reason where it cannot be installed.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || echo "chromium not installed: browser tests will be skipped"

# Lint first (seconds): ruff's rules and format, and mypy, as configured in pyproject.toml.
lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/mypy
	python3 .ci/import_cycles.py .
	python3 .ci/folder_cycles.py .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix --exit-zero --quiet $(LINTED)
	$(VENV)/bin/ruff format $(LINTED)

test: $(STAMP) browser lint
	$(PY) -m pytest -q -ra

test-slow: $(STAMP)
	$(PY) -m pytest -q -ra -m slow

bench: $(STAMP)
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) benchmarks/engine.py
	$(PY) benchmarks/explain.py
	$(PY) benchmarks/trust.py

clean:
	rm -rf $(VENV) .clusterlab-cache
