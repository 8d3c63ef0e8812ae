rule filter_select:
    input:
        posts=config["input"]["path"],
        codebook=config["codebook"],
    output:
        selected=RUN.selected,
        report=RUN.filter_report,
        dropped=RUN.dropped,
    log:
        RUN.log("filter_select"),
    conda:
        "../envs/emobatch.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../scripts/filter_select.py"
