"""Rule report_page: a thin wrapper; the logic is emobatch.workflow.report_page."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
