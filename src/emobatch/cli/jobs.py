"""``emobatch jobs``: list, show, cancel and fetch the batch jobs of a project."""

from __future__ import annotations

from typing import Any

import click

from emobatch.cli.common import (
    Project,
    console,
    count,
    emit_json,
    human_age,
    json_option,
    new_table,
    one_line,
    project_command,
    usd,
)
from emobatch.config import MODES
from emobatch.operations.fetch import FetchResult, fetch_job
from emobatch.operations.inventory import collect
from emobatch.operations.job_view import (
    Inventory,
    JobView,
    add_remote,
    cancel,
    live,
    lookup,
    refresh,
)
from emobatch.paths import ModePaths, RunPaths

mode_option = click.option("--mode", type=click.Choice(MODES), help="Only this mode's jobs.")
STATE_STYLE = {
    "SUCCEEDED": "green",
    "RUNNING": "cyan",
    "PENDING": "cyan",
    "FAILED": "red",
    "CANCELLED": "yellow",
    "EXPIRED": "red",
    "SUBMITTED": "dim",
}


# -- rendering (shared with `emobatch monitor`) ----------------------------------------------
def jobs_table(jobs: list[JobView], *, numbered: bool = False, title: str | None = None) -> Any:
    """One row per job; the job column shows the id (``batches/`` left out) and folds when the
    terminal is narrow, so that states and numbers are never cut."""
    table = new_table(title)
    if numbered:
        table.add_column("#", justify="right", no_wrap=True)
    left = ("mode", "analysis", "model", "chunk", "job", "state")
    for name in (*left, "req", "ok/fail", "age", "est $", "actual $"):
        table.add_column(
            name,
            justify="left" if name in left else "right",
            no_wrap=name != "job",
            overflow="fold" if name == "job" else "ellipsis",
        )
    for i, job in enumerate(jobs, 1):
        state = job.state + ("!" if job.live_error else "")
        done = "-" if job.succeeded is None else f"{job.succeeded:,}/{job.failed or 0:,}"
        took = job.took()
        age = f"took {human_age(took)}" if took is not None else human_age(job.age())
        row = [
            job.mode or "?",
            job.analysis_id or "-",
            (job.model or "-").removeprefix("models/"),
            job.chunk or ("(not ours)" if not job.known else "-"),
            job.job_name.removeprefix("batches/"),
            f"[{STATE_STYLE[job.state]}]{state}[/]" if job.state in STATE_STYLE else state,
            count(job.requests),
            done,
            age,
            usd(job.estimated_usd),
            usd(job.actual_usd),
        ]
        table.add_row(*([str(i)] if numbered else []), *row)
    return table


def print_inventory(inv: Inventory, *, numbered: bool = False) -> None:
    out = console()
    if not inv.jobs:
        out.print(
            "no batch jobs in this project yet (run `emobatch estimate MODE`, then "
            f"snakemake --cores 2 {ModePaths('MODE').parquet})"
        )
    else:
        out.print(jobs_table(inv.jobs, numbered=numbered))
        if any(j.state == "SUBMITTED" for j in inv.jobs):
            out.print("SUBMITTED = no terminal state recorded locally yet; --refresh asks the API")
        if any(not j.known for j in inv.jobs):
            out.print("(not ours) = a job of this API key that this project did not submit")
        for job in inv.jobs:
            if job.live_error:
                out.print(f"{job.job_name}: live status failed: {job.live_error}")
    for problem in inv.unreadable:
        out.print(f"[yellow]skipped an unreadable record: {problem}[/]")
    if inv.interrupted:
        out.print(
            f"[yellow]{len(inv.interrupted)} interrupted submission(s) in the ledger "
            "(intent without a job): the next run reconciles them; see "
            "`emobatch ledger show`[/]"
        )


def show_lines(job: JobView, live_error: str | None = None) -> list[str]:
    """Everything known about one job, as readable lines."""
    d = job.to_dict()
    lines = [
        f"job          {job.job_name}" + ("" if job.known else "  (not in this project)"),
        f"display name {job.display_name or '-'}",
        f"state        {job.state}  (from {job.state_source})",
    ]
    if job.live_error or live_error:
        lines.append(f"live status  unavailable: {job.live_error or live_error}")
    lines += [
        f"batchStats   requests {count(job.requests)}, succeeded {count(job.succeeded)}, "
        f"failed {count(job.failed)}, pending {count(job.pending)}",
        f"mode/chunk   {job.mode or '-'} / {job.chunk or '-'} ({job.kind}, attempt "
        f"{'-' if job.attempt is None else job.attempt}), analysis {job.analysis_id or '-'}",
        f"model        {job.model or '-'}",
        f"submitted    {job.submitted_at or '-'} ({human_age(job.age())} ago)",
        f"ended        {job.end_time or '-'}",
        f"output file  {job.output_file or '-'}",
        f"cost         estimated {usd(job.estimated_usd)}, actual {usd(job.actual_usd)}"
        + (f" ({job.parsed_rows} parsed rows, {job.parsed_ok} ok)" if job.parsed_rows else ""),
        f"sentinel     {job.sentinel or '-'}",
        f"marker       {job.marker or '-'}",
        f"chunk sha256 {job.chunk_sha256 or '-'}",
    ]
    if d.get("tokens"):
        t = d["tokens"]
        lines.append(
            f"tokens       {t['prompt_tokens']:,} input ({t['cached_tokens']:,} cached), "
            f"{t['output_tokens']:,} output, {t['thoughts_tokens']:,} thinking"
        )
    lines.append(f"next         {next_step(job)}")
    return lines


def next_step(job: JobView) -> str:
    if not job.known:
        return "not submitted by this project; cancel it with `emobatch jobs cancel` if unwanted"
    target = f"snakemake --cores 2 {ModePaths(job.mode or 'MODE').parquet}"
    if job.state == "SUCCEEDED" and job.parsed_rows:
        return f"parsed; {target} merges it"
    if job.state == "SUCCEEDED":
        return f"`emobatch jobs fetch {job.job_name}` or {target}"
    if job.state == "CANCELLED":
        return cancelled_hint(job)
    if job.state in ("FAILED", "EXPIRED"):
        return f"{target} resubmits it (batch.job_resubmits)"
    return f"wait; `emobatch monitor` or {target} (resumes, submits nothing again)"


def cancelled_hint(job: JobView) -> str:
    sentinel = job.sentinel or (
        str(RunPaths(job.mode, job.analysis_id).sentinel(job.chunk))
        if job.mode and job.analysis_id and job.chunk
        else "the chunk's sentinel"
    )
    return (
        f"the chunk stops with 'cancelled by the user' on the next run; to analyse it after "
        f"all: rm {sentinel} && emobatch ledger forget {(job.chunk_sha256 or '')[:12]} "
        f"--analysis {job.analysis_id} --yes, then re-run snakemake"
    )


# -- commands -------------------------------------------------------------------------------
@click.group(name="jobs")
def jobs() -> None:
    """List, inspect, cancel and fetch the project's batch jobs."""


@jobs.command(name="list")
@mode_option
@click.option(
    "--refresh",
    "do_refresh",
    is_flag=True,
    help="Ask the API for the live state of unfinished jobs.",
)
@click.option(
    "--remote",
    is_flag=True,
    help="Also list the provider's jobs this project does not know (implies --refresh).",
)
@json_option
@project_command
def list_jobs(
    project: Project, mode: str | None, do_refresh: bool, remote: bool, as_json: bool
) -> None:
    """Every job the project knows (sentinels, markers, ledger): state, counts, age, cost.

    Offline by default: the state comes from the completion markers and the ledger.
    """
    inv = collect(project.settings, mode)
    if do_refresh or remote:
        with project.backend(inv.jobs) as backend:
            refresh(inv.jobs, backend)
            if remote:
                everything = collect(project.settings) if mode else inv
                add_remote(inv, backend, known={j.job_name for j in everything.jobs})
    if as_json:
        emit_json(
            {
                "jobs": [j.to_dict() for j in inv.jobs],
                "interrupted_intents": inv.interrupted,
                "unreadable": inv.unreadable,
            }
        )
        return
    print_inventory(inv)


@jobs.command(name="show")
@click.argument("name")
@json_option
@project_command
def show_job(project: Project, name: str, as_json: bool) -> None:
    """Live status (with batchStats) and everything the project knows about one job.

    NAME is a job name (batches/...), its id or a unique prefix of it, its display name, or
    MODE/CHUNK (e.g. pilot/chunk-0000) for a chunk's latest job.
    """
    inv = collect(project.settings)
    live_error = None
    with project.backend(inv.jobs) as backend:
        job = lookup(inv, name, backend)
        try:
            status = live(job, backend)
            raw = status.raw
        except Exception as exc:  # the local view is still worth showing
            live_error, raw = one_line(exc)[:300], None
    if as_json:
        emit_json(
            {
                **job.to_dict(),
                "live_error": live_error,
                "operation": raw,
                "next_step": next_step(job),
            }
        )
        return
    for line in show_lines(job, live_error):
        click.echo(line)


@jobs.command(name="cancel")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@project_command
def cancel_job(project: Project, name: str, yes: bool) -> None:
    """Ask the provider to cancel a job (after confirmation, unless --yes).

    A cancelled job's chunk is not analysed: the pipeline stops it with "cancelled by the
    user" and never resubmits it on its own.
    """
    inv = collect(project.settings)
    with project.backend(inv.jobs) as backend:
        job = lookup(inv, name, backend)
        status = live(job, backend)
        if status.done:
            click.echo(
                f"job {job.job_name} has already finished ({status.state}); nothing to cancel."
            )
            return
        where = f"{job.mode} {job.chunk}" if job.known else "not in this project"
        if not yes:
            click.confirm(
                f"Cancel {job.job_name} ({where}, {status.request_count} requests, "
                f"{status.state}, {status.succeeded + status.failed} done)? Its chunk is then "
                "not analysed",
                abort=True,
            )
        after = cancel(job, backend, via="emobatch jobs cancel")
    click.echo(f"cancel requested for {job.job_name}; the provider reports {after.state}.")
    if job.known:
        click.echo(f"next: {cancelled_hint(job)}")


@jobs.command(name="fetch")
@click.argument("name")
@json_option
@project_command
def fetch(project: Project, name: str, as_json: bool) -> None:
    """Download and process a finished job's results into the pipeline's own files.

    Writes the completion marker if missing, downloads the raw output, and parses it (no
    retry rounds) into the analysis' parsed/ folder; a later
    `snakemake --cores 2 results/MODE.parquet` then only merges. Exit code 75 while the
    job still runs.
    """
    inv = collect(project.settings)
    with project.backend(inv.jobs) as backend:
        job = lookup(inv, name, backend)
        status = backend.get(job.job_name)
        result = fetch_job(project.settings, backend.for_job(job), job, status)
    if as_json:
        emit_json(result.to_dict())
        return
    print_fetch(result)


def print_fetch(result: FetchResult) -> None:
    click.echo(f"{result.mode} {result.chunk} ({result.job_name}):")
    for step in result.steps:
        click.echo(f"  {step['step']:<9} {step['action']}: {step['path']}")
    click.echo(f"  rows      {result.rows} ({result.ok} ok, {result.failed} failed)")
    if result.failed:
        click.echo(
            "  failed rows were not retried; to retry them, delete the recovered/ and "
            "parsed/ files above and run snakemake"
        )
    click.echo(f"next: {result.next_step()}")
