"""``emobatch ledger``: read the submission ledger; forget an attempt the operator cleared.

The ledger (``ledger_path``, see ``emobatch.ledger``) is append-only: ``forget`` never edits
or deletes a line, it appends a ``forgotten`` record for one (chunk, attempt), after which that
attempt's earlier records no longer count and the chunk can be submitted again. What may be
forgotten is decided by :mod:`emobatch.operations.ledger_ops`; this module renders and asks.
"""

from __future__ import annotations

from typing import Any

import click

from emobatch.cli.common import (
    Project,
    console,
    emit_json,
    json_option,
    new_table,
    project_command,
)
from emobatch.ledger import Ledger
from emobatch.operations.inventory import interrupted_intents
from emobatch.operations.job_view import JobView
from emobatch.operations.ledger_ops import forget as forget_attempt
from emobatch.operations.ledger_ops import live_final, plan_forget, sentinels_of


@click.group(name="ledger")
def ledger() -> None:
    """The append-only submission ledger (the guarantee that a chunk is paid for once)."""


@ledger.command(name="show")
@json_option
@project_command
def show(project: Project, as_json: bool) -> None:
    """Every ledger record, oldest first."""
    book = Ledger(project.settings.ledger_path)
    records = list(book.records())
    interrupted = interrupted_intents(book)
    if as_json:
        emit_json(
            {"ledger": str(book.path), "records": records, "interrupted_intents": interrupted}
        )
        return
    out = console()
    out.print(f"ledger {book.path}: {len(records)} records")
    if not records:
        return
    table = new_table()
    for name in ("at", "event", "chunk", "analysis", "attempt", "mode", "job / details"):
        table.add_column(name, no_wrap=name != "job / details")
    for rec in records:
        table.add_row(
            str(rec.get("at", "")).replace("T", " "),
            str(rec.get("event", "")),
            str(rec.get("chunk_sha256", ""))[:12],
            str(rec.get("analysis_id", "")),
            str(rec.get("attempt", "")),
            str(rec.get("mode", "")),
            _details(rec),
        )
    out.print(table)
    for rec in interrupted:
        out.print(
            f"[yellow]interrupted: chunk {rec['chunk_sha256'][:12]} attempt "
            f"{rec.get('attempt', 0)} ({rec.get('chunk_file', '?')}) has an intent but no "
            "job. The next run looks for the job by display name and adopts it, or "
            "creates one when a complete listing shows there is none.[/]"
        )


def _details(rec: dict[str, Any]) -> str:
    event = rec.get("event")
    if event == "intent":
        return (
            f"{rec.get('display_name')}: {rec.get('requests')} requests, "
            f"~{rec.get('estimated_input_tokens')} input tokens, key {rec.get('key_fp')}"
        )
    if event == "uploaded":
        return f"{rec.get('file_name')}"
    if event == "submitted":
        return f"{rec.get('job_name')} ({rec.get('how')}, {rec.get('requests')} requests)"
    if event == "final":
        counts = ""
        if rec.get("request_count") is not None:
            counts = f" ({rec.get('succeeded')} ok, {rec.get('failed')} failed)"
        return f"{rec.get('job_name')}: {rec.get('state')}{counts}"
    if event == "forgotten":
        return f"forgotten: {rec.get('reason', '')}"
    return ", ".join(
        f"{k}={v}"
        for k, v in sorted(rec.items())
        if k not in ("at", "event", "chunk_sha256", "analysis_id", "attempt", "mode", "v")
    )


@ledger.command(name="forget")
@click.argument("sha_prefix")
@click.option("--analysis", help="The analysis id, when the same chunk exists under several.")
@click.option("--attempt", type=int, help="The attempt to forget (default: the latest).")
@click.option("--yes", is_flag=True, help="Confirm: you are certain no job exists for it.")
@project_command
def forget(
    project: Project, sha_prefix: str, analysis: str | None, attempt: int | None, yes: bool
) -> None:
    """Let a chunk be submitted again: forget an interrupted intent (or a cancelled job).

    Use it only when you are certain no job exists for the intent (for example an intent
    recorded under another API key whose project is gone): the next run creates a new, paid
    job WITHOUT looking for the old one. A job that is confirmed and not cancelled is refused.
    """
    book = Ledger(project.settings.ledger_path)

    def ask_provider(submitted: dict[str, Any]) -> str | None:
        job = JobView(
            job_name=str(submitted["job_name"]),
            backend=submitted.get("backend"),
            endpoint=submitted.get("endpoint"),
            key_fingerprint=submitted.get("key_fp"),
        )
        with project.backend([job]) as backend:  # the job's own backend
            return live_final(book, backend, submitted)

    plan = plan_forget(
        book, sha_prefix, analysis=analysis, attempt=attempt, live_state=ask_provider
    )
    if not yes:
        click.confirm(
            f"Forget {plan.describe()}? The next run submits the chunk again as a new, paid "
            "job, without looking for an existing one",
            abort=True,
        )
    forget_attempt(book, plan)
    click.echo(f"forgot {plan.describe()}.")
    sentinels = sentinels_of(plan.chunk_sha256, plan.analysis_id)
    if sentinels:
        click.echo(
            f"next: rm {' '.join(map(str, sentinels))} (its sentinel), then re-run snakemake: "
            "the chunk is submitted once more"
        )
    else:
        click.echo("next: re-run snakemake: the chunk is submitted once more")
