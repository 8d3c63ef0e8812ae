rule results_parse:
    input:
        recovered=RUN.recovered("{chunk}"),
    output:
        parsed=RUN.parsed("{chunk}"),
    log:
        RUN.log("results_parse", "{chunk}"),
    conda:
        "../envs/emobatch.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../scripts/results_parse.py"


# Collecting the chunks in a file whose path holds the analysis id lets Snakemake see that a
# new analysis (other model, codebook or settings) needs a new merge: a rule whose input
# function waits on a checkpoint is otherwise not re-evaluated once its output exists.
rule results_collect:
    input:
        parsed=parsed_chunks,
    output:
        RUN.collected,
    log:
        RUN.log("results_collect"),
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    script:
        "../scripts/results_collect.py"


rule results_merge:
    input:
        selected=current(RUN.selected),
        collected=current(RUN.collected),
    output:
        parquet=MODE.parquet,
        csv=MODE.csv,
        summary=MODE.summary,
        columns=MODE.columns,
    log:
        MODE.log("results_merge"),
    conda:
        "../envs/emobatch.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    script:
        "../scripts/results_merge.py"


# How stable repeat codings are (repeats > 1): results/<mode>.stability.json
rule results_stability:
    input:
        collected=current(RUN.collected),
    output:
        MODE.stability,
    log:
        MODE.log("results_stability"),
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    script:
        "../scripts/results_stability.py"


# Agreement with another analysis of the same posts (compare.against, e.g. another delivery or
# model): results/<mode>.compare.json
rule results_compare:
    input:
        dataset=MODE.parquet,
    output:
        MODE.compare,
    log:
        MODE.log("results_compare"),
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    script:
        "../scripts/results_compare.py"
