"""Wait for a submitted job to reach a terminal state; write its completion marker.

Blocking by default (the R toolkit's one-stop run): poll every ``poll_interval_seconds`` up to
``max_wait_hours``. Non-blocking (cron, clusters): check once; while the job runs raise
``JobStillRunning`` (exit code 75), and re-running the same command resumes.

Job-level recovery: FAILED and EXPIRED jobs (and SUCCEEDED jobs in which every row failed) are
resubmitted up to ``job_resubmits`` times through the ledger (attempt 1, 2, ...); CANCELLED
stops the chunk with a clear message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emobatch.backends.base import BatchBackend, JobStatus
from emobatch.crashpoints import crashpoint
from emobatch.errors import JobError, JobStillRunning, SubmissionError
from emobatch.identity import file_sha256
from emobatch.ledger import Ledger, record_final, utc_now
from emobatch.logs import batch_event
from emobatch.progress import Progress
from emobatch.records import Marker, Sentinel
from emobatch.stages.submit import Clock, SubmitLimits, submit_chunk

log = logging.getLogger("emobatch.poll")
EXIT_STILL_RUNNING = 75

STATE_MESSAGES = {
    "PENDING": "queued at the provider, not started yet",
    "RUNNING": "running",
    "SUCCEEDED": "finished",
    "FAILED": "FAILED at the provider",
    "CANCELLED": "CANCELLED (by the user: `emobatch jobs cancel` or the console)",
    "EXPIRED": "EXPIRED: it ran or waited longer than the provider allows (Gemini 48 h, "
    "Vertex 72 h) and has no results",
}


@dataclass(frozen=True)
class PollSettings:
    interval_seconds: float = 300.0  # the longest wait between two checks
    max_wait_hours: float = 26.0
    blocking: bool = True
    job_resubmits: int = 1
    first_interval_seconds: float = 2.0  # the first wait; each next one is 1.5 times longer
    growth: float = 1.5

    def delays(self) -> Iterator[float]:
        """The waits between checks: first, x1.5, x1.5 ... capped at ``interval_seconds``.

        With the defaults (2 s, cap 300 s): 2, 3, 4.5, 6.8, 10, 15, 23, 34, 51, 77, 115, 173,
        259, 300, 300, ... seconds: a job that finishes in 20 s is seen about 6 s later, one of
        an hour within 5 minutes, and a day-long job costs about 300 status checks.
        """
        delay = min(self.first_interval_seconds, self.interval_seconds)
        while True:
            yield round(delay, 3)
            delay = min(delay * self.growth, self.interval_seconds)


def poll_chunk(
    backend: BatchBackend,
    ledger: Ledger,
    sentinel: Sentinel,
    chunk: Path,
    *,
    settings: PollSettings,
    limits: SubmitLimits | None = None,
    clock: Clock | None = None,
    progress: Progress | None = None,
) -> Marker:
    """Poll until terminal (resubmitting FAILED/EXPIRED per policy); return the marker."""
    clock = clock or Clock()
    current_sha = file_sha256(chunk)
    if current_sha != sentinel.chunk_sha256:
        raise SubmissionError(
            f"{chunk} changed after it was submitted (sentinel {sentinel.job_name} is for "
            f"sha256 {sentinel.chunk_sha256[:12]}, the file is now {current_sha[:12]}). "
            "The results of that job would not match this chunk.",
            hint="if the new content is intended, delete the sentinel named in the error "
            "(results/<mode>/<analysis>/submitted/<chunk>.json) and re-run: the new content is "
            "submitted once; the old job stays in the ledger",
        )
    attempts: list[dict[str, Any]] = []
    started = clock.monotonic()
    while True:
        status, waited = _wait(backend, sentinel, settings, clock, started, progress)
        all_rows_failed = (
            status.state == "SUCCEEDED"
            and status.request_count > 0
            and status.succeeded == 0
            and status.failed >= status.request_count
        )
        record_final(ledger, sentinel, status)
        attempts.append(
            {"job_name": status.name, "state": status.state, "all_rows_failed": all_rows_failed}
        )
        if status.state == "SUCCEEDED" and not all_rows_failed:
            break
        if status.state == "CANCELLED":
            raise JobError(
                f"job {status.name} for {chunk.name} was cancelled by the user; its chunk is "
                "not analysed.",
                hint="to analyse it after all, delete the sentinel "
                f"for {chunk.name} and its ledger entry with `emobatch ledger forget "
                f"{sentinel.chunk_sha256[:12]}`, then re-run",
            )
        why = "every row failed" if all_rows_failed else STATE_MESSAGES.get(status.state, "")
        attempt = sentinel.attempt
        if status.state not in {"FAILED", "EXPIRED", "SUCCEEDED"}:
            raise JobError(f"job {status.name} ended in unexpected state {status.state}")
        if attempt >= settings.job_resubmits:
            raise JobError(
                f"job {status.name} for {chunk.name}: {why}; resubmitted {attempt} time(s) "
                f"already (batch.job_resubmits = {settings.job_resubmits}).",
                hint="raise batch.job_resubmits and re-run, or check the provider status",
            )
        batch_event(
            "poll",
            "%s %s (%s); resubmitting as attempt %d",
            chunk.name,
            status.name,
            why,
            attempt + 1,
        )
        sentinel = submit_chunk(
            backend,
            ledger,
            chunk,
            model=sentinel.model,
            analysis=sentinel.analysis_id,
            mode=sentinel.mode,
            attempt=attempt + 1,
            limits=limits,
            clock=clock,
        )
    return Marker(
        job_name=status.name,
        display_name=status.display_name,
        state=status.state,
        request_count=status.request_count,
        succeeded=status.succeeded,
        failed=status.failed,
        output_file=status.output_file,
        chunk_file=str(chunk),
        chunk_sha256=sentinel.chunk_sha256,
        model=sentinel.model,
        mode=sentinel.mode,
        analysis_id=sentinel.analysis_id,
        attempts=attempts,
        submitted_at=sentinel.submitted_at,
        create_time=status.create_time,
        end_time=status.end_time,
        completed_at=utc_now(),
        waited_seconds=round(waited, 1),
    )


def _wait(
    backend: BatchBackend,
    sentinel: Sentinel,
    settings: PollSettings,
    clock: Clock,
    started: float,
    progress: Progress | None,
) -> tuple[JobStatus, float]:
    job = sentinel.job_name
    last_state: str | None = None
    deadline = started + settings.max_wait_hours * 3600
    delays = settings.delays()
    while True:
        status = backend.get(job)
        crashpoint("during_poll")
        waited = clock.monotonic() - started
        if status.state != last_state:
            batch_event(
                "poll",
                "%s %s: %s (%d requests, %d ok, %d failed, %d pending)",
                Path(sentinel.chunk_file).name,
                job,
                status.state,
                status.request_count,
                status.succeeded,
                status.failed,
                status.pending,
            )
            last_state = status.state
        if progress is not None:
            progress.update(status, waited)
        if status.done:
            return status, waited
        if not settings.blocking:
            raise JobStillRunning(
                f"job {job} is {STATE_MESSAGES.get(status.state, status.state)} "
                f"({status.succeeded + status.failed}/{status.request_count} requests done).",
                hint="re-run the same snakemake command later to resume; nothing is resubmitted",
            )
        delay = next(delays)
        if clock.monotonic() + delay > deadline:
            raise JobError(
                f"job {job} is still {status.state} after {settings.max_wait_hours} h of waiting "
                "(batch.max_wait_hours). It keeps running at the provider.",
                hint="re-run the same command later to resume waiting; nothing is resubmitted",
            )
        _sleep(clock, delay, progress, started)


def _sleep(clock: Clock, delay: float, progress: Progress | None, started: float) -> None:
    """Wait ``delay`` seconds; on a terminal, redraw the progress line every second."""
    if progress is None or not progress.tty:
        clock.sleep(delay)
        return
    end = clock.monotonic() + delay
    while (left := end - clock.monotonic()) > 0:
        progress.tick(clock.monotonic() - started, left)
        clock.sleep(min(1.0, left))


def write_marker(path: Path, marker: Marker) -> None:
    marker.dump(path)
