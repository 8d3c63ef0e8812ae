"""Estimated vs actual USD, tokens and the batch saving, per analysis run and per job.

Reads (through :mod:`emobatch.paths`, inside the project folder):

- **estimated**: ``RunPaths.estimate`` of every run (a job's share of it by requests, see
  :mod:`emobatch.operations.inventory`);
- **actual**: the per-row ``cost_usd`` and token counts of the parsed rows
  (``RunPaths.parsed_files()``), i.e. what Gemini charges for the tokens it reported, at batch
  prices; the interactive equivalent prices the same tokens at interactive prices from the
  model catalogue;
- ``ModePaths.summary`` (``cost_usd_batch``) when it is for the same analysis, to cross-check.

On the ``local`` backend no money is spent: the figures are what Gemini would charge for the
emulator's token counts (the report's ``note`` says so).
"""

from __future__ import annotations

from typing import Any

from emobatch import atomic
from emobatch.catalogue import Catalogue
from emobatch.config import Settings
from emobatch.costs import prices, row_cost
from emobatch.operations.inventory import TOKEN_COLUMNS, collect, parsed_by_job
from emobatch.paths import ModePaths, RunPaths, run_dirs

__all__ = ["cost_report"]

LOCAL_NOTE = (
    "local backend: no money was spent; the figures are what Gemini would charge for the same "
    "token counts"
)


def _interactive(catalogue: Catalogue, model: str | None, tokens: dict[str, int]) -> float | None:
    if not model:
        return None
    return row_cost(
        prices(catalogue, model.removeprefix("models/"), "interactive"),
        tokens["prompt_tokens"],
        tokens["cached_tokens"],
        tokens["output_tokens"],
        tokens["thoughts_tokens"],
    )


def _summary_cost(run: RunPaths) -> float | None:
    """``cost_usd_batch`` of the mode's summary when it is for this analysis."""
    try:
        summary = atomic.read_json(ModePaths(run.mode, run.root).summary)
    except (OSError, ValueError):
        return None
    if not isinstance(summary, dict) or summary.get("analysis_id") != run.analysis:
        return None
    cost = summary.get("cost_usd_batch")
    return None if cost is None else float(cost)


def _pct(actual: float | None, estimated: float | None) -> float | None:
    if actual is None or not estimated:
        return None
    return round(100.0 * (actual - estimated) / estimated, 1)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _run_report(settings: Settings, catalogue: Catalogue, run: RunPaths) -> dict[str, Any]:
    est: dict[str, Any] = atomic.read_json(run.estimate) if run.estimate.exists() else {}
    model = est.get("model") or settings.batch.model_name
    tokens = dict.fromkeys(TOKEN_COLUMNS, 0)
    actual: float | None = None
    rows = 0
    for job in parsed_by_job(run).values():
        rows += job["rows"]
        for c in TOKEN_COLUMNS:
            tokens[c] += job["tokens"][c]
        if job["usd"] is not None:
            actual = (actual or 0.0) + job["usd"]
    inter = _interactive(catalogue, model, tokens) if rows else None
    return {
        "mode": run.mode,
        "analysis_id": run.analysis,
        "model": model,
        "estimated_requests": est.get("requests"),
        "estimated_usd_batch": est.get("usd_batch"),
        "estimated_usd_interactive": est.get("usd_interactive"),
        "estimated_tokens": {k: est.get(f"{k}_tokens") for k in ("input", "output", "thinking")},
        "parsed_rows": rows,
        "actual_tokens": tokens,
        "actual_usd_batch": _round(actual),
        "actual_usd_interactive_equivalent": _round(inter),
        "saving_usd": None if actual is None or inter is None else round(inter - actual, 6),
        "actual_vs_estimate_pct": _pct(actual, est.get("usd_batch")),
        "complete": rows == est.get("requests") if est else None,
        "summary_cost_usd_batch": _summary_cost(run),
    }


def cost_report(settings: Settings, mode: str | None = None) -> dict[str, Any]:
    """Per analysis run and per job: estimated and actual USD, tokens, saving; and totals."""
    from emobatch.analysis import catalogue_for

    catalogue = catalogue_for(settings)
    runs = [_run_report(settings, catalogue, run) for run in run_dirs(mode)]
    jobs = []
    for job in collect(settings, mode).jobs:
        if not job.known:
            continue
        inter = _interactive(catalogue, job.model, job.tokens) if job.tokens else None
        jobs.append(
            {
                "job_name": job.job_name,
                "mode": job.mode,
                "chunk": job.chunk,
                "kind": job.kind,
                "state": job.state,
                "requests": job.requests,
                "estimated_usd": job.estimated_usd,
                "actual_usd": job.actual_usd,
                "actual_usd_interactive_equivalent": _round(inter),
                "tokens": job.tokens,
                "parsed_rows": job.parsed_rows,
            }
        )
    total_actual = sum(r["actual_usd_batch"] or 0 for r in runs)
    total_inter = sum(r["actual_usd_interactive_equivalent"] or 0 for r in runs)
    return {
        "backend": settings.backend,
        "runs": runs,
        "jobs": jobs,
        "total": {
            "estimated_usd_batch": round(sum(r["estimated_usd_batch"] or 0 for r in runs), 6),
            "actual_usd_batch": round(total_actual, 6),
            "actual_usd_interactive_equivalent": round(total_inter, 6),
            "saving_usd": round(total_inter - total_actual, 6),
        },
        "note": LOCAL_NOTE if settings.backend == "local" else None,
    }
