"""Rule report_methods: a thin wrapper; the logic is emobatch.workflow.report_methods."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
