"""Rule realtime_code: a thin wrapper; the logic is emobatch.workflow.realtime_code."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
