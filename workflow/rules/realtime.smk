# Synchronous delivery (delivery: flex | interactive): each chunk's requests are sent with
# models.generate_content (Flex tier or standard), answers appended and fsynced as they come,
# so a rerun sends only the keys without an answer. Writes the same round manifest as
# batch_recover, so parse and merge are shared. The money rule lives in emobatch.stages.realtime.

if SETTINGS.delivery.kind != "batch":

    ruleorder: realtime_code > batch_recover

    rule realtime_code:
        input:
            chunk=ancient(RUN.chunk("{chunk}")),
            estimate=ancient(RUN.estimate),
        output:
            RUN.recovered("{chunk}"),
        log:
            RUN.log("realtime_code", "{chunk}"),
        retries: 0
        localrule: True
        conda:
            "../envs/emobatch.yaml"
        threads: 0
        script:
            "../scripts/realtime_code.py"
