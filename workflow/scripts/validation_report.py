"""Rule validation_report: a thin wrapper; the logic is emobatch.workflow.validation_report."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
