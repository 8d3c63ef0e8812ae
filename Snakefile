# emobatch: emotion coding of social-media posts with Gemini Batch Mode.
# Targets: results/{code_check,pilot,sampling,full}.parquet (+ .csv, .summary.json).
# Preview with `snakemake -n results/sampling.parquet`; see README.md.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


# the Snakemake report's front page: snakemake --cores 2 --report results/<mode>.report.html
# --report-after-run results/<mode>.provenance.html (README, "Report and provenance")
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/filter.smk"
include: "workflow/rules/requests.smk"
include: "workflow/rules/batch.smk"
include: "workflow/rules/results.smk"
include: "workflow/rules/validation.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        "results/sampling.parquet",
