"""``emobatch ledger``: read the submission ledger; forget an attempt the operator cleared.

The ledger (``ledger_path``, see ``emobatch.ledger``) is append-only: ``forget`` never edits
or deletes a line, it appends a ``forgotten`` record for one (chunk, attempt), after which that
attempt's earlier records no longer count and the chunk can be submitted again.
"""

from __future__ import annotations

from typing import Any

import click

from emobatch.cli.common import (
    CliError,
    Project,
    console,
    emit_json,
    json_option,
    new_table,
    project_command,
)
from emobatch.cli.inventory import interrupted_intents
from emobatch.ledger import Ledger
from emobatch.logs import batch_event

FORGETTABLE_STATES = ("CANCELLED",)


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


def _chunk(book: Ledger, prefix: str, analysis: str | None) -> tuple[str, str]:
    """The (chunk sha256, analysis id) a prefix names: the ledger keys work by both."""
    prefix = prefix.strip().lower()
    if len(prefix) < 6:
        raise CliError(
            f"{prefix!r} is too short to name a chunk safely",
            hint="give at least 6 hex digits of the chunk's sha256 (see `emobatch ledger show`)",
        )
    work = {
        (r["chunk_sha256"], str(r.get("analysis_id")))
        for r in book.records()
        if str(r.get("chunk_sha256", "")).startswith(prefix)
        and r.get("analysis_id")
        and (analysis is None or r.get("analysis_id") == analysis)
    }
    if not work:
        raise CliError(
            f"no ledger record for a chunk whose sha256 starts with {prefix}"
            + (f" under analysis {analysis}" if analysis else ""),
            hint="see `emobatch ledger show`",
        )
    if len(work) > 1:
        raise CliError(
            f"{prefix} matches {len(work)} chunks or analyses ("
            + ", ".join(f"{s[:16]} in {a}" for s, a in sorted(work))
            + ")",
            hint="give more digits, or --analysis ID",
        )
    return work.pop()


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
    sha, analysis = _chunk(book, sha_prefix, analysis)
    attempts = book.attempts(sha, analysis)
    if attempt is None:
        attempt = max(attempts) if attempts else 0
    state = attempts.get(attempt)
    if state is None or (state.intent is None and state.submitted is None):
        raise CliError(
            f"chunk {sha[:12]} attempt {attempt} has nothing to forget",
            hint="see `emobatch ledger show`",
        )
    if state.submitted is not None:
        final = (state.final or {}).get("state") or _live_final(project, book, state.submitted)
        if final not in FORGETTABLE_STATES:
            raise CliError(
                f"chunk {sha[:12]} attempt {attempt} was submitted as job "
                f"{state.submitted['job_name']} ({final or 'not finished'}); forgetting it "
                "would pay for the same chunk twice. Only interrupted intents and cancelled "
                "jobs can be forgotten.",
                hint=(
                    f"cancel it first (`emobatch jobs cancel {state.submitted['job_name']}`)"
                    " if you want it gone"
                    if final is None
                    else "nothing to forget: the pipeline uses its results (FAILED and EXPIRED "
                    "jobs are resubmitted per batch.job_resubmits)"
                ),
            )
        what = f"job {state.submitted['job_name']} ({final})"
    else:
        what = f"the interrupted intent of {state.intent.get('display_name')}"  # type: ignore[union-attr]
    if not yes:
        click.confirm(
            f"Forget {what} for chunk {sha[:12]} attempt {attempt}? The next run submits the "
            "chunk again as a new, paid job, without looking for an existing one",
            abort=True,
        )
    book.append(
        "forgotten",
        chunk_sha256=sha,
        analysis_id=analysis,
        attempt=attempt,
        reason=f"emobatch ledger forget: {what}",
    )
    batch_event(
        "ledger",
        "forgot %s for chunk %s attempt %d (emobatch ledger forget)",
        what,
        sha[:12],
        attempt,
    )
    click.echo(f"forgot {what} for chunk {sha[:12]} attempt {attempt}.")
    sentinels = _sentinels_of(sha, analysis)
    if sentinels:
        click.echo(
            f"next: rm {' '.join(sentinels)} (its sentinel), then re-run snakemake: the "
            "chunk is submitted once more"
        )
    else:
        click.echo("next: re-run snakemake: the chunk is submitted once more")


def _live_final(project: Project, book: Ledger, submitted: dict[str, Any]) -> str | None:
    """The job's terminal state from the provider (recorded as ``final``), or None."""
    with project.backend() as backend:
        status = backend.get(submitted["job_name"])
    if not status.done:
        return None
    book.append(
        "final",
        chunk_sha256=submitted["chunk_sha256"],
        analysis_id=submitted.get("analysis_id"),
        attempt=int(submitted.get("attempt", 0)),
        job_name=status.name,
        state=status.state,
        request_count=status.request_count,
        succeeded=status.succeeded,
        failed=status.failed,
    )
    return str(status.state)


def _sentinels_of(sha: str, analysis: str) -> list[str]:
    from emobatch import atomic
    from emobatch.cli.inventory import run_dirs

    out = []
    for run in run_dirs():
        if run.name != analysis:
            continue
        for path in sorted((run / "submitted").glob("*.json")):
            try:
                if atomic.read_json(path).get("chunk_sha256") == sha:
                    out.append(str(path))
            except (OSError, ValueError):
                continue
    return out
