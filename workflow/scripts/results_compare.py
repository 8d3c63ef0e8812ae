"""Rule results_compare: a thin wrapper; the logic is emobatch.workflow.results_compare."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
