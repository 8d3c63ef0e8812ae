# Shared set-up: config validation, the analysis id (codebook + engine + settings as sent;
# a shut-down or unknown model stops here), the key check, chunk discovery.
from emobatch.backends.factory import require_api_key
from emobatch.analysis import analysis_for
from emobatch.config import Settings, validate_config
from emobatch.errors import EmobatchError

try:
    validate_config(config)
    SETTINGS = Settings.from_dict(config)
    if workflow.is_main_process:  # cluster jobs of the CPU stages never call the API
        require_api_key(SETTINGS)
    ANALYSIS = analysis_for(SETTINGS).id
except EmobatchError as exc:
    raise WorkflowError(str(exc)) from None

RUN = "results/{mode}/{analysis}"


wildcard_constraints:
    mode="code_check|pilot|sampling|full",
    analysis="a[0-9a-f]{11}",
    chunk="chunk-[0-9]+",


def chunk_ids(wildcards):
    """Chunks written by the requests checkpoint of this mode and analysis."""
    out = checkpoints.requests_build.get(
        mode=wildcards.mode, analysis=wildcards.analysis
    ).output[0]
    return sorted(glob_wildcards(os.path.join(out, "{chunk}.jsonl")).chunk)


# Input functions that wait on the checkpoint are only used by rules whose output path holds
# the analysis id: a rule whose checkpoint-dependent input function belongs to an output that
# already exists (results/<mode>.parquet) is not re-evaluated by Snakemake when a new analysis
# (other model, codebook or settings) needs new chunks.
def parsed_chunks(wildcards):
    return expand(
        f"{RUN}/parsed/{{chunk}}.parquet", chunk=chunk_ids(wildcards), **wildcards
    )


def submitted_chunks(wildcards):
    return expand(
        f"{RUN}/submitted/{{chunk}}.json", chunk=chunk_ids(wildcards), **wildcards
    )


def current(path):
    """``path`` (with {mode}) of the analysis the current config defines."""
    return lambda wc: path.format(mode=wc.mode, analysis=ANALYSIS)
