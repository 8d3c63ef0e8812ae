"""Download and process a finished job's results into the pipeline's own paths.

The R toolkit's menu item 3 ("download and process results"), done the way the pipeline's
rules do it, so a later ``snakemake results/<mode>.parquet`` takes the files as they are and
only merges:

1. completion marker ``completed/<chunk>.json`` (written by ``stages.poll`` if missing; the
   ledger gets its ``final`` record);
2. raw output ``raw/<chunk>.jsonl`` (``stages.download``, verbatim, atomic);
3. manifest ``recovered/<chunk>.json`` with round 0 only: fetch submits nothing, so rows that
   failed are NOT retried (delete the manifest and parsed file to let the pipeline retry them);
4. parsed rows ``parsed/<chunk>.parquet`` (``stages.parse``, with batch-price costs).

If an earlier run had collected the analysis' chunks already (``parsed.json`` exists: the
chunk was re-fetched after its files were deleted), Snakemake would not notice the new file
(the collect step's input waits on a checkpoint, and the merge's inputs did not change), so
the next step printed is ``snakemake ... -R results_collect``.

A step whose file exists already is kept (it came from the pipeline or an earlier fetch).
Only a SUCCEEDED job of one of the project's chunks can be fetched; a running job is
refused with exit code 75, and FAILED/EXPIRED/CANCELLED jobs are left to the pipeline's policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from emobatch.cli.inventory import JobView
from emobatch.config import Settings
from emobatch.errors import EmobatchError, JobError, JobStillRunning
from emobatch.identity import file_sha256
from emobatch.ledger import Ledger
from emobatch.logs import batch_event
from emobatch.paths import RunPaths
from emobatch.records import Marker, Recovered, Sentinel


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

    def next_step(self) -> str:
        force = " -R results_collect" if self.recollect else ""
        return (
            f"snakemake --cores 2 results/{self.mode}.parquet{force} merges these rows with "
            "the other chunks (nothing is submitted or downloaded again)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_name": self.job_name,
            "mode": self.mode,
            "chunk": self.chunk,
            "steps": self.steps,
            "rows": self.rows,
            "ok": self.ok,
            "failed": self.failed,
            "parsed": self.parsed,
            "next_step": self.next_step(),
        }


def _sentinel_for(job: JobView, ledger: Ledger) -> Sentinel:
    """The sentinel of the job's chunk, or one rebuilt from the ledger (resubmitted attempts)."""
    if job.sentinel:
        s = Sentinel.load(job.sentinel)
        if s.job_name == job.job_name:
            return s
    for entry in ledger.jobs():
        sub = entry.get("submitted")
        if entry["job_name"] == job.job_name and sub:
            return Sentinel(
                job_name=job.job_name,
                display_name=sub.get("display_name") or "",
                chunk_file=sub["chunk_file"],
                chunk_sha256=sub["chunk_sha256"],
                attempt=int(sub.get("attempt", 0)),
                model=sub["model"],
                mode=sub["mode"],
                analysis_id=sub["analysis_id"],
                submitted_at=sub.get("submitted_at") or "",
                request_count=int(sub.get("requests") or 0),
                api_key_fingerprint=sub.get("key_fp") or "",
                backend=sub.get("backend") or "",
                how="ledger",
            )
    raise EmobatchError(
        f"job {job.job_name} has no sentinel and no ledger record in this project",
        hint="fetch needs the job's chunk; check `emobatch jobs show`",
    )


def check_fetchable(job: JobView, status: Any) -> None:
    """Raise unless ``status`` (live) is a SUCCEEDED job of one of the project's chunks."""
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
            hint=f"snakemake --cores 2 results/{job.mode}.parquet",
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
            hint=f"snakemake --cores 2 results/{job.mode}.parquet resubmits it per "
            "batch.job_resubmits",
        )
    if status.request_count and status.succeeded == 0 and status.failed >= status.request_count:
        raise JobError(
            f"every row of job {job.job_name} failed; the pipeline resubmits such jobs",
            hint=f"snakemake --cores 2 results/{job.mode}.parquet",
        )


def fetch_job(settings: Settings, backend: Any, job: JobView, status: Any) -> FetchResult:
    """Marker, raw output, round-0 manifest and parsed rows of a SUCCEEDED job (see module)."""
    from emobatch.analysis import catalogue_for, engine_for
    from emobatch.codebook import load_codebook, validate_answer
    from emobatch.routing import AnswerCheck
    from emobatch.stages.download import download_output
    from emobatch.stages.parse import parse_chunk
    from emobatch.stages.poll import PollSettings, poll_chunk, write_marker
    from emobatch.stages.recover import recover_chunk

    check_fetchable(job, status)
    ledger = Ledger(settings.ledger_path)
    sentinel = _sentinel_for(job, ledger)
    chunk = Path(sentinel.chunk_file)
    run = RunPaths(sentinel.mode, sentinel.analysis_id)
    result = FetchResult(job.job_name, sentinel.mode, chunk.stem)
    marker_path = run.marker(chunk.stem)
    raw = run.raw(chunk.stem)
    recovered = run.recovered(chunk.stem)
    parsed = run.parsed(chunk.stem)

    if marker_path.exists():
        marker = Marker.load(marker_path)
        if marker.job_name != job.job_name:
            raise EmobatchError(
                f"{marker_path} belongs to job {marker.job_name}, not {job.job_name}: "
                f"the chunk's results come from that job",
                hint=f"emobatch jobs fetch {marker.job_name}",
            )
        result.steps.append({"step": "marker", "action": "kept", "path": str(marker_path)})
    else:
        if not chunk.exists() or file_sha256(chunk) != sentinel.chunk_sha256:
            raise EmobatchError(
                f"{chunk} is missing or changed since job {job.job_name} was submitted; its "
                "results would not match the chunk",
                hint=f"snakemake --cores 2 results/{result.mode}.parquet decides what to do",
            )
        marker = poll_chunk(
            backend, ledger, sentinel, chunk, settings=PollSettings(blocking=False, job_resubmits=0)
        )
        write_marker(marker_path, marker)
        result.steps.append({"step": "marker", "action": "written", "path": str(marker_path)})

    if raw.exists():
        result.steps.append({"step": "download", "action": "kept", "path": str(raw)})
    else:
        lines = download_output(backend, marker, raw)
        result.steps.append(
            {"step": "download", "action": f"downloaded {lines} lines", "path": str(raw)}
        )

    codebook = load_codebook(settings.codebook)

    def validate(answer: dict[str, Any]) -> list[str]:
        return validate_answer(codebook, answer)

    if recovered.exists():
        result.steps.append({"step": "recover", "action": "kept", "path": str(recovered)})
    else:
        recover_chunk(
            backend,
            ledger,
            chunk=chunk,
            raw=raw,
            marker=marker,
            retries_dir=run.retries_dir,
            out_manifest=recovered,
            validate=validate,
            retry_rounds=0,
            poll_settings=PollSettings(blocking=False),
        )
        result.steps.append(
            {
                "step": "recover",
                "action": "written (round 0 only, no retries)",
                "path": str(recovered),
            }
        )

    manifest = Recovered.load(recovered)
    if parsed.exists():
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        table = pq.read_table(parsed, columns=["status"])
        ok = int(pc.sum(pc.equal(table["status"], "ok")).as_py() or 0)
        counts = {"rows": table.num_rows, "ok": ok, "failed": table.num_rows - ok}
        result.steps.append({"step": "parse", "action": "kept", "path": str(parsed)})
    else:
        engine = replace(engine_for(settings), model=str(marker.model).removeprefix("models/"))
        counts = parse_chunk(
            chunk=Path(manifest.chunk_file),
            recovered=recovered,
            out=parsed,
            validate=validate,
            emotions=codebook.emotions,
            check=AnswerCheck(catalogue_for(settings), engine),
        )
        result.steps.append({"step": "parse", "action": "written", "path": str(parsed)})
        collected = run.collected
        if collected.exists():  # collected before this fetch: the merge must be forced
            result.recollect = True
            result.steps.append(
                {
                    "step": "collect",
                    "action": "exists from an earlier run (merge with -R results_collect)",
                    "path": str(collected),
                }
            )
    result.rows, result.ok, result.failed = counts["rows"], counts["ok"], counts["failed"]
    result.parsed = str(parsed)
    batch_event(
        "fetch",
        "%s %s %s: %d rows (%d ok, %d failed) -> %s (emobatch jobs fetch)",
        result.mode,
        result.chunk,
        job.job_name,
        result.rows,
        result.ok,
        result.failed,
        parsed,
    )
    return result
