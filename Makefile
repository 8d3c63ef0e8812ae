# emobatch: two commands set everything up on a fresh machine with Python >= 3.11.
#   make run   - bootstrap .venv, run the sampling mode on the bundled posts, offline backend
#   make test  - bootstrap .venv (with test extras) and run the whole test suite
#   make test-fast - the same without the Snakemake and cluster tests (marked `slow`)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
CORES ?= 2

.PHONY: run test test-fast lint fmt bench clean-results

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) results/sampling.parquet

# both on two workers (pytest-xdist; the machine has 2 cores); tests sharing a built project or a
# cluster carry @pytest.mark.xdist_group and stay on one worker (--dist loadgroup)
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup

test: $(STAMP)
	$(PYTEST) tests

# everything but the tests that run Snakemake or a cluster (marked `slow`)
test-fast: $(STAMP)
	$(PYTEST) -m "not slow" tests

# style, formatting, the workflow, types (strict; see [tool.mypy]) and the import
# contracts of the architecture (see [tool.importlinter]); all read pyproject.toml
lint: $(STAMP)
	$(BIN)/ruff check src tests bench workflow
	$(BIN)/ruff format --check src tests bench workflow
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench workflow
	$(BIN)/snakefmt Snakefile workflow/rules

# Start the results over: removes results/ and logs/ but KEEPS the submission ledger, the
# analysis history and the local emulator's state (results/ledger, results/history,
# results/emulator), so nothing already paid for is paid again. `make clean-results ALL=1`
# removes those too (only for a project you are discarding).
clean-results:
ifeq ($(ALL),1)
	rm -rf results logs .snakemake
	@echo "removed results/, logs/ and .snakemake/, including the ledger and the history (ALL=1)"
else
	@mkdir -p results
	find results -mindepth 1 -maxdepth 1 ! -name ledger ! -name history ! -name emulator -exec rm -rf {} +
	rm -rf logs .snakemake/incomplete .snakemake/metadata
	@echo "removed results/ and logs/; kept results/ledger, results/history and results/emulator"
	@echo "(the record of what was paid for). Remove those too with: make clean-results ALL=1"
endif
