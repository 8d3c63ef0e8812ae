"""A batch job as the operator sees it: what the project knows, and what the provider says.

:class:`JobView` is built offline by :func:`emobatch.operations.inventory.collect` (which
documents what it reads); :func:`refresh`, :func:`apply_status` and :func:`add_remote` add the
provider's live states, counts and the jobs of the API key this project does not know;
:func:`lookup` finds the job an operator names, :func:`cancel` cancels one. This module reads
no file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from emobatch.backends.base import BatchBackend, JobStatus
from emobatch.errors import EmobatchError
from emobatch.logs import batch_event
from emobatch.paths import RunPaths
from emobatch.timefmt import TERMINAL, age_seconds, one_line

__all__ = [
    "Inventory",
    "JobView",
    "add_remote",
    "apply_status",
    "cancel",
    "live",
    "lookup",
    "refresh",
]


@dataclass
class JobView:
    """What the project knows about one batch job (and, after a refresh, what the API says)."""

    job_name: str
    mode: str | None = None
    analysis_id: str | None = None
    chunk: str | None = None
    kind: str = "chunk"  # chunk | retry | unknown (not in this project)
    attempt: int | None = None
    chunk_sha256: str | None = None
    display_name: str | None = None
    model: str | None = None
    state: str = "SUBMITTED"  # no terminal state recorded yet
    state_source: str = "ledger"  # sentinel | ledger | marker | live | listing
    requests: int | None = None
    succeeded: int | None = None
    failed: int | None = None
    pending: int | None = None
    submitted_at: str | None = None
    end_time: str | None = None
    output_file: str | None = None
    estimated_usd: float | None = None
    actual_usd: float | None = None
    parsed_rows: int | None = None
    parsed_ok: int | None = None
    tokens: dict[str, int] | None = None
    sentinel: str | None = None
    marker: str | None = None
    live_error: str | None = None
    backend: str | None = None  # the backend the job was submitted through (local, gemini, ...)
    endpoint: str | None = None  # its base URL (None for local)
    key_fingerprint: str | None = None  # of the API key that submitted it (never the key)
    sources: list[str] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.kind != "unknown"

    @property
    def done(self) -> bool:
        return self.state in TERMINAL

    @property
    def run(self) -> RunPaths | None:
        """The files of the job's analysis (None for a job this project does not know)."""
        if not self.mode or not self.analysis_id:
            return None
        return RunPaths(self.mode, self.analysis_id)

    def age(self) -> float | None:
        """Seconds since submission while the job runs; None once it has finished."""
        return None if self.done and self.end_time else age_seconds(self.submitted_at)

    def took(self) -> float | None:
        """Seconds from submission to the end, for a finished job with both times."""
        if not (self.done and self.end_time and self.submitted_at):
            return None
        start, end = age_seconds(self.submitted_at), age_seconds(self.end_time)
        return None if start is None or end is None else max(start - end, 0.0)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["known"] = self.known
        out["age_seconds"] = None if (a := self.age()) is None else round(a, 1)
        out["took_seconds"] = None if (t := self.took()) is None else round(t, 1)
        out["finished_at"] = self.end_time if self.done else None
        return out


@dataclass
class Inventory:
    jobs: list[JobView]
    interrupted: list[dict[str, Any]]  # ledger intents without a job (see `ledger show`)
    unreadable: list[str] = field(default_factory=list)  # "path: why" of skipped records

    def find(self, ref: str) -> JobView | None:
        """A job by name (``batches/x``), id (``x`` or a unique prefix), display name, or
        ``MODE/CHUNK`` (the chunk's latest job)."""
        ref = ref.strip()
        for job in self.jobs:
            if ref in (job.job_name, job.display_name) or job.job_name == f"batches/{ref}":
                return job
        if "/" in ref and not ref.startswith("batches/"):
            mode, _, chunk = ref.partition("/")
            hits = [j for j in self.jobs if j.mode == mode and j.chunk == chunk]
            if hits:
                return max(hits, key=lambda j: (j.attempt or 0, j.submitted_at or ""))
        bare = ref.removeprefix("batches/")
        hits = [j for j in self.jobs if j.job_name.removeprefix("batches/").startswith(bare)]
        return hits[0] if len(hits) == 1 and len(bare) >= 4 else None


def refresh(jobs: Iterable[JobView], backend: BatchBackend, *, everything: bool = False) -> None:
    """Ask the API for the live state and counts of every job not known to be finished."""
    for job in jobs:
        if job.done and not everything:
            continue
        try:
            status = backend.get(job.job_name)
        except Exception as exc:  # shown next to the job, not fatal for a list
            job.live_error = one_line(exc)[:200]
            continue
        apply_status(job, status)


def apply_status(job: JobView, status: JobStatus) -> None:
    """Take the provider's live state and counts into ``job``."""
    job.state, job.state_source = status.state, "live"
    job.requests = status.request_count or job.requests
    job.succeeded, job.failed, job.pending = status.succeeded, status.failed, status.pending
    job.output_file = status.output_file or job.output_file
    job.end_time = status.end_time or job.end_time
    job.submitted_at = job.submitted_at or status.create_time
    job.display_name = job.display_name or status.display_name
    job.live_error = None


def add_remote(inventory: Inventory, backend: BatchBackend, known: set[str] | None = None) -> int:
    """Add the provider's jobs this project does not know (``kind = unknown``); return how many.

    ``known``: every job name of the project (when ``inventory`` holds one mode only)."""
    known = {j.job_name for j in inventory.jobs} | (known or set())
    added = 0
    for status in backend.iter_jobs():
        if status.name in known:
            continue
        job = JobView(job_name=status.name, kind="unknown", sources=["listing"])
        apply_status(job, status)
        job.state_source = "listing"
        job.requests = job.succeeded = job.failed = job.pending = None
        job.model = status.model
        inventory.jobs.append(job)
        added += 1
    return added


def lookup(inventory: Inventory, ref: str, backend: BatchBackend | None = None) -> JobView:
    """The job ``ref`` names (see :meth:`Inventory.find`); a full name ``batches/...`` the
    project does not know is looked up at the provider (``kind = unknown``)."""
    job = inventory.find(ref)
    if job is not None:
        return job
    if backend is not None and ref.startswith("batches/"):
        status = backend.get(ref)  # a 404 is a NotFoundError naming the job
        job = JobView(job_name=status.name, kind="unknown", sources=["live"])
        apply_status(job, status)
        job.model = status.model
        return job
    raise EmobatchError(
        f"no job {ref!r} in this project",
        hint="pick a name from `emobatch jobs list` (a full name batches/... is also "
        "looked up at the provider; MODE/CHUNK names a chunk's latest job)",
    )


def live(job: JobView, backend: BatchBackend) -> JobStatus:
    """The job's live status, also taken into ``job``."""
    status = backend.get(job.job_name)
    apply_status(job, status)
    return status


def cancel(job: JobView, backend: BatchBackend, *, via: str) -> JobStatus:
    """Ask the provider to cancel ``job``; log it (``BATCH cancel``); return the state after."""
    backend.cancel(job.job_name)
    after = live(job, backend)
    batch_event(
        "cancel",
        "%s (%s) cancel requested by the operator (%s); state now %s",
        job.job_name,
        f"{job.mode} {job.chunk}" if job.known else "not in this project",
        via,
        after.state,
    )
    return after
