# The command surface of the project. Every target sets itself up: a fresh clone
# needs only Python 3.11.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Re-install whenever the dependency declarations change.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
PIP := $(BIN)/pip --disable-pip-version-check --quiet
# checkov (infra/ checks) has dependencies that conflict with the project's: own venv.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(shell cat infra/checkov-constraints.txt | sha256sum | cut -c1-16)

# Sample data only: the demo and the tests use the public demo pepper unless a
# real one is set. A real deployment sets SAGE_PEPPER and never SAGE_DEMO.
ifeq ($(SAGE_PEPPER),)
export SAGE_DEMO := 1
endif

.PHONY: help setup demo test fuzz lint infra aws-cost docs bench clean browser trino trino-for-tests screenshots

help:
	@echo "make demo    generate a sample month, ingest it, build the warehouse, print the cost summary, build the dashboard"
	@echo "make test    every check CI runs"
	@echo "make fuzz    damaged input into every source and Lambda handler: CASES=N each (default 2000)"
	@echo "make lint    ruff, the import layering (import-linter), mypy and sqlfluff"
	@echo "make infra   parse infra/ and run checkov on it"
	@echo "make aws-cost  monthly AWS cost at 1,000 daily users, from a sample (reports/aws-cost.md)"
	@echo "make docs    dbt docs for the analyst (target/index.html; target/static_index.html, which sage serve shows at /docs)"
	@echo "make screenshots  the README's pictures of the dashboard, from the browser tests (docs/screenshots/)"
	@echo "make bench   benchmarks (writes reports/bench.md); BENCH_ARGS='build --sizes 1000000' for one"
	@echo "make trino   download Trino 476 into its cache (~/.cache/innerverse/trino-476, SAGE_TRINO_HOME)"
	@echo "make clean   remove the demo outputs and dbt artefacts (keeps .venv)"

$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3)"; exit 2; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
		|| { echo "Python 3.11 is needed, $(PYTHON) is $$($(PYTHON) --version)"; exit 2; }
	@echo "setting up $(VENV) (pinned versions from constraints.txt)"
	@rm -rf $(VENV)
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) install --constraint constraints.txt --editable '.[dev]' 2> >(grep -v '^WARNING: Location' >&2)
	@touch $@

$(CHECKOV_STAMP): infra/checkov-constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3)"; exit 2; }
	@echo "setting up $(CHECKOV_VENV) (checkov, pinned in infra/checkov-constraints.txt)"
	@rm -rf $(CHECKOV_VENV)
	@$(PYTHON) -m venv $(CHECKOV_VENV)
	@$(CHECKOV_VENV)/bin/pip --disable-pip-version-check --quiet install \
		--constraint infra/checkov-constraints.txt checkov 2> >(grep -v '^WARNING: Location' >&2)
	@touch $@

profiles.yml:
	cp profiles.example.yml profiles.yml

setup: $(STAMP) profiles.yml

demo: setup
	$(BIN)/sage demo
	$(BIN)/sage dashboard

# The dashboard's tests open the pages in Debian's Chromium (driven by Playwright,
# which cannot download a browser here). Installed when missing, on Debian as root.
browser:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing chromium (apt-get)"; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends chromium fonts-dejavu-core >/dev/null; } \
			|| echo "could not install chromium: the browser tests will be skipped"; \
		else \
			echo "chromium is not installed and cannot be installed here (needs root and apt-get):" \
				"the browser tests will be skipped"; \
		fi; \
	}

# Trino 476 (Athena's engine), which the tests build the project on: about 800 MB from
# Maven Central, once, into a cache outside the clone (SAGE_TRINO_HOME, default
# ~/.cache/innerverse/trino-476). Maven is installed when missing, on Debian as root.
trino: setup
	@command -v mvn >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing maven (apt-get)"; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends maven >/dev/null; } || echo "could not install maven"; \
		fi; \
	}
	$(BIN)/sage trino install

# In `make test` a machine that cannot set Trino up still runs every other test; the
# reason is kept, and pytest's last lines say that the Trino tests did not run and why.
trino-for-tests:
	@$(MAKE) --no-print-directory trino || echo "Trino could not be set up (see above): the Trino tests will be skipped"

test: setup browser $(CHECKOV_STAMP) trino-for-tests
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

# The fuzz test `make test` runs a few hundred cases of, at length: CASES damaged inputs
# per source and per Lambda handler, from the sequence SEED picks. Prints a summary of each.
CASES ?= 2000
SEED ?= 20260422
fuzz: setup
	SAGE_FUZZ_CASES=$(CASES) SAGE_FUZZ_SEED=$(SEED) $(BIN)/pytest tests/test_ingest_fuzz.py -q -s

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m sage.checks.sql_lint

infra: setup $(CHECKOV_STAMP)
	$(BIN)/python -m sage.checks.bi_datasets
	$(BIN)/python -m sage.checks.terraform

aws-cost: setup
	$(BIN)/python -m benchmarks.aws_cost

# The benchmark's Spark peer (benchmarks/spark_peer.py): PySpark from PyPI in a virtualenv
# of its own, on the machine's Java 17; only `make bench` installs it.
SPARK_VENV := .venv-spark
PYSPARK_VERSION := 4.0.1
SPARK_STAMP := $(SPARK_VENV)/.installed-pyspark-$(PYSPARK_VERSION)

$(SPARK_STAMP):
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3)"; exit 2; }
	@echo "setting up $(SPARK_VENV) (pyspark $(PYSPARK_VERSION), for the benchmark's Spark peer)"
	@rm -rf $(SPARK_VENV)
	@$(PYTHON) -m venv $(SPARK_VENV)
	@$(SPARK_VENV)/bin/pip --disable-pip-version-check --quiet install pyspark==$(PYSPARK_VERSION) \
		2> >(grep -v '^WARNING: Location' >&2)
	@touch $@

bench: setup $(SPARK_STAMP)
	SAGE_SPARK_PYTHON=$(SPARK_VENV)/bin/python $(BIN)/python -m benchmarks $(BENCH_ARGS)

# dbt docs, and a copy in one file (--static: target/static_index.html) that
# `sage serve` shows at /docs behind the dashboard's password.
docs: setup
	$(BIN)/dbt $$([ -t 1 ] || echo --no-use-colors) docs generate --static --profiles-dir .
	@echo "target/static_index.html: dbt docs in one file, served by \`sage serve\` at /docs behind the dashboard's password (or: $(BIN)/dbt docs serve --profiles-dir .)"

# The README's pictures of the two pages, taken again by the browser tests.
screenshots: setup browser
	SAGE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest -q tests/test_dashboard_serve.py

clean:
	rm -rf sample lake lake.audit-head.json lake.audit-head.json.lock site reports target logs \
		warehouse.duckdb warehouse.duckdb.wal warehouse-trino
