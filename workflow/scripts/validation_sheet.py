"""Rule validation_sheet: a thin wrapper; the logic is emobatch.workflow.validation_sheet."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
