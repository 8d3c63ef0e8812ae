"""Rule batch_submitted: a thin wrapper; the logic is emobatch.workflow.batch_submitted."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
