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


rule results_merge:
    input:
        selected=lambda wc: f"results/{wc.mode}/{ANALYSIS}/filter/selected.parquet",
        parsed=parsed_chunks,
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
