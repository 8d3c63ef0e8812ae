"""Rule batch_poll: a thin wrapper; the logic is emobatch.workflow.batch_poll."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
