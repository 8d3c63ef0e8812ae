"""Rule batch_download: a thin wrapper; the logic is emobatch.workflow.batch_download."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
