"""Rule results_figures: a thin wrapper; the logic is emobatch.workflow.results_figures."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
