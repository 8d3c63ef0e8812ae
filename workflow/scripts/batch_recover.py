"""Rule batch_recover: a thin wrapper; the logic is emobatch.workflow.batch_recover."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
