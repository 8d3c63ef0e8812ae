"""Download and process a finished job's results into the pipeline's own files.

The R toolkit's menu item 3 ("download and process results"), done with the functions the
rules call, into the paths they write (:class:`~emobatch.paths.RunPaths`), so a later
``snakemake results/<mode>.parquet`` takes the files as they are and only merges:

1. ``RunPaths.marker(chunk)`` (``stages.poll``; the ledger gets its ``final`` record);
2. ``RunPaths.raw(chunk)`` (``stages.download``, verbatim, atomic);
3. ``RunPaths.recovered(chunk)`` with round 0 only: fetch submits nothing, so failed rows are
   NOT retried (delete the manifest and parsed file to let the pipeline retry them);
4. ``RunPaths.parsed(chunk)`` (``stages.parse``) and the rows' actual cost in the ledger
   (``costs.record_actual``), as ``results_parse`` does.

A step whose file exists already is kept (it came from the pipeline or an earlier fetch). The
steps run under the chunk's lock (:func:`chunk_lock`: the marker's path + ``.lock``) and every
existence check happens after the lock is taken, so two fetches of a chunk never both
download. If ``RunPaths.collected`` exists (an earlier run collected the chunks before this
fetch), the next step printed is ``snakemake ... -R results_collect``: Snakemake would not see
the new parsed file otherwise.

Reads the job's sentinel (or its ``submitted`` ledger record), the chunk, the codebook and the
model catalogue. Only a SUCCEEDED job of one of the project's chunks is fetched; a running job
raises :class:`~emobatch.errors.JobStillRunning` (exit code 75), and FAILED, EXPIRED and
CANCELLED jobs are left to the pipeline's policy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from emobatch import locks
from emobatch.backends.base import BatchBackend, JobStatus
from emobatch.config import Settings
from emobatch.errors import EmobatchError, JobError, JobStillRunning
from emobatch.identity import file_sha256
from emobatch.ledger import Ledger
from emobatch.logs import batch_event
from emobatch.operations.job_view import JobView
from emobatch.operations.ledger_ops import sentinel_from_ledger
from emobatch.paths import ModePaths, RunPaths
from emobatch.records import Marker, Recovered, Sentinel

__all__ = ["LOCK_TIMEOUT_SECONDS", "FetchResult", "check_fetchable", "chunk_lock", "fetch_job"]

#: How long a fetch waits for another process that holds the chunk's lock.
LOCK_TIMEOUT_SECONDS = 600.0


@dataclass
class FetchResult:
    job_name: str
    mode: str
    chunk: str
    steps: list[dict[str, str]] = field(default_factory=list)
    rows: int = 0
    ok: int = 0
    failed: int = 0
    parsed: str = ""
    recollect: bool = False

    def step(self, step: str, action: str, path: Path) -> None:
        self.steps.append({"step": step, "action": action, "path": str(path)})

    def next_step(self) -> str:
        force = " -R results_collect" if self.recollect else ""
        return (
            f"snakemake --cores 2 {ModePaths(self.mode).parquet}{force} merges these rows with "
            "the other chunks (nothing is submitted or downloaded again)"
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        del out["recollect"]  # said by next_step
        return {**out, "next_step": self.next_step()}


def chunk_lock(run: RunPaths, chunk: str, timeout: float = LOCK_TIMEOUT_SECONDS) -> FileLock:
    """The lock of one chunk's marker, download, recovery and parse (:mod:`emobatch.locks`)."""
    return locks.chunk_lock(run, chunk, timeout)


def sentinel_for(job: JobView, ledger: Ledger) -> Sentinel:
    """The sentinel of the job's chunk, or one rebuilt from the ledger (resubmitted attempts)."""
    if job.sentinel:
        s = Sentinel.load(job.sentinel)
        if s.job_name == job.job_name:
            return s
    if (rebuilt := sentinel_from_ledger(ledger, job.job_name)) is not None:
        return rebuilt
    raise EmobatchError(
        f"job {job.job_name} has no sentinel and no ledger record in this project",
        hint="fetch needs the job's chunk; check `emobatch jobs show`",
    )


def check_fetchable(job: JobView, status: JobStatus) -> None:
    """Raise unless ``status`` (live) is a SUCCEEDED job of one of the project's chunks."""
    target = f"snakemake --cores 2 {ModePaths(job.mode or 'MODE').parquet}"
    if not job.known:
        raise EmobatchError(
            f"job {job.job_name} is not one of this project's jobs, so its results have no "
            "place in the pipeline's files",
            hint="run the command in the project that submitted it (--project DIR)",
        )
    if job.kind == "retry":
        raise EmobatchError(
            f"job {job.job_name} is a retry round of {job.chunk}; its rows are collected by "
            "the pipeline's batch_recover step, not by fetch",
            hint=target,
        )
    if not status.done:
        done = status.succeeded + status.failed
        raise JobStillRunning(
            f"job {job.job_name} ({job.mode} {job.chunk}) is {status.state}: {done} of "
            f"{status.request_count} requests done, {status.pending} pending; there is nothing "
            "to download yet.",
            hint=f"wait, then run `emobatch jobs fetch {job.job_name}` again "
            "(`emobatch monitor` shows the progress)",
        )
    if status.state == "CANCELLED":
        raise JobError(
            f"job {job.job_name} was cancelled; it has no results to fetch",
            hint="see `emobatch jobs show` for how to submit its chunk again",
        )
    if status.state != "SUCCEEDED":
        raise JobError(
            f"job {job.job_name} ended {status.state}; it has no results to fetch",
            hint=f"{target} resubmits it per batch.job_resubmits",
        )
    if status.request_count and status.succeeded == 0 and status.failed >= status.request_count:
        raise JobError(
            f"every row of job {job.job_name} failed; the pipeline resubmits such jobs",
            hint=target,
        )


def fetch_job(
    settings: Settings,
    backend: BatchBackend,
    job: JobView,
    status: JobStatus,
    *,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> FetchResult:
    """Marker, raw output, round-0 manifest and parsed rows of a SUCCEEDED job (see module)."""
    check_fetchable(job, status)
    ledger = Ledger(settings.ledger_path)
    sentinel = sentinel_for(job, ledger)
    run = RunPaths(sentinel.mode, sentinel.analysis_id)
    steps = _Steps(settings, backend, ledger, sentinel, run)
    lock = chunk_lock(run, steps.chunk.stem, lock_timeout)
    try:
        lock.acquire()
    except Timeout:
        raise EmobatchError(
            f"{run.marker(steps.chunk.stem)} is locked: another process (a fetch, or the "
            f"pipeline) is processing {sentinel.mode} {steps.chunk.stem}; nothing was downloaded",
            hint=f"wait for it to finish, then run `emobatch jobs fetch {job.job_name}` again",
        ) from None
    try:  # every existence check below happens under the lock
        marker = steps.marker()
        steps.download(marker)
        steps.recover(marker)
        steps.parse(marker)
    finally:
        lock.release()
    r = steps.result
    batch_event(
        "fetch",
        "%s %s %s: %d rows (%d ok, %d failed) -> %s (emobatch jobs fetch)",
        *(r.mode, r.chunk, r.job_name, r.rows, r.ok, r.failed, r.parsed),
    )
    return r


@dataclass
class _Steps:
    """The four steps of one chunk's fetch; each keeps a file that exists already."""

    settings: Settings
    backend: BatchBackend
    ledger: Ledger
    sentinel: Sentinel
    run: RunPaths

    def __post_init__(self) -> None:
        from emobatch.codebook import load_codebook

        self.chunk = Path(self.sentinel.chunk_file)
        self.result = FetchResult(self.sentinel.job_name, self.sentinel.mode, self.chunk.stem)
        self.codebook = load_codebook(self.settings.codebook)

    def marker(self) -> Marker:
        from emobatch.stages.poll import PollSettings, poll_chunk, write_marker

        path, sentinel = self.run.marker(self.chunk.stem), self.sentinel
        if path.exists():
            marker = Marker.load(path)
            if marker.job_name != sentinel.job_name:
                raise EmobatchError(
                    f"{path} belongs to job {marker.job_name}, not {sentinel.job_name}: "
                    f"the chunk's results come from that job",
                    hint=f"emobatch jobs fetch {marker.job_name}",
                )
            self.result.step("marker", "kept", path)
            return marker
        if not self.chunk.exists() or file_sha256(self.chunk) != sentinel.chunk_sha256:
            raise EmobatchError(
                f"{self.chunk} is missing or changed since job {sentinel.job_name} was "
                "submitted; its results would not match the chunk",
                hint=f"snakemake --cores 2 {ModePaths(sentinel.mode).parquet} decides what to do",
            )
        once = PollSettings(blocking=False, job_resubmits=0)
        marker = poll_chunk(self.backend, self.ledger, sentinel, self.chunk, settings=once)
        write_marker(path, marker)
        self.result.step("marker", "written", path)
        return marker

    def download(self, marker: Marker) -> None:
        from emobatch.stages.download import download_output

        raw = self.run.raw(self.chunk.stem)
        if raw.exists():
            self.result.step("download", "kept", raw)
            return
        lines = download_output(self.backend, marker, raw)
        self.result.step("download", f"downloaded {lines} lines", raw)

    def recover(self, marker: Marker) -> None:
        from emobatch.stages.poll import PollSettings
        from emobatch.stages.recover import recover_chunk

        recovered = self.run.recovered(self.chunk.stem)
        if recovered.exists():
            self.result.step("recover", "kept", recovered)
            return
        recover_chunk(
            self.backend,
            self.ledger,
            chunk=self.chunk,
            raw=self.run.raw(self.chunk.stem),
            marker=marker,
            retries_dir=self.run.retries_dir,
            out_manifest=recovered,
            read_answer=self.codebook.read_answer,
            retry_rounds=0,
            poll_settings=PollSettings(blocking=False),
        )
        self.result.step("recover", "written (round 0 only, no retries)", recovered)

    def parse(self, marker: Marker) -> None:
        from emobatch.analysis import catalogue_for, engine_for
        from emobatch.costs import record_actual
        from emobatch.routing import AnswerCheck
        from emobatch.stages.parse import parse_chunk

        result, run = self.result, self.run
        parsed, recovered = run.parsed(self.chunk.stem), run.recovered(self.chunk.stem)
        result.parsed = str(parsed)
        if parsed.exists():
            import pyarrow.compute as pc
            import pyarrow.parquet as pq

            table = pq.read_table(parsed, columns=["status"])
            ok = int(pc.sum(pc.equal(table["status"], "ok")).as_py() or 0)
            result.rows, result.ok, result.failed = table.num_rows, ok, table.num_rows - ok
            result.step("parse", "kept", parsed)
            return
        model = str(marker.model).removeprefix("models/")
        catalogue = catalogue_for(self.settings)
        counts = parse_chunk(
            chunk=Path(Recovered.load(recovered).chunk_file),
            recovered=recovered,
            out=parsed,
            read_answer=self.codebook.read_answer,
            emotions=self.codebook.emotions,
            check=AnswerCheck(catalogue, replace(engine_for(self.settings), model=model)),
        )
        record_actual(self.ledger, parsed, catalogue=catalogue, model=model)
        result.rows, result.ok, result.failed = counts["rows"], counts["ok"], counts["failed"]
        result.step("parse", "written", parsed)
        if run.collected.exists():  # collected before this fetch: the merge must be forced
            result.recollect = True
            result.step("collect", "exists from an earlier run (merge with -R results_collect)",
                        run.collected)  # fmt: skip
