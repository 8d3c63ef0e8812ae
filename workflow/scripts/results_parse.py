"""Rule results_parse: a thin wrapper; the logic is emobatch.workflow.results_parse."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
