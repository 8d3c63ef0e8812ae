rule filter_select:
    input:
        posts=config["input"]["path"],
        codebook=config["codebook"],
    output:
        selected=f"{RUN}/filter/selected.parquet",
        report=f"{RUN}/filter/report.json",
        dropped=f"{RUN}/filter/dropped.parquet",
    log:
        "logs/{mode}/{analysis}/filter_select.log",
    conda:
        "../envs/emobatch.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../scripts/filter_select.py"
