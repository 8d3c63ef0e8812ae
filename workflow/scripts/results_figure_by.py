"""Rule results_figure_by: a thin wrapper; the logic is emobatch.workflow.results_figure_by."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
