"""The provenance record of a mode's dataset: what a methods section and a reviewer need.

``results/<mode>.provenance.json``, format ``emobatch.provenance/1``. Reporting standards for
LLM annotation (Törnberg 2024, and reviewers since) ask for the exact model, the prompt, the
settings, the sample, the dates, the cost, the software and the agreement with humans; this
collects them in one file from the run's own records (filter report, chunk manifest, sentinels,
markers, ledger, summary, validation report). Top-level keys (readers ignore unknown keys; a new
key does not change the version, a changed meaning does):

- ``format``, ``generated_at``, ``mode``, ``analysis_id``, ``backend``
- ``input``: path, bytes, sha256 (as read by the filter), format, encoding, columns, rows_read,
  unchanged_since_selection
- ``dataset``: path, bytes, sha256, rows, ok, failed, failed_by_reason, this_run,
  from_history, analysed_from, analysed_to
- ``selection``: mode, method, seed, population, requested, sample_size, cochran (parameters
  and intermediate values, or null), filter counts (rows_read, dropped by reason, truncated,
  already_analysed, to_submit) and filter settings
- ``codebook``: name, path, version, sha256, bytes, text (the whole file)
- ``engine``: kind, provider, model, version, tag, coded_by
- ``model``: requested, status, released, shutdown, answered ({modelVersion: rows}),
  routed_rows, routing_warnings
- ``delivery``: ``batch`` unless the summary says otherwise; ``repeats``: null or the count
- ``generation``: requested (the config), sent (generationConfig as sent), dropped, warnings
- ``batch``: jobs_count, jobs ([{job_name, display_name, chunk, round, attempt, state,
  request_count, succeeded, failed, submitted_at, create_time, end_time, finished_at,
  rows_in_dataset}]), first_submitted_at, last_finished_at
- ``tokens``: prompt, output, thoughts, cached (this run)
- ``cost``: currency, money_spent, estimated {batch, flex, interactive, tokens}, actual
  {batch, flex_equivalent, interactive_equivalent, saving}, per_chunk, prices {taken_on,
  source, per_million_tokens by delivery}, note
- ``software``: emobatch, emobatch_git_commit, emobatch_git_dirty, google-genai, snakemake,
  python, platform
- ``validation``: null or {path, sha256, mode, items, coders, coders_count, simulated_coders,
  human_codes, bootstrap, fields {field: {metric: {value, ci}, items_compared, per_class,
  alt_test}}, gate, thresholds, override_reason}
- ``stability``: null or {path, sha256, data} (written by the repeats stage, kept as it is)
- ``warnings``, ``sources`` (the files read)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emobatch import atomic
from emobatch.analysis import Analysis
from emobatch.catalogue import DELIVERIES
from emobatch.config import Settings
from emobatch.identity import file_sha256
from emobatch.report.collect import dataset_facts, software, stability_facts, validation_facts
from emobatch.report.runfiles import RunFiles

FORMAT = "emobatch.provenance/1"


@dataclass(frozen=True)
class Sources:
    """What a provenance record is built from."""

    mode: str
    dataset: Path
    summary: dict[str, Any]
    run: RunFiles
    validation: tuple[Path, dict[str, Any]] | None = None
    stability: tuple[Path, dict[str, Any]] | None = None


def build(src: Sources, settings: Settings, analysis: Analysis) -> dict[str, Any]:
    s, run, fr = src.summary, src.run, src.run.filter_report
    dataset, dataset_jobs = dataset_facts(src.dataset)
    answered, routed = dataset.pop("answered"), dataset.pop("routed_rows")
    inp = dict(fr.get("input") or {})
    in_path = Path(str(inp.get("path", settings.input.path)))
    inp["rows_read"] = fr.get("rows_read")
    inp["unchanged_since_selection"] = in_path.exists() and file_sha256(in_path) == inp.get(
        "sha256"
    )
    sample = fr.get("sample") or {}
    cb = analysis.codebook
    jobs = run.jobs(dataset_jobs)
    est = run.estimate
    on = dt.date.fromisoformat(str(dataset["analysed_to"] or dt.date.today().isoformat())[:10])
    gen_warnings = list(analysis.generation.warnings)
    warnings = list(s.get("warnings") or [])
    return {
        "format": FORMAT,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": src.mode,
        "analysis_id": run.run.analysis,
        "backend": settings.backend,
        "input": inp,
        "dataset": dataset,
        "selection": {
            "mode": src.mode,
            "method": sample.get("method"),
            "seed": sample.get("seed", fr.get("seed")),
            "population": fr.get("population"),
            "requested": sample.get("requested"),
            "sample_size": fr.get("selected"),
            "cochran": sample.get("cochran"),
            "rows_read": fr.get("rows_read"),
            "dropped": fr.get("dropped"),
            "dropped_total": fr.get("dropped_total"),
            "truncated": fr.get("truncated"),
            "already_analysed": fr.get("already_analysed"),
            "to_submit": fr.get("to_submit"),
            "filter": fr.get("filter"),
        },
        "codebook": {
            "name": cb.name,
            "path": str(cb.path),
            "version": cb.version,
            "sha256": file_sha256(cb.path),
            "bytes": Path(cb.path).stat().st_size,
            "text": Path(cb.path).read_text(encoding="utf-8"),
        },
        "engine": {
            **analysis.engine.as_dict(),
            "tag": analysis.engine.tag,
            "coded_by": analysis.engine.describe(),
        },
        "model": {
            "requested": analysis.model.name,
            "status": analysis.model.status,
            "released": _date(analysis.model.released),
            "shutdown": _date(analysis.model.shutdown),
            "answered": answered,
            "routed_rows": routed,
            "routing_warnings": [w for w in warnings if w not in gen_warnings],
        },
        "delivery": s.get("delivery") or "batch",
        "repeats": s.get("repeats"),
        "generation": {
            "requested": {
                k: getattr(settings.generation, k)
                for k in (
                    "thinking",
                    "thinking_budget",
                    "temperature",
                    "top_p",
                    "top_k",
                    "max_output_tokens",
                )
            },
            **analysis.generation.describe(),
        },
        "batch": {
            "jobs": jobs,
            "jobs_count": len(jobs),
            "first_submitted_at": min(
                (j["submitted_at"] for j in jobs if j["submitted_at"]), default=None
            ),
            "last_finished_at": max(
                (
                    j["end_time"] or j["finished_at"]
                    for j in jobs
                    if j["end_time"] or j["finished_at"]
                ),
                default=None,
            ),
        },
        "tokens": s.get("tokens_this_run"),
        "cost": {
            "currency": "USD",
            "money_spent": settings.backend not in ("local",),
            "estimated": {
                k: est.get(k)
                for k in (
                    "usd_batch",
                    "usd_flex",
                    "usd_interactive",
                    "input_tokens",
                    "output_tokens",
                    "thinking_tokens",
                    "method",
                )
            },
            "actual": {
                "batch": s.get("cost_usd_batch"),
                "flex_equivalent": s.get("cost_usd_flex_equivalent"),
                "interactive_equivalent": s.get("cost_usd_interactive_equivalent"),
                "saving": s.get("saving_usd"),
            },
            "per_chunk": [c.__dict__ for c in run.chunk_costs()],
            "prices": {
                "taken_on": analysis.model.prices_taken_on,
                "source": analysis.model.prices_source,
                "per_million_tokens": {
                    d: analysis.model.price(d, on).as_dict() for d in DELIVERIES
                },
            },
            "note": s.get("note"),
        },
        "software": software(),
        "validation": validation_facts(src.validation, settings),
        "stability": stability_facts(src.stability),
        "warnings": warnings,
        "sources": {
            "summary": str(Path(src.dataset).with_suffix(".summary.json")),
            "filter_report": str(run.run.filter_report),
            "estimate": str(run.run.estimate),
            "chunks_manifest": str(run.run.chunks_dir / "manifest.json"),
            "sentinels": [str(p) for p in run.run.sentinels()],
            "markers": [str(p) for p in run.run.markers()],
            "ledger": str(settings.ledger_path),
        },
    }


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def write(src: Sources, settings: Settings, analysis: Analysis, out: Path) -> dict[str, Any]:
    record = build(src, settings, analysis)
    atomic.write_json(out, record)
    return record
