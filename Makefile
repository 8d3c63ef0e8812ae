# emobatch: two commands set everything up on a fresh machine with Python >= 3.11.
#   make run   - bootstrap .venv, run the sampling mode on the bundled posts, offline backend
#   make test  - bootstrap .venv (with test extras) and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
CORES ?= 2

.PHONY: run test lint fmt bench clean-results

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) results/sampling.parquet

test: $(STAMP)
	$(BIN)/python -m pytest -q tests

lint: $(STAMP)
	$(BIN)/ruff check src tests bench workflow
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench workflow
	$(BIN)/snakefmt Snakefile workflow/rules
