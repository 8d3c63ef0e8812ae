rule results_parse:
    input:
        recovered=f"{RUN}/recovered/{{chunk}}.json",
    output:
        parsed=f"{RUN}/parsed/{{chunk}}.parquet",
    log:
        "logs/{mode}/{analysis}/results_parse/{chunk}.log",
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
        f"{RUN}/parsed.json",
    log:
        "logs/{mode}/{analysis}/results_collect.log",
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    script:
        "../scripts/results_collect.py"


rule results_merge:
    input:
        selected=current(f"{RUN}/filter/selected.parquet"),
        collected=current(f"{RUN}/parsed.json"),
    output:
        parquet="results/{mode}.parquet",
        csv="results/{mode}.csv",
        summary="results/{mode}.summary.json",
    log:
        "logs/{mode}/results_merge.log",
    conda:
        "../envs/emobatch.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    script:
        "../scripts/results_merge.py"
