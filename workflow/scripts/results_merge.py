"""Rule results_merge: a thin wrapper; the logic is emobatch.workflow.results_merge."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
