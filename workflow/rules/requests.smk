checkpoint requests_build:
    input:
        selected=f"{RUN}/filter/selected.parquet",
    output:
        directory(f"{RUN}/chunks"),
    log:
        "logs/{mode}/{analysis}/requests_build.log",
    conda:
        "../envs/emobatch.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../scripts/requests_build.py"


rule requests_estimate:
    input:
        chunks=f"{RUN}/chunks",
    output:
        estimate=f"{RUN}/estimate.json",
    log:
        "logs/{mode}/{analysis}/requests_estimate.log",
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    script:
        "../scripts/requests_estimate.py"


# The cost estimate of the current analysis, before anything is paid:
# snakemake --cores 2 results/<mode>.estimate.json
rule requests_estimate_current:
    input:
        current(f"{RUN}/estimate.json"),
    output:
        "results/{mode}.estimate.json",
    log:
        "logs/{mode}/requests_estimate_current.log",
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    shell:
        "cat {input} > {output} 2> {log}"
