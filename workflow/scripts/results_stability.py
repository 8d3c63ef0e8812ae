"""Rule results_stability: a thin wrapper; the logic is emobatch.workflow.results_stability."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
