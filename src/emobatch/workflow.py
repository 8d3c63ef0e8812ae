"""The adapter between Snakemake rules and emobatch's stages.

Each ``workflow/scripts/<rule>.py`` is two lines that call :func:`run` with the rule's
``snakemake`` object. Here the rule's log is set up, the validated config is typed, the stage
function is called with plain paths, and an ``EmobatchError`` becomes a readable message and an
exit code (75 for "job still running" in non-blocking mode) instead of a traceback.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emobatch import atomic, logs
from emobatch.config import Settings

if TYPE_CHECKING:
    from emobatch.analysis import Analysis
from emobatch.errors import ConfigError, EmobatchError, JobStillRunning
from emobatch.locks import chunk_lock
from emobatch.paths import ModePaths, RunPaths
from emobatch.records import Collected, Marker, Recovered, Sentinel, SubmittedIndex

log = logging.getLogger("emobatch.workflow")
EXIT_STILL_RUNNING = 75


def _paths(named: Any) -> list[Path]:
    return [Path(p) for p in named]


def check_analysis(settings: Settings, analysis: str) -> Analysis:
    """The current analysis; a ConfigError when ``analysis`` (from a path) is another one."""
    from emobatch.analysis import analysis_for

    current = analysis_for(settings)
    if analysis != current.id:
        raise ConfigError(
            f"this job belongs to analysis {analysis}, but the current configuration defines "
            f"analysis {current.id} (codebook, engine, model or generation settings changed).",
            hint="ask for the target again (results/<mode>.parquet); old results stay under "
            f"results/<mode>/{analysis}/",
        )
    return current


# -- stage adapters ------------------------------------------------------------------------
def filter_select(settings: Settings, sm: Any) -> None:
    from emobatch.stages.filter import run_filter

    check_analysis(settings, sm.wildcards.analysis)
    run_filter(
        settings,
        sm.wildcards.mode,
        analysis=sm.wildcards.analysis,
        out_selected=Path(sm.output.selected),
        out_report=Path(sm.output.report),
        out_dropped=Path(sm.output.dropped),
    )


def requests_build(settings: Settings, sm: Any) -> None:
    from emobatch.stages.requests import write_chunks

    analysis = check_analysis(settings, sm.wildcards.analysis)
    log.info("analysis %s: %s", analysis.id, analysis.engine.describe())
    for warning in analysis.generation.warnings:
        log.warning("%s", warning)
    write_chunks(
        settings,
        selected=Path(sm.input.selected),
        out_dir=Path(sm.output[0]),
        analysis=analysis,
    )


def requests_estimate(settings: Settings, sm: Any) -> None:
    from emobatch.backends import open_backend
    from emobatch.operations.estimate_report import estimate_chunks

    analysis = check_analysis(settings, sm.wildcards.analysis)
    chunks = _run(sm).chunk_files()
    backend = open_backend(settings) if chunks else None
    try:  # the same function as `emobatch estimate`; countTokens calibrates the heuristic
        estimate = estimate_chunks(
            chunks,
            analysis=analysis,
            mode=sm.wildcards.mode,
            budget_usd=settings.budget_usd,
            backend=backend,
        )
    finally:
        if backend is not None:
            backend.close()
    log.info(
        "estimate for %s: %d requests in %d chunk(s), %s input + ~%s output tokens; "
        "%s at batch prices (flex: %s, interactive: %s; prices of %s)",
        sm.wildcards.mode,
        estimate["requests"],
        estimate["chunks"],
        f"{estimate['input_tokens']:,}",
        f"{estimate['output_tokens']:,}",
        logs.usd(estimate["usd_batch"]),
        logs.usd(estimate["usd_flex"]),
        logs.usd(estimate["usd_interactive"]),
        estimate["prices_taken_on"],
    )
    # always written, with the verdict: the submit step refuses to upload above the budget
    atomic.write_json(Path(sm.output.estimate), estimate)
    if estimate["within_budget"] is not None:
        log.log(
            logging.INFO if estimate["within_budget"] else logging.WARNING,
            "budget_usd = %s: the estimate is %s the budget",
            logs.usd(settings.budget_usd),
            "within" if estimate["within_budget"] else "ABOVE",
        )


def batch_submitted(settings: Settings, sm: Any) -> None:
    sentinels = [Sentinel.load(p) for p in sm.input.sentinels]
    started = float(sm.params.started)
    new = [
        s
        for s, p in zip(sentinels, sm.input.sentinels, strict=True)
        if s.how != "ledger" and Path(p).stat().st_mtime >= started
    ]
    mode = sm.wildcards.mode
    SubmittedIndex(
        mode=mode,
        jobs=[
            {
                "job_name": s.job_name,
                "display_name": s.display_name,
                "chunk_file": s.chunk_file,
                "request_count": s.request_count,
                "submitted_at": s.submitted_at,
                "how": s.how,
            }
            for s in sentinels
        ],
        requests=sum(s.request_count for s in sentinels),
        submitted_now=len(new),
        next_step=f"snakemake --cores 2 {ModePaths(mode).parquet} "
        "(resumes polling; nothing is submitted again)",
    ).dump(Path(sm.output[0]))
    log.info(
        "%s: %d job(s), %d of them submitted by this run; %s",
        mode,
        len(sentinels),
        len(new),
        "run the .parquet target later to collect the results",
    )


def _run(sm: Any) -> RunPaths:
    return RunPaths(sm.wildcards.mode, sm.wildcards.analysis)


def _ledger(settings: Settings) -> Any:
    from emobatch.ledger import Ledger

    return Ledger(settings.ledger_path)


def _limits(settings: Settings) -> Any:
    from emobatch.stages.submit import SubmitLimits

    b = settings.batch
    return SubmitLimits(
        max_wait_hours=b.max_wait_hours,
        max_concurrent_jobs=b.max_concurrent_jobs,
        max_enqueued_tokens=b.max_enqueued_tokens,
    )


def _poll_settings(settings: Settings) -> Any:
    from emobatch.stages.poll import PollSettings

    b = settings.batch
    return PollSettings(
        interval_seconds=b.poll_interval_seconds,
        first_interval_seconds=b.first_poll_seconds,
        max_wait_hours=b.max_wait_hours,
        blocking=b.blocking,
        job_resubmits=b.job_resubmits,
    )


def batch_submit(settings: Settings, sm: Any) -> None:
    from emobatch.backends import open_backend
    from emobatch.estimate import check_budget, record_estimate
    from emobatch.preflight import check_model
    from emobatch.stages.submit import submit_chunk, write_sentinel
    from emobatch.stages.validate import gate

    analysis = check_analysis(settings, sm.wildcards.analysis)
    # the estimate may predate a budget set later: check again before anything is paid
    check_budget(atomic.read_json(sm.input.estimate), settings.budget_usd)
    gate(settings, analysis, sm.wildcards.mode)  # full on a paid backend: validated first
    backend = open_backend(settings)
    try:
        check_model(backend, analysis.model.name)
        sentinel = submit_chunk(
            backend,
            _ledger(settings),
            Path(sm.input.chunk),
            model=settings.batch.model_name,
            analysis=sm.wildcards.analysis,
            mode=sm.wildcards.mode,
            limits=_limits(settings),
        )
    finally:
        backend.close()
    write_sentinel(Path(sm.output.sentinel), sentinel)
    record_estimate(_ledger(settings), sentinel, Path(sm.input.chunk), analysis=analysis)


def realtime_code(settings: Settings, sm: Any) -> None:
    """Synchronous delivery of one chunk (flex or interactive); see emobatch.stages.realtime."""
    from emobatch.backends import open_backend
    from emobatch.estimate import check_budget
    from emobatch.preflight import check_model
    from emobatch.stages.realtime import RealtimeSettings, code_chunk
    from emobatch.stages.validate import gate

    analysis = check_analysis(settings, sm.wildcards.analysis)
    check_budget(atomic.read_json(sm.input.estimate), settings.budget_usd)
    gate(settings, analysis, sm.wildcards.mode)  # full on a paid backend: validated first
    run_paths = _run(sm)
    backend = open_backend(settings)
    try:
        check_model(backend, analysis.model.name, action="generateContent")
        code_chunk(
            backend,
            _ledger(settings),
            chunk=Path(sm.input.chunk),
            model=analysis.model.name,
            analysis=analysis.id,
            mode=sm.wildcards.mode,
            raw=run_paths.raw(sm.wildcards.chunk),
            retries_dir=run_paths.retries_dir,
            out_manifest=Path(sm.output[0]),
            read_answer=analysis.codebook.read_answer,
            settings=RealtimeSettings.of(settings.delivery, settings.batch.retry_rounds),
        )
    finally:
        backend.close()


def batch_poll(settings: Settings, sm: Any) -> None:
    from emobatch.backends import open_backend
    from emobatch.progress import Progress
    from emobatch.stages.poll import poll_chunk, write_marker

    sentinel = Sentinel.load(sm.input.sentinel)
    chunk = Path(sentinel.chunk_file)
    backend = open_backend(settings)
    try:
        marker = poll_chunk(
            backend,
            _ledger(settings),
            sentinel,
            chunk,
            settings=_poll_settings(settings),
            limits=_limits(settings),
            progress=Progress(f"{sm.wildcards.mode}/{chunk.stem}"),
        )
    finally:
        backend.close()
    write_marker(Path(sm.output.marker), marker)


def batch_download(settings: Settings, sm: Any) -> None:
    from emobatch.backends import open_backend
    from emobatch.stages.download import download_output

    marker = Marker.load(sm.input.marker)
    raw = Path(sm.output.raw)
    with chunk_lock(_run(sm), sm.wildcards.chunk):  # a concurrent `emobatch jobs fetch`
        if raw.exists():
            log.info("%s was downloaded by `emobatch jobs fetch` meanwhile: kept", raw)
            return
        backend = open_backend(settings)
        try:
            download_output(backend, marker, raw)
        finally:
            backend.close()


def batch_recover(settings: Settings, sm: Any) -> None:
    from emobatch.backends import open_backend
    from emobatch.codebook import load_codebook
    from emobatch.stages.recover import recover_chunk

    codebook = load_codebook(settings.codebook)
    marker = Marker.load(sm.input.marker)
    backend = open_backend(settings)
    try:
        recover_chunk(
            backend,
            _ledger(settings),
            chunk=Path(marker.chunk_file),
            raw=Path(sm.input.raw),
            marker=marker,
            retries_dir=_run(sm).retries_dir,
            out_manifest=Path(sm.output[0]),
            read_answer=codebook.read_answer,
            retry_rounds=settings.batch.retry_rounds,
            poll_settings=_poll_settings(settings),
            limits=_limits(settings),
        )
    finally:
        backend.close()


def results_parse(settings: Settings, sm: Any) -> None:
    analysis = check_analysis(settings, sm.wildcards.analysis)
    manifest = Recovered.load(sm.input.recovered)
    out = Path(sm.output.parsed)
    with chunk_lock(_run(sm), sm.wildcards.chunk):  # a concurrent `emobatch jobs fetch`
        if out.exists():
            log.info("%s was parsed by `emobatch jobs fetch` meanwhile: kept", out)
            return
        _parse(settings, analysis, manifest, sm)


def _parse(settings: Settings, analysis: Analysis, manifest: Recovered, sm: Any) -> None:
    from emobatch.costs import record_actual
    from emobatch.routing import AnswerCheck
    from emobatch.stages.parse import parse_chunk

    codebook = analysis.codebook
    parse_chunk(
        chunk=Path(manifest.chunk_file),
        recovered=Path(sm.input.recovered),
        out=Path(sm.output.parsed),
        read_answer=codebook.read_answer,
        emotions=codebook.emotions,
        check=AnswerCheck.of(analysis),
    )
    record_actual(
        _ledger(settings),
        Path(sm.output.parsed),
        catalogue=analysis.catalogue,
        model=settings.batch.model_name,
    )


def results_collect(settings: Settings, sm: Any) -> None:
    import pyarrow.parquet as pq

    parsed = _paths(sm.input.parsed)
    Collected(
        mode=sm.wildcards.mode,
        analysis_id=sm.wildcards.analysis,
        parsed=[str(p) for p in parsed],
        rows=sum(pq.ParquetFile(p).metadata.num_rows for p in parsed),
    ).dump(Path(sm.output[0]))


def results_merge(settings: Settings, sm: Any) -> None:
    from emobatch.analysis import analysis_for
    from emobatch.stages.merge import merge_mode
    from emobatch.stages.validate import gate_status
    from emobatch.summary import write_summary

    analysis = analysis_for(settings)  # the rule's inputs are the current analysis's files
    logs.set_context(mode=sm.wildcards.mode, analysis=analysis.id)
    validation = gate_status(settings, analysis, sm.wildcards.mode)
    counts = merge_mode(
        mode=sm.wildcards.mode,
        selected=Path(sm.input.selected),
        parsed=[Path(p) for p in Collected.load(sm.input.collected).parsed],
        history_dir=settings.history_dir,
        analysis=analysis.id,
        codebook_version=analysis.codebook.version,
        model=settings.batch.model_name,
        engine=analysis.engine.tag,
        out_parquet=Path(sm.output.parquet),
        out_csv=Path(sm.output.csv),
        out_columns=Path(sm.output.columns),
        repeats=analysis.repeats,
        validation_override=validation["override_reason"] if validation["gated"] else None,
    )
    counts["validation"] = validation
    write_summary(
        settings, analysis, counts, dataset=Path(sm.output.parquet), out=Path(sm.output.summary)
    )


def results_stability(settings: Settings, sm: Any) -> None:
    from emobatch.analysis import analysis_for
    from emobatch.replicates import stability_report

    analysis = analysis_for(settings)
    if analysis.repeats < 2:
        raise ConfigError(
            "repeats is 1: one coding per post has no stability to measure",
            hint=f"--config repeats=3 and ask for {ModePaths(sm.wildcards.mode).stability} again",
        )
    collected = Collected.load(sm.input.collected)
    report = stability_report(
        [Path(p) for p in collected.parsed],
        labels={
            "primary_emotion": analysis.codebook.labels,
            "sentiment": analysis.codebook.sentiments,
        },
        analysis=analysis.id,
        mode=sm.wildcards.mode,
        seed=settings.validation.bootstrap_seed,
        draws=settings.validation.draws,
    )
    atomic.write_json(Path(sm.output[0]), report)
    fig = report["fields"]["primary_emotion"]
    logs.batch_event(
        "stability",
        "%d posts x %d replicates: primary emotion alpha %s %s, identical %s; least stable %s",
        report["posts"],
        report["replicates"],
        fig["alpha_across_replicates"]["value"],
        fig["alpha_across_replicates"]["ci"],
        fig["share_identical"],
        ", ".join(fig["least_stable"]),
    )


def results_compare(settings: Settings, sm: Any) -> None:
    from emobatch.stages.compare import compare_for

    report = compare_for(
        settings, dict(sm.config), sm.wildcards.mode, Path(sm.input.dataset), Path(sm.output[0])
    )
    logs.batch_event(
        "compare",
        "%s: %s vs %s on %d posts: kappa %s, identical %s (cost $%.4f vs $%.4f)",
        sm.wildcards.mode,
        report["this"]["analysis_id"],
        report["other"]["analysis_id"],
        report["posts_compared"],
        report["fields"]["primary_emotion"]["kappa"],
        report["fields"]["primary_emotion"]["identical"],
        report["this"]["cost_usd"],
        report["other"]["cost_usd"],
    )


def validation_sheet(settings: Settings, sm: Any) -> None:
    from emobatch.analysis import analysis_for
    from emobatch.stages.validate import sheet

    sheet(
        settings,
        analysis_for(settings),
        Path(sm.input.dataset),
        Path(sm.output.csv),
        Path(sm.output.xlsx),
        Path(sm.output.design),
    )


def validation_report(settings: Settings, sm: Any) -> None:
    from emobatch.analysis import analysis_for
    from emobatch.stages.validate import report

    report(
        settings,
        analysis_for(settings),
        sm.wildcards.mode,
        Path(sm.input.dataset),
        list(settings.validation.human_codes),
        Path(sm.output.json),
        Path(sm.output.md),
    )


# -- the report (emobatch.report; rules in workflow/rules/report.smk) ----------------------
def results_figures(settings: Settings, sm: Any) -> None:
    from emobatch.analysis import analysis_for
    from emobatch.report.stage import figures

    figures(
        settings,
        analysis_for(settings),
        sm.wildcards.mode,
        Path(sm.input.dataset),
        _paths(sm.input.validation),
        _paths(sm.input.stability),
    )


def results_figure_by(settings: Settings, sm: Any) -> None:
    from emobatch.analysis import analysis_for
    from emobatch.report.stage import group_figure

    group_figure(
        analysis_for(settings), sm.wildcards.mode, Path(sm.input.dataset), sm.wildcards.group
    )


def report_provenance(settings: Settings, sm: Any) -> None:
    from emobatch.analysis import analysis_for
    from emobatch.report.stage import write_provenance

    write_provenance(
        settings,
        analysis_for(settings),
        sm.wildcards.mode,
        Path(sm.input.dataset),
        _paths(sm.input.validation),
        _paths(sm.input.stability),
        Path(sm.output[0]),
    )


def report_methods(settings: Settings, sm: Any) -> None:
    from emobatch.report.stage import methods

    methods(Path(sm.input.provenance), Path(sm.output[0]))


def report_page(settings: Settings, sm: Any) -> None:
    from emobatch.report.stage import provenance_page

    provenance_page(
        Path(sm.input.provenance), Path(sm.input.methods), _paths(sm.input.files),
        Path(sm.output[0]),
    )  # fmt: skip


STAGES: dict[str, Callable[[Settings, Any], None]] = {
    f.__name__: f
    for f in (
        filter_select,
        requests_build,
        requests_estimate,
        batch_submit,
        realtime_code,
        batch_submitted,
        batch_poll,
        batch_download,
        batch_recover,
        results_parse,
        results_collect,
        results_merge,
        results_stability,
        results_compare,
        validation_sheet,
        validation_report,
        results_figures,
        results_figure_by,
        report_provenance,
        report_methods,
        report_page,
    )
}


def _verdict(sm: Any, kind: str, exc: Exception) -> None:
    from emobatch.endings import record

    try:
        record(
            sm.rule,
            {k: str(v) for k, v in sm.wildcards.items()},
            kind,
            str(exc),
            sm.log[0] if len(sm.log) else None,
        )
    except OSError:  # the verdict is a courtesy; the log has the error already
        log.debug("could not record the verdict", exc_info=True)


def run(sm: Any) -> None:
    """Entry point of every workflow script: ``run(snakemake)``."""
    rule = sm.rule
    logs.setup(sm.log[0] if len(sm.log) else None)
    where = socket.gethostname()
    if os.environ.get("SLURM_JOB_ID"):
        where += f", SLURM job {os.environ['SLURM_JOB_ID']}"
    wildcards = dict(sm.wildcards.items())
    logs.set_context(mode=wildcards.get("mode"), analysis=wildcards.get("analysis"))
    log.info("rule %s started on %s (wildcards: %s)", rule, where, wildcards)
    try:
        settings = Settings.from_dict(sm.config)
        STAGES[rule](settings, sm)
    except JobStillRunning as exc:
        log.warning("%s", exc)
        _verdict(sm, "still_running", exc)
        sys.exit(EXIT_STILL_RUNNING)
    except EmobatchError as exc:
        log.error("%s failed: %s", rule, exc)
        _verdict(sm, "error", exc)
        sys.exit(1)
    log.info("rule %s finished", rule)
