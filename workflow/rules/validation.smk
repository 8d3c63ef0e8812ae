# Validation against human coders before scaling: the coding sheet, the agreement report.
# The gate on results/full.parquet lives in the submit program (emobatch.stages.validate).


rule validation_sheet:
    input:
        dataset=ModePaths(config["validation"]["sheet"]["mode"]).parquet,
        codebook=config["codebook"],
    output:
        csv=VALIDATION.sheet_csv,
        xlsx=VALIDATION.sheet_xlsx,
        design=VALIDATION.sheet_design,
    log:
        VALIDATION.log,
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    script:
        "../scripts/validation_sheet.py"


rule validation_report:
    input:
        dataset=MODE.parquet,
        codes=SETTINGS.validation.human_codes,
    output:
        json=MODE.validation_json,
        md=MODE.validation_md,
    log:
        MODE.log("validation_report"),
    localrule: True
    conda:
        "../envs/emobatch.yaml"
    script:
        "../scripts/validation_report.py"
