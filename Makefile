# tipsim: two commands for a newcomer (see README):
#   make demo   set up everything and run the main job (a policy comparison and its dashboard)
#   make test   set up everything and run the whole test suite
# Both build .venv with a Python 3.12+ that tools/find_python.sh finds on its own.

VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.tipsim-installed
DEMO_OUT ?= results/demo

# make test lints (ruff) the whole package, its tests, tools and benchmarks, and type-checks
# (mypy) the package; both are configured in pyproject.toml ([tool.ruff], [tool.mypy]).
PACKAGE := simulation

.PHONY: demo test lint bench docs venv browser clean help

help:
	@echo "make demo   - set up and run the shipped policy comparison, then build its dashboard"
	@echo "make test   - set up and run all tests"
	@echo "make bench  - run the benchmark suite (benchmarks/results.json)"
	@echo "make docs   - build the documentation site (docs/_build/html/index.html)"

$(STAMP): pyproject.toml setup.py simulation/model/hashchain.c simulation/model/fmath.c
	@PY=$$(tools/find_python.sh) || exit 1; \
	if [ ! -x $(BIN)/python ] || ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
		rm -rf $(VENV); echo "Creating $(VENV) with $$PY"; "$$PY" -m venv $(VENV) || exit 1; \
	fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# setuptools reports an editable install of a package with a mapped folder (scenarios/ is
	@# simulation.library) as a warning, for information only: not shown
	PYTHONWARNINGS="ignore:Editable installation" \
		$(BIN)/python -m pip install --quiet -e '.[dev,cluster,explore,calibrate,backtest,docs]'
	@touch $(STAMP)

venv: $(STAMP)

# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium; it never
# downloads a browser of its own).
browser:
	@tools/ensure_chromium.sh

lint: $(STAMP)
	$(BIN)/python -m ruff check $(PACKAGE) tests tools benchmarks
	$(BIN)/python -m mypy $(PACKAGE)

# The tests run in parallel on up to four cores (pytest-xdist), a test file per worker: a file's
# tests share its fixtures (an executed notebook, a built site, a small calibration).
TEST_JOBS ?= $(shell $(BIN)/python -c 'import os; print(min(4, len(os.sched_getaffinity(0))))' 2>/dev/null || echo 2)

test: $(STAMP) browser lint
	$(BIN)/python -m pytest -q -n $(TEST_JOBS) --dist loadfile

demo: $(STAMP)
	$(BIN)/tipsim demo --out $(DEMO_OUT)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Offline: the notebooks are shown as committed (the tests execute them), nothing is fetched.
docs: $(STAMP)
	$(BIN)/python -m sphinx -b html -W --keep-going -q docs docs/_build/html
	@echo "Documentation: docs/_build/html/index.html"

clean:
	rm -rf $(VENV) results/demo docs/_build docs/_generated
