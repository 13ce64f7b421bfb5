# Two commands for a reader of this repo: `make reports` and `make test`. `make lab` opens the notebooks.
# Every target creates .venv from the hashed lock when it is missing or older than the lock; the project
# itself installs with --no-build-isolation, so its build backend (hatchling) comes from the lock too.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.desk-installed
KERNEL_SPEC := $(VENV)/share/jupyter/kernels/desk/kernel.json
LAB_VENV := .venv-lab
LAB_STAMP := $(LAB_VENV)/.desk-installed
EXPLORE_VENV := .venv-explore
EXPLORE_STAMP := $(EXPLORE_VENV)/.desk-installed
EXPLORE_PORT ?= 8001
export PYTHONHASHSEED := 0
export UV_NO_CONFIG := 1

.PHONY: setup reports test lab lab-env explore bench lock clean

setup: $(STAMP) $(KERNEL_SPEC)

$(STAMP): requirements.lock requirements-bootstrap.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-bootstrap.lock
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes --compile-bytecode requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation --compile-bytecode -e .
	$(BIN)/python -m helpers.publish.lab kernel $(VENV)
	@touch $@

# The `desk` kernel (its python is .venv's), which notebooks, the build and nbmake ask for.
$(KERNEL_SPEC): src/helpers/publish/lab.py | $(STAMP)
	$(BIN)/python -m helpers.publish.lab kernel $(VENV)

reports: $(STAMP) $(KERNEL_SPEC)
	$(BIN)/desk build

# Unit, build and browser tests, plus every story notebook run top to bottom (nbmake) once there are any.
# --dist loadfile keeps each test file on one worker, so session fixtures (a built desk) are built once.
NOTEBOOK_FILES := $(wildcard notebooks/*.ipynb)
AXE_STAMP := tests/browser/node_modules/.package-lock.json
test: $(STAMP) $(KERNEL_SPEC) $(AXE_STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 --dist loadfile tests $(if $(NOTEBOOK_FILES),--nbmake notebooks)

# axe-core for the browser test's accessibility check, exactly as pinned in the lock (git-ignored).
$(AXE_STAMP): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# JupyterLab at the project root, on notebooks/, with the desk kernel and the desk's Chinese font;
# as root it adds --allow-root. Options for jupyter lab go in LAB_ARGS, e.g.
#   make lab LAB_ARGS="--no-browser --port 8899 --ip 0.0.0.0"
LAB_ARGS ?=
lab: $(STAMP) $(KERNEL_SPEC) $(LAB_STAMP)
	$(BIN)/python -m helpers.publish.lab run --lab-env $(LAB_VENV) $(LAB_ARGS)

# The lab environment alone (CI creates it so the lab's browser test runs).
lab-env: $(LAB_STAMP)

$(LAB_STAMP): requirements-lab.lock pyproject.toml | $(STAMP)
	@test -x $(LAB_VENV)/bin/python || $(BIN)/uv venv --quiet --python $(BIN)/python $(LAB_VENV)
	$(BIN)/uv pip sync --quiet --python $(LAB_VENV)/bin/python --require-hashes --compile-bytecode requirements-lab.lock
	$(BIN)/uv pip install --quiet --python $(LAB_VENV)/bin/python --no-deps --no-build-isolation --compile-bytecode -e .
	$(BIN)/python -m helpers.publish.lab setup --lab-env $(LAB_VENV) --kernel-prefix $(LAB_VENV)
	@touch $@

# Datasette on the figure database (data/processed/desk.sqlite, brought up to date by `desk build`),
# with explore/metadata.json (descriptions, units, canned queries). Its own environment, from its
# own hashed lock: nothing the tests or the build import.
explore: $(STAMP) $(EXPLORE_STAMP)
	$(BIN)/desk build
	$(EXPLORE_VENV)/bin/datasette serve data/processed/desk.sqlite --metadata explore/metadata.json \
		--host 127.0.0.1 --port $(EXPLORE_PORT) --setting sql_time_limit_ms 5000

$(EXPLORE_STAMP): requirements-explore.lock | $(STAMP)
	@test -x $(EXPLORE_VENV)/bin/python || $(BIN)/uv venv --quiet --python $(BIN)/python $(EXPLORE_VENV)
	$(BIN)/uv pip sync --quiet --python $(EXPLORE_VENV)/bin/python --require-hashes --compile-bytecode requirements-explore.lock
	@touch $@

bench: $(STAMP)
	$(BIN)/python benchmarks/ledger.py
	$(BIN)/python benchmarks/fonts.py
	$(BIN)/python benchmarks/build.py

# Re-resolve the locks after changing pyproject.toml (hashes, no index addresses).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra test --extra dev --generate-hashes --universal --python-version 3.11 --no-header --quiet -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra test --extra dev --extra lab --generate-hashes --universal --python-version 3.11 --no-header --quiet -o requirements-lab.lock
	$(BIN)/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['explore'], sep='\n')" \
		| $(BIN)/uv pip compile - --generate-hashes --universal --python-version 3.11 --no-header --quiet -o requirements-explore.lock
	echo "uv==0.13.8" | $(BIN)/uv pip compile - --generate-hashes --universal --python-version 3.11 --no-header --quiet -o requirements-bootstrap.lock

clean:
	rm -rf $(VENV) $(LAB_VENV) $(EXPLORE_VENV) .cache tests/browser/node_modules
