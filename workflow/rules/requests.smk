checkpoint requests_build:
    input:
        selected=RUN.selected,
    output:
        directory(RUN.chunks_dir),
    log:
        RUN.log("requests_build"),
    conda:
        "../envs/emobatch.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../scripts/requests_build.py"


rule requests_estimate:
    input:
        chunks=RUN.chunks_dir,
    output:
        estimate=RUN.estimate,
    log:
        RUN.log("requests_estimate"),
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    script:
        "../scripts/requests_estimate.py"


# The cost estimate of the current analysis, before anything is paid:
# snakemake --cores 2 results/<mode>.estimate.json
rule requests_estimate_current:
    input:
        current(RUN.estimate),
    output:
        MODE.estimate,
    log:
        MODE.log("requests_estimate_current"),
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    shell:
        "cat {input} > {output} 2> {log}"
