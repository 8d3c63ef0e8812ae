"""``emobatch costs``: estimated vs actual USD, tokens and the batch saving, per mode and job.

The figures come from :func:`emobatch.operations.cost_report.cost_report` (what it reads is
documented there); this module renders them.
"""

from __future__ import annotations

import click

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
from emobatch.config import MODES
from emobatch.operations.cost_report import cost_report


@click.command(name="costs")
@click.option("--mode", type=click.Choice(MODES), help="Only this mode.")
@json_option
@project_command
def costs(project: Project, mode: str | None, as_json: bool) -> None:
    """Estimated vs actual USD, tokens, and the saving against interactive calls."""
    report = cost_report(project.settings, mode)
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
