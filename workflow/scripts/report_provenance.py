"""Rule report_provenance: a thin wrapper; the logic is emobatch.workflow.report_provenance."""

from emobatch.workflow import run

run(snakemake)  # noqa: F821 - injected by Snakemake
