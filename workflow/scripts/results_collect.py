"""Rule results_collect: a thin wrapper; the logic is emobatch.workflow.results_collect."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
