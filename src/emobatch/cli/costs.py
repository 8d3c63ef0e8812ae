"""``emobatch costs``: estimated vs actual USD, tokens and the batch saving, per mode and job.

Estimated: ``results/<mode>/<analysis>/estimate.json`` (a job's share by requests). Actual: the
per-row ``cost_usd`` and token counts of the parsed rows (``parsed/*.parquet``), i.e. what
Gemini charges for the tokens it reported, at batch prices; the interactive equivalent prices
the same tokens at interactive prices. On the ``local`` backend no money is spent: the figures
are what Gemini would charge for the emulator's token counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from emobatch.catalogue import Catalogue
from emobatch.cli.common import (
    Project,
    console,
    count,
    emit_json,
    json_option,
    new_table,
    project_command,
    usd,
)
from emobatch.cli.inventory import TOKEN_COLUMNS, collect, parsed_by_job, run_dirs
from emobatch.config import MODES
from emobatch.costs import prices, row_cost


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


def _summary_cost(run: Path) -> float | None:
    """``cost_usd_batch`` of ``results/<mode>.summary.json`` when it is for this analysis."""
    from emobatch import atomic

    path = run.parent.parent / f"{run.parent.name}.summary.json"
    try:
        summary = atomic.read_json(path)
    except (OSError, ValueError):
        return None
    return summary.get("cost_usd_batch") if summary.get("analysis_id") == run.name else None


def _pct(actual: float | None, estimated: float | None) -> float | None:
    if actual is None or not estimated:
        return None
    return round(100.0 * (actual - estimated) / estimated, 1)


def cost_report(project: Project, mode: str | None) -> dict[str, Any]:
    """Per analysis run and per job: estimated and actual USD, tokens, saving."""
    from emobatch import atomic
    from emobatch.analysis import catalogue_for

    settings = project.settings
    catalogue = catalogue_for(settings)
    inv = collect(settings, mode)
    runs: list[dict[str, Any]] = []
    for run in run_dirs(mode):
        est_path = run / "estimate.json"
        est = atomic.read_json(est_path) if est_path.exists() else {}
        model = est.get("model") or settings.batch.model_name
        agg = parsed_by_job(run)
        tokens = dict.fromkeys(TOKEN_COLUMNS, 0)
        actual = None
        rows = 0
        for job in agg.values():
            rows += job["rows"]
            for c in TOKEN_COLUMNS:
                tokens[c] += job["tokens"][c]
            if job["usd"] is not None:
                actual = (actual or 0.0) + job["usd"]
        inter = _interactive(catalogue, model, tokens) if rows else None
        runs.append(
            {
                "mode": run.parent.name,
                "analysis_id": run.name,
                "model": model,
                "estimated_requests": est.get("requests"),
                "estimated_usd_batch": est.get("usd_batch"),
                "estimated_usd_interactive": est.get("usd_interactive"),
                "estimated_tokens": {
                    k: est.get(f"{k}_tokens") for k in ("input", "output", "thinking")
                },
                "parsed_rows": rows,
                "actual_tokens": tokens,
                "actual_usd_batch": None if actual is None else round(actual, 6),
                "actual_usd_interactive_equivalent": None if inter is None else round(inter, 6),
                "saving_usd": None if actual is None or inter is None else round(inter - actual, 6),
                "actual_vs_estimate_pct": _pct(actual, est.get("usd_batch")),
                "complete": rows == est.get("requests") if est else None,
                "summary_cost_usd_batch": _summary_cost(run),
            }
        )
    jobs = []
    for job in inv.jobs:
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
                "actual_usd_interactive_equivalent": None if inter is None else round(inter, 6),
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
        "note": "local backend: no money was spent; the figures are what Gemini would charge "
        "for the same token counts"
        if settings.backend == "local"
        else None,
    }


@click.command(name="costs")
@click.option("--mode", type=click.Choice(MODES), help="Only this mode.")
@json_option
@project_command
def costs(project: Project, mode: str | None, as_json: bool) -> None:
    """Estimated vs actual USD, tokens, and the saving against interactive calls."""
    report = cost_report(project, mode)
    if as_json:
        emit_json(report)
        return
    out = console()
    if not report["runs"]:
        out.print("no estimates or results yet (run `emobatch estimate MODE`)")
        return
    table = new_table("costs per mode and analysis")
    for name in (
        "mode",
        "analysis",
        "requests",
        "est. USD",
        "actual USD",
        "vs est.",
        "interactive USD",
        "saving",
        "input tok",
        "output tok",
    ):
        table.add_column(name, justify="left" if name in ("mode", "analysis") else "right")
    for r in report["runs"]:
        t = r["actual_tokens"] if r["parsed_rows"] else None
        pct = r["actual_vs_estimate_pct"]
        table.add_row(
            r["mode"],
            r["analysis_id"],
            count(r["estimated_requests"]),
            usd(r["estimated_usd_batch"]),
            usd(r["actual_usd_batch"]),
            "-" if pct is None else f"{pct:+.1f} %",
            usd(r["actual_usd_interactive_equivalent"]),
            usd(r["saving_usd"]),
            count(t and t["prompt_tokens"]),
            count(t and t["output_tokens"] + t["thoughts_tokens"]),
        )
    out.print(table)
    if report["jobs"]:
        jt = new_table("per job")
        for name in (
            "mode",
            "chunk",
            "job",
            "state",
            "requests",
            "est. USD",
            "actual USD",
            "interactive USD",
        ):
            jt.add_column(
                name,
                justify="left" if name in ("mode", "chunk", "job", "state") else "right",
                no_wrap=name == "job",
            )
        for j in report["jobs"]:
            jt.add_row(
                j["mode"] or "?",
                j["chunk"] or "-",
                j["job_name"],
                j["state"],
                count(j["requests"]),
                usd(j["estimated_usd"]),
                usd(j["actual_usd"]),
                usd(j["actual_usd_interactive_equivalent"]),
            )
        out.print(jt)
    t = report["total"]
    out.print(
        f"total: estimated {usd(t['estimated_usd_batch'])} for every analysis above; "
        f"actual so far {usd(t['actual_usd_batch'])} at batch prices vs "
        f"{usd(t['actual_usd_interactive_equivalent'])} interactive "
        f"(saved {usd(t['saving_usd'])})"
    )
    if report["note"]:
        out.print(f"note: {report['note']}")
