"""Rule filter_select: a thin wrapper; the logic is emobatch.workflow.filter_select."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
