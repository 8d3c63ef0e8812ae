"""Rule requests_estimate: a thin wrapper; the logic is emobatch.workflow.requests_estimate."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
