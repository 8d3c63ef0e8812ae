# The network-bound, paid stages. They run on the controller (localrule), never retry
# (retries: 0), take no params, and read the API key from the environment only.
# At-most-once submission is guaranteed by the submit program's ledger, not by Snakemake.


rule batch_submit:
    input:
        chunk=ancient(f"{RUN}/chunks/{{chunk}}.jsonl"),
        estimate=ancient(f"{RUN}/estimate.json"),
    output:
        sentinel=f"{RUN}/submitted/{{chunk}}.json",
    log:
        "logs/{mode}/{analysis}/batch_submit/{chunk}.log",
    retries: 0
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    script:
        "../scripts/batch_submit.py"


rule batch_poll:
    input:
        sentinel=ancient(f"{RUN}/submitted/{{chunk}}.json"),
    output:
        marker=f"{RUN}/completed/{{chunk}}.json",
    log:
        "logs/{mode}/{analysis}/batch_poll/{chunk}.log",
    retries: 0
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    threads: 0
    script:
        "../scripts/batch_poll.py"


rule batch_download:
    input:
        marker=ancient(f"{RUN}/completed/{{chunk}}.json"),
    output:
        raw=f"{RUN}/raw/{{chunk}}.jsonl",
    log:
        "logs/{mode}/{analysis}/batch_download/{chunk}.log",
    retries: 0
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    script:
        "../scripts/batch_download.py"


rule batch_recover:
    input:
        marker=ancient(f"{RUN}/completed/{{chunk}}.json"),
        raw=ancient(f"{RUN}/raw/{{chunk}}.jsonl"),
    output:
        f"{RUN}/recovered/{{chunk}}.json",
    log:
        "logs/{mode}/{analysis}/batch_recover/{chunk}.log",
    retries: 0
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    threads: 0
    params:
        retries_dir=lambda wc: f"results/{wc.mode}/{wc.analysis}/retries",
    script:
        "../scripts/batch_recover.py"


rule batch_submitted:
    input:
        sentinels=submitted_chunks,
    output:
        f"{RUN}/submitted.json",
    log:
        "logs/{mode}/{analysis}/batch_submitted.log",
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    script:
        "../scripts/batch_submitted.py"


# Submit only, without waiting (the R toolkit's submit_only = TRUE); the .parquet target later
# resumes polling and submits nothing again.
rule batch_submit_only:
    input:
        current(f"{RUN}/submitted.json"),
    output:
        "results/{mode}.submitted.json",
    log:
        "logs/{mode}/batch_submit_only.log",
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    shell:
        "cat {input} > {output} 2> {log}"
