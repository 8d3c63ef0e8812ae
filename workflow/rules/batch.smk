# The network-bound, paid stages. They run on the controller (localrule), never retry
# (retries: 0), take no params, and read the API key from the environment only.
# At-most-once submission is guaranteed by the submit program's ledger, not by Snakemake.


rule batch_submit:
    input:
        chunk=ancient(RUN.chunk("{chunk}")),
        estimate=ancient(RUN.estimate),
    output:
        sentinel=RUN.sentinel("{chunk}"),
    log:
        RUN.log("batch_submit", "{chunk}"),
    retries: 0
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    script:
        "../scripts/batch_submit.py"


rule batch_poll:
    input:
        sentinel=ancient(RUN.sentinel("{chunk}")),
    output:
        marker=RUN.marker("{chunk}"),
    log:
        RUN.log("batch_poll", "{chunk}"),
    retries: 0
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    threads: 0
    script:
        "../scripts/batch_poll.py"


rule batch_download:
    input:
        marker=ancient(RUN.marker("{chunk}")),
    output:
        raw=RUN.raw("{chunk}"),
    log:
        RUN.log("batch_download", "{chunk}"),
    retries: 0
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    script:
        "../scripts/batch_download.py"


rule batch_recover:
    input:
        marker=ancient(RUN.marker("{chunk}")),
        raw=ancient(RUN.raw("{chunk}")),
    output:
        RUN.recovered("{chunk}"),
    log:
        RUN.log("batch_recover", "{chunk}"),
    retries: 0
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    threads: 0
    script:
        "../scripts/batch_recover.py"


rule batch_submitted:
    input:
        sentinels=submitted_chunks,
    output:
        RUN.submitted,
    log:
        RUN.log("batch_submitted"),
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    params:
        started=STARTED,  # sentinels written after this were submitted by this run
    script:
        "../scripts/batch_submitted.py"


# Submit only, without waiting (the R toolkit's submit_only = TRUE); the .parquet target later
# resumes polling and submits nothing again.
rule batch_submit_only:
    input:
        current(RUN.submitted),
    output:
        MODE.submitted,
    log:
        MODE.log("batch_submit_only"),
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    shell:
        "cat {input} > {output} 2> {log}"


include: "realtime.smk"
