"""Rule requests_build: a thin wrapper; the logic is emobatch.workflow.requests_build."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
