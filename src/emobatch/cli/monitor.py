"""``emobatch monitor``: the interactive batch manager (the R toolkit's menu, extended).

Menu: 1 list jobs, 2 check one job, 3 download and process results, 4 cancel a job, 5 live
view, q quit. The live view refreshes every unfinished job's state and counts every
``--interval`` seconds: a rich table on a terminal, one plain line per job otherwise; ``q`` or
Ctrl-C returns to the menu, and it returns by itself once every job has finished.

It works over plain stdin/stdout: without a terminal it reads lines, and the end of input
quits cleanly (see ``emobatch.cli.keyboard``).
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import Any

import click

from emobatch.cli.common import (
    EXIT_STILL_RUNNING,
    Project,
    console,
    errors_at_the_edge,
    project_command,
)
from emobatch.cli.jobs import cancelled_hint, jobs_table, print_fetch, print_inventory, show_lines
from emobatch.cli.keyboard import Input
from emobatch.config import MODES
from emobatch.operations.fetch import fetch_job
from emobatch.operations.inventory import collect
from emobatch.operations.job_view import Inventory, JobView, cancel, live, lookup, refresh
from emobatch.timefmt import one_line

MENU = """emobatch monitor: {project} (backend {backend})
  1  list jobs
  2  check one job
  3  download and process results
  4  cancel a job
  5  live view (every {interval:g}s; q or Ctrl-C returns here)
  q  quit"""
SHORT_MENU = "\n[1 list  2 check  3 download+process  4 cancel  5 live view  q quit]"


class Monitor:
    def __init__(
        self,
        project: Project,
        backend: Any,
        mode: str | None,
        interval: float,
        inp: Input | None = None,
    ) -> None:
        self.project = project
        self.backend = backend
        self.mode = mode
        self.interval = interval
        self.input = inp or Input()
        self.inv: Inventory | None = None
        self.out = console()

    # -- helpers ---------------------------------------------------------------------------
    def say(self, text: str = "") -> None:
        click.echo(text)

    def ask(self, prompt: str) -> str:
        click.echo(prompt, nl=False)
        sys.stdout.flush()
        answer = self.input.readline() or ""
        if not self.input.tty:  # a transcript of piped input reads like a session
            click.echo(answer)
        return answer

    def inventory(self, live: bool = True) -> Inventory:
        inv = collect(self.project.settings, self.mode)
        for job in inv.jobs:  # each job is asked of its own backend
            self.backend.remember(job)
        if live:
            refresh(inv.jobs, self.backend)
        self.inv = inv
        return inv

    def pick(self) -> JobView | None:
        if not (self.inv or self.inventory()).jobs:
            self.say("no jobs yet")
            return None
        return self.select(self.ask("job (number, name or MODE/CHUNK)> "))

    def select(self, answer: str) -> JobView | None:
        inv = self.inv or self.inventory()
        if not answer:
            return None
        if answer.isdigit():
            n = int(answer)
            if 1 <= n <= len(inv.jobs):
                return inv.jobs[n - 1]
            self.say(f"no job number {n} (1-{len(inv.jobs)}; choose 1 to list them)")
            return None
        return lookup(inv, answer, self.backend)

    # -- menu actions ----------------------------------------------------------------------
    def list_jobs(self) -> None:
        print_inventory(self.inventory(), numbered=True)

    def check(self) -> None:
        job = self.pick()
        if job is None:
            return
        error = None
        try:
            live(job, self.backend)
        except Exception as exc:  # show what the project knows anyway
            error = one_line(exc)[:300]
        for line in show_lines(job, error):
            self.say(line)

    def fetch(self) -> None:
        inv = self.inv or self.inventory()
        waiting = [
            j
            for j in inv.jobs
            if j.kind == "chunk" and j.state == "SUCCEEDED" and not j.parsed_rows
        ]
        if waiting:
            self.say(
                "finished, not yet processed: "
                + ", ".join(f"{inv.jobs.index(j) + 1} ({j.mode} {j.chunk})" for j in waiting)
            )
        answer = self.ask("job (number, name, or 'all' for every one listed)> ")
        if answer.lower() == "all":
            targets = waiting
            if not waiting:
                self.say("nothing to process: no finished job is waiting")
        else:
            job = self.select(answer)
            targets = [job] if job else []
        for job in targets:
            with self.report_errors():
                status = self.backend.get(job.job_name)
                backend = self.backend.for_job(job)
                print_fetch(fetch_job(self.project.settings, backend, job, status))
        self.inv = None

    def cancel(self) -> None:
        job = self.pick()
        if job is None:
            return
        status = live(job, self.backend)
        if status.done:
            self.say(f"{job.job_name} has already finished ({status.state}); nothing to cancel")
            return
        answer = self.ask(
            f"cancel {job.job_name} ({job.mode} {job.chunk}, {status.state}, "
            f"{status.succeeded + status.failed}/{status.request_count} done)? "
            "Its chunk is then not analysed [y/N]> "
        )
        if answer.lower() not in ("y", "yes"):
            self.say("not cancelled")
            return
        after = cancel(job, self.backend, via="emobatch monitor")
        self.say(f"cancel requested; the provider reports {after.state}")
        if job.known:
            self.say(f"next: {cancelled_hint(job)}")
        self.inv = None

    def live_view(self) -> None:
        fancy = self.input.tty and sys.stdout.isatty()
        try:
            with self.input.keys():
                if fancy:
                    self._live_rich()
                else:
                    self._live_plain()
        except KeyboardInterrupt:
            self.say("")
        self.inv = None

    def _wait(self, seconds: float) -> bool:
        """Wait for ``seconds``; True if the operator asked to leave (q, Enter-q, EOF)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                key = self.input.key(min(left, 0.25))
            except EOFError:
                return True
            if key is not None and key.strip().lower() == "q":
                return True
        return False

    def _live_plain(self) -> None:
        self.say(f"live view: every {self.interval:g}s; q + Enter returns to the menu")
        while True:
            inv = self.inventory()
            stamp = time.strftime("%H:%M:%S")
            for job in inv.jobs:
                done = (
                    ""
                    if job.succeeded is None
                    else (
                        f" {job.succeeded + (job.failed or 0)}/{job.requests} done "
                        f"({job.succeeded} ok, {job.failed or 0} failed, "
                        f"{job.pending or 0} pending)"
                    )
                )
                self.say(
                    f"{stamp} {job.mode or '?'} {job.chunk or '-'} {job.job_name} {job.state}{done}"
                )
            if not inv.jobs or all(j.done for j in inv.jobs):
                self.say("every job has finished" if inv.jobs else "no jobs")
                return
            sys.stdout.flush()
            if self._wait(self.interval):
                return

    def _live_rich(self) -> None:
        from rich.live import Live

        def table(inv: Inventory) -> Any:
            return jobs_table(
                inv.jobs,
                numbered=True,
                title=f"live view {time.strftime('%H:%M:%S')}: every "
                f"{self.interval:g}s, q or Ctrl-C returns to the menu",
            )

        inv = self.inventory()
        with Live(table(inv), console=self.out, auto_refresh=False) as view:
            while True:
                if not inv.jobs or all(j.done for j in inv.jobs):
                    break
                if self._wait(self.interval):
                    return
                inv = self.inventory()
                view.update(table(inv), refresh=True)
        self.say("every job has finished" if inv.jobs else "no jobs")

    @contextlib.contextmanager
    def report_errors(self) -> Iterator[None]:
        """Print an action's error paragraph and go back to the menu."""
        try:
            with errors_at_the_edge():
                yield
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}")
        except click.Abort:
            self.say("aborted")

    # -- the loop --------------------------------------------------------------------------
    def run(self) -> None:
        actions = {
            "1": self.list_jobs,
            "2": self.check,
            "3": self.fetch,
            "4": self.cancel,
            "5": self.live_view,
        }
        root = self.project.root
        self.say(
            MENU.format(project=root, backend=self.project.settings.backend, interval=self.interval)
        )
        while True:
            try:
                choice = self.ask("choice> ").lower()
                if choice in ("q", "quit", "exit"):
                    return
                action = actions.get(choice)
                if action is None:
                    self.say(f"unknown choice {choice!r}: type 1-5 or q{SHORT_MENU}")
                    continue
                with self.report_errors():
                    action()
                self.say(SHORT_MENU)
            except EOFError:
                self.say("\nend of input: bye")
                return
            except KeyboardInterrupt:
                self.say("\nbye")
                return


@click.command(name="monitor")
@click.option("--mode", type=click.Choice(MODES), help="Only this mode's jobs.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.2),
    default=30.0,
    show_default=True,
    help="Seconds between refreshes of the live view.",
)
@click.option(
    "--once",
    is_flag=True,
    help="Print the live job table once and exit (75 if a job is unfinished).",
)
@project_command
def monitor(project: Project, mode: str | None, interval: float, once: bool) -> None:
    """Interactive batch manager: list, check, download, cancel, live view.

    Reads plain lines when stdin is not a terminal (the end of input quits).
    """
    with project.backend() as backend:
        mon = Monitor(project, backend, mode, interval)
        if once:
            inv = mon.inventory()
            print_inventory(inv)
            if any(not j.done for j in inv.jobs):
                click.get_current_context().exit(EXIT_STILL_RUNNING)
            return
        mon.run()
