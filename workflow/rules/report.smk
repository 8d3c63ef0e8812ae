# What a researcher can look at and cite: figures (results/<mode>/figures/), the provenance
# record, a methods draft and the page that shows both, every one registered for the Snakemake
# report with a caption quoting this run's numbers (workflow/report/*.rst). One command:
#   snakemake --cores 2 --report results/<mode>.report.html --report-after-run \
#     results/<mode>.provenance.html
# Captions read the numbers the figures wrote (params computed from the output: derived
# params, which never trigger a re-run).
from emobatch.report.inputs import (
    FIGURES,
    caption_numbers,
    stability_input,
    validation_input,
)


wildcard_constraints:
    group="[A-Za-z][A-Za-z0-9_]*",


rule results_figures:
    input:
        dataset=MODE.parquet,
        summary=MODE.summary,
        filter_report=current(RUN.filter_report),
        estimate=current(RUN.estimate),
        collected=current(RUN.collected),
        validation=lambda wildcards: validation_input(ANALYSIS),
        stability=lambda wildcards: stability_input(wildcards.mode),
    output:
        emotions=report(
            MODE.figure("emotions"),
            caption="../report/emotions.rst",
            category="Results",
            subcategory="Distribution",
        ),
        intensity=report(
            MODE.figure("intensity"),
            caption="../report/intensity.rst",
            category="Results",
            subcategory="Intensity and sentiment",
        ),
        sentiment=report(
            MODE.figure("sentiment"),
            caption="../report/sentiment.rst",
            category="Results",
            subcategory="Intensity and sentiment",
        ),
        dropped=report(
            MODE.figure("dropped"),
            caption="../report/dropped.rst",
            category="Data quality",
        ),
        model_versions=report(
            MODE.figure("model_versions"),
            caption="../report/model_versions.rst",
            category="Data quality",
        ),
        cost=report(
            MODE.figure("cost"),
            caption="../report/cost.rst",
            category="Cost",
        ),
        confusion=report(
            MODE.figure("confusion"),
            caption="../report/confusion.rst",
            category="Validation",
        ),
        f1=report(
            MODE.figure("f1"),
            caption="../report/f1.rst",
            category="Validation",
        ),
        stability=report(
            MODE.figure("stability"),
            caption="../report/stability.rst",
            category="Validation",
        ),
        emotions_csv=report(
            MODE.table("emotions"),
            caption="../report/table.rst",
            category="Results",
            subcategory="Tables",
        ),
        dropped_csv=report(
            MODE.table("dropped"),
            caption="../report/table.rst",
            category="Data quality",
        ),
        model_versions_csv=report(
            MODE.table("model_versions"),
            caption="../report/table.rst",
            category="Data quality",
        ),
        cost_csv=report(
            MODE.table("cost"),
            caption="../report/table.rst",
            category="Cost",
        ),
        tables=report(
            MODE.tables_html,
            caption="../report/tables.rst",
            category="Results",
            subcategory="Tables",
        ),
        numbers=MODE.figure_numbers(),
    log:
        MODE.log("results_figures"),
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    params:
        n=lambda wildcards, output: caption_numbers(output.numbers),
    script:
        "../scripts/results_figures.py"


rule results_figure_by:
    input:
        dataset=MODE.parquet,
    output:
        figure=report(
            MODE.figure("emotion_by_{group}"),
            caption="../report/emotion_by.rst",
            category="Results",
            subcategory="By {group}",
        ),
        table=report(
            MODE.table("emotion_by_{group}"),
            caption="../report/table.rst",
            category="Results",
            subcategory="Tables",
        ),
        numbers=MODE.figure_numbers("emotion_by_{group}"),
    log:
        MODE.log("results_figure_by_{group}"),
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    params:
        n=lambda wildcards, output: caption_numbers(output.numbers),
    script:
        "../scripts/results_figure_by.py"


rule report_provenance:
    input:
        dataset=MODE.parquet,
        summary=MODE.summary,
        filter_report=current(RUN.filter_report),
        estimate=current(RUN.estimate),
        collected=current(RUN.collected),
        codebook=config["codebook"],
        validation=lambda wildcards: validation_input(ANALYSIS),
        stability=lambda wildcards: stability_input(wildcards.mode),
    output:
        report(
            MODE.provenance,
            caption="../report/provenance.rst",
            category="Provenance",
        ),
    log:
        MODE.log("report_provenance"),
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    params:
        p=lambda wildcards, output: caption_numbers(output[0]),
    script:
        "../scripts/report_provenance.py"


rule report_methods:
    input:
        provenance=MODE.provenance,
    output:
        report(MODE.methods, caption="../report/methods.rst", category="Provenance"),
    log:
        MODE.log("report_methods"),
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    script:
        "../scripts/report_methods.py"


# The target of the report command: the provenance page needs every figure and table.
rule report_page:
    input:
        provenance=MODE.provenance,
        methods=MODE.methods,
        files=[
            *[MODE.figure(name) for name in FIGURES],
            *[MODE.figure(f"emotion_by_{c}") for c in SETTINGS.report.group_by],
            MODE.tables_html,
        ],
    output:
        report(
            MODE.provenance_html,
            caption="../report/provenance_page.rst",
            category="Provenance",
        ),
    log:
        MODE.log("report_page"),
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    params:
        p=lambda wildcards, input: caption_numbers(input.provenance),
    script:
        "../scripts/report_page.py"
