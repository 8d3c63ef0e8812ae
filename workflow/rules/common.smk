# Shared set-up: config validation, the analysis id (codebook + engine + settings as sent;
# a shut-down or unknown model stops here), the key check, chunk discovery.
from emobatch.backends.factory import require_api_key
import atexit
import time

from emobatch.analysis import analysis_for
from emobatch.endings import print_ending
from emobatch.config import Settings, validate_config
from emobatch.errors import EmobatchError
from emobatch.paths import (
    ANALYSIS_PATTERN,
    CHUNK_PATTERN,
    MODES,
    ModePaths,
    RunPaths,
    ValidationPaths,
)

try:
    validate_config(config)
    SETTINGS = Settings.from_dict(config)
    if workflow.is_main_process:  # cluster jobs of the CPU stages never call the API
        require_api_key(SETTINGS)
    ANALYSIS = analysis_for(SETTINGS).id
except EmobatchError as exc:
    raise WorkflowError(str(exc)) from None

STARTED = time.time()  # verdicts recorded from now on belong to this run
RUN = RunPaths.pattern()  # every run path, with {mode} and {analysis} wildcards
MODE = ModePaths.pattern()  # results/{mode}.*
VALIDATION = ValidationPaths()  # results/validation/sheet.*


wildcard_constraints:
    mode="|".join(MODES),
    analysis=ANALYSIS_PATTERN,
    chunk=CHUNK_PATTERN,


def chunk_ids(wildcards):
    """Chunks written by the requests checkpoint of this mode and analysis."""
    checkpoints.requests_build.get(mode=wildcards.mode, analysis=wildcards.analysis)
    run = RunPaths(wildcards.mode, wildcards.analysis)
    return [path.stem for path in run.chunk_files()]


# Input functions that wait on the checkpoint are only used by rules whose output path holds
# the analysis id: a rule whose checkpoint-dependent input function belongs to an output that
# already exists (results/<mode>.parquet) is not re-evaluated by Snakemake when a new analysis
# (other model, codebook or settings) needs new chunks.
def parsed_chunks(wildcards):
    run = RunPaths(wildcards.mode, wildcards.analysis)
    return [run.parsed(chunk) for chunk in chunk_ids(wildcards)]


def submitted_chunks(wildcards):
    run = RunPaths(wildcards.mode, wildcards.analysis)
    return [run.sentinel(chunk) for chunk in chunk_ids(wildcards)]


def current(path):
    """``path`` (with {mode}) of the analysis the current config defines."""
    return lambda wc: str(path).format(mode=wc.mode, analysis=ANALYSIS)


# emobatch's verdict is printed at exit, after Snakemake's own closing lines, so it is the last
# thing on the screen (emobatch.endings)
onsuccess:
    if workflow.is_main_process:
        atexit.register(print_ending, True, STARTED)


onerror:
    if workflow.is_main_process:
        atexit.register(print_ending, False, STARTED)
