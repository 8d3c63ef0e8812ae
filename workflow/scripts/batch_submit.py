"""Rule batch_submit: a thin wrapper; the logic is emobatch.workflow.batch_submit."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
