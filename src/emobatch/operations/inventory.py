"""Every batch job a project knows, from the files the pipeline wrote (no API call).

What :func:`collect` reads, all through :mod:`emobatch.paths` (run inside the project folder):

- job sentinels ``RunPaths.sentinel(chunk)`` (one per chunk: its first job) and retry sentinels
  ``RunPaths.retry_sentinels()``, as :class:`~emobatch.records.Sentinel` records;
- completion markers ``RunPaths.markers()`` (:class:`~emobatch.records.Marker`: terminal state
  and counts of the chunk's last job, and the state of every earlier attempt);
- the ledger (``settings.ledger_path``): every confirmed job, its ``final`` state, and
  interrupted intents;
- ``RunPaths.estimate`` of each analysis (a job's estimated cost is its chunk's share of the
  estimate, by requests) and the parsed rows ``RunPaths.parsed_files()`` (a job's actual cost
  is the sum of ``cost_usd`` of the rows whose ``batch_job`` is that job).

A record that cannot be read (unknown format, torn JSON) is listed in
:attr:`Inventory.unreadable` instead of stopping the listing. :func:`refresh` and
:func:`add_remote` (from :mod:`emobatch.operations.job_view`, re-exported here) then ask the
provider for live states.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emobatch import atomic
from emobatch.config import Settings
from emobatch.errors import EmobatchError
from emobatch.ledger import Ledger
from emobatch.operations.job_view import Inventory, JobView, add_remote, apply_status, refresh
from emobatch.paths import MODES, RunPaths, run_dirs
from emobatch.records import Marker, Sentinel
from emobatch.timefmt import one_line

__all__ = [
    "TOKEN_COLUMNS",
    "Inventory",
    "JobView",
    "add_remote",
    "apply_status",
    "collect",
    "interrupted_intents",
    "parsed_by_job",
    "refresh",
]

TOKEN_COLUMNS = ("prompt_tokens", "output_tokens", "thoughts_tokens", "cached_tokens")


def parsed_by_job(run: RunPaths) -> dict[str, dict[str, Any]]:
    """Rows, ok rows, actual USD and tokens of ``run``'s parsed rows, grouped by ``batch_job``."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    out: dict[str, dict[str, Any]] = {}
    for path in run.parsed_files():
        table = pq.read_table(path, columns=["batch_job", "status", "cost_usd", *TOKEN_COLUMNS])
        table = table.append_column("ok", pc.cast(pc.equal(table["status"], "ok"), pa.int64()))
        sums = table.group_by("batch_job").aggregate(
            [
                ("status", "count"),
                ("ok", "sum"),
                ("cost_usd", "sum"),
                ("cost_usd", "count"),
                *[(c, "sum") for c in TOKEN_COLUMNS],
            ]
        )
        for row in sums.to_pylist():
            job = row["batch_job"]
            if not job:
                continue
            agg = out.setdefault(
                job, {"rows": 0, "ok": 0, "usd": None, "tokens": dict.fromkeys(TOKEN_COLUMNS, 0)}
            )
            agg["rows"] += row["status_count"]
            agg["ok"] += row["ok_sum"] or 0
            if row["cost_usd_count"]:
                agg["usd"] = (agg["usd"] or 0.0) + float(row["cost_usd_sum"])
            for c in TOKEN_COLUMNS:
                agg["tokens"][c] += int(row[f"{c}_sum"] or 0)
    return out


def _from_sentinel(s: Sentinel, path: Path, kind: str) -> JobView:
    return JobView(
        job_name=s.job_name,
        mode=s.mode,
        analysis_id=s.analysis_id,
        chunk=Path(s.chunk_file).stem or path.stem,
        kind=kind,
        attempt=s.attempt,
        chunk_sha256=s.chunk_sha256,
        display_name=s.display_name,
        model=s.model,
        state_source="sentinel",
        requests=s.request_count,
        submitted_at=s.submitted_at,
        sentinel=str(path),
        backend=s.backend or None,
        endpoint=s.endpoint,
        key_fingerprint=s.api_key_fingerprint or None,
        sources=["sentinel"],
    )


def _apply_marker(job: JobView, marker: Marker, path: Path) -> None:
    job.state, job.state_source = marker.state, "marker"
    job.requests = marker.request_count
    job.succeeded, job.failed, job.pending = marker.succeeded, marker.failed, 0
    job.output_file, job.end_time = marker.output_file, marker.end_time
    job.marker = str(path)
    job.sources.append("marker")


def _is_retry(chunk_file: str, mode: str | None, analysis: str | None) -> bool:
    """Whether a ledger record's chunk is a retry round (lives in the run's retries folder)."""
    if not chunk_file or not mode or not analysis:
        return False
    parent, retries = Path(chunk_file).parent, RunPaths(mode, analysis).retries_dir
    return parent == retries or parent.resolve() == retries.resolve()


class _Reader:
    """Loads records, remembering (not raising) the ones that cannot be read."""

    def __init__(self) -> None:
        self.unreadable: list[str] = []

    def sentinel(self, path: Path) -> Sentinel | None:
        try:
            return Sentinel.load(path)
        except (OSError, EmobatchError) as exc:
            self.unreadable.append(f"{path}: {one_line(exc)}")
            return None

    def marker(self, path: Path) -> Marker | None:
        try:
            return Marker.load(path)
        except (OSError, EmobatchError) as exc:
            self.unreadable.append(f"{path}: {one_line(exc)}")
            return None

    def estimate(self, path: Path) -> dict[str, Any] | None:
        if not path.exists():
            return None
        try:
            data = atomic.read_json(path)
        except (OSError, ValueError) as exc:
            self.unreadable.append(f"{path}: {one_line(exc)}")
            return None
        return data if isinstance(data, dict) else None


def _from_files(
    mode: str | None, read: _Reader, jobs: dict[str, JobView]
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, dict[str, Any]], dict[str, str]]:
    """Add the jobs of every run's sentinels and markers; return estimates, parsed, states."""
    estimates: dict[tuple[str, str], dict[str, Any]] = {}
    parsed: dict[str, dict[str, Any]] = {}
    earlier_states: dict[str, str] = {}
    for run in run_dirs(mode):
        if est := read.estimate(run.estimate):
            estimates[(run.mode, run.analysis)] = est
        for path in run.sentinels():
            if s := read.sentinel(path):
                jobs.setdefault(s.job_name, _from_sentinel(s, path, "chunk"))
        for path in run.retry_sentinels():
            if s := read.sentinel(path):
                jobs.setdefault(s.job_name, _from_sentinel(s, path, "retry"))
        for path in run.markers():
            if (marker := read.marker(path)) is None:
                continue
            for attempt in marker.attempts:
                earlier_states[str(attempt.get("job_name", ""))] = str(attempt.get("state", ""))
            job = jobs.setdefault(
                marker.job_name,
                JobView(
                    job_name=marker.job_name,
                    mode=marker.mode,
                    analysis_id=marker.analysis_id,
                    chunk=path.stem,
                    chunk_sha256=marker.chunk_sha256,
                    display_name=marker.display_name,
                    model=marker.model,
                    submitted_at=marker.submitted_at,
                ),
            )
            _apply_marker(job, marker, path)
        parsed.update(parsed_by_job(run))
    return estimates, parsed, earlier_states


def _from_ledger(ledger: Ledger, mode: str | None, jobs: dict[str, JobView]) -> None:
    """Add (or complete) every confirmed job of the ledger, with its ``final`` state."""
    for entry in ledger.jobs():
        sub, final = entry.get("submitted"), entry.get("final")
        if sub is None or (mode and sub.get("mode") != mode):
            continue
        chunk_file = str(sub.get("chunk_file") or "")
        job = jobs.setdefault(
            entry["job_name"],
            JobView(
                job_name=entry["job_name"],
                mode=sub.get("mode"),
                analysis_id=sub.get("analysis_id"),
                chunk=Path(chunk_file).stem or None,
                kind="retry" if _is_retry(chunk_file, sub.get("mode"), sub.get("analysis_id"))
                else "chunk",
                sources=[],
            ),
        )  # fmt: skip
        job.attempt = sub.get("attempt", job.attempt)
        job.chunk_sha256 = job.chunk_sha256 or sub.get("chunk_sha256")
        job.display_name = job.display_name or sub.get("display_name")
        job.model = job.model or sub.get("model")
        job.backend = job.backend or sub.get("backend")
        job.endpoint = job.endpoint or sub.get("endpoint")
        job.key_fingerprint = job.key_fingerprint or sub.get("key_fp")
        job.requests = job.requests if job.requests is not None else sub.get("requests")
        job.submitted_at = job.submitted_at or sub.get("submitted_at")
        job.sources.append("ledger")
        if final and job.state_source != "marker":
            job.state, job.state_source = final.get("state", job.state), "ledger"
            for key in ("succeeded", "failed"):
                if final.get(key) is not None:
                    setattr(job, key, final[key])


def collect(settings: Settings, mode: str | None = None) -> Inventory:
    """Every job known from sentinels, markers and the ledger (offline; see the module)."""
    jobs: dict[str, JobView] = {}
    read = _Reader()
    estimates, parsed, earlier_states = _from_files(mode, read, jobs)
    ledger = Ledger(settings.ledger_path)
    _from_ledger(ledger, mode, jobs)
    for name, state in earlier_states.items():
        if name in jobs and jobs[name].state_source not in ("marker", "ledger"):
            jobs[name].state, jobs[name].state_source = state, "marker"
    for job in jobs.values():
        est = estimates.get((job.mode or "", job.analysis_id or ""))
        if est and est.get("usd_batch") is not None and est.get("requests") and job.requests:
            job.estimated_usd = round(est["usd_batch"] * job.requests / est["requests"], 6)
        if agg := parsed.get(job.job_name):
            job.parsed_rows, job.parsed_ok = agg["rows"], agg["ok"]
            job.actual_usd = None if agg["usd"] is None else round(agg["usd"], 6)
            job.tokens = agg["tokens"]
    ordered = sorted(
        jobs.values(),
        key=lambda j: (
            MODES.index(j.mode) if j.mode in MODES else 9,
            j.analysis_id or "",
            j.chunk or "",
            j.submitted_at or "",
        ),
    )
    return Inventory(ordered, interrupted_intents(ledger), read.unreadable)


def interrupted_intents(ledger: Ledger) -> list[dict[str, Any]]:
    """Ledger intents that never got a job (a crash or lost response) and were not forgotten."""
    latest: dict[tuple[str, str, int], dict[str, Any]] = {}
    for rec in ledger.records():
        sha = rec.get("chunk_sha256")
        if not sha:
            continue
        key = (sha, str(rec.get("analysis_id")), int(rec.get("attempt", 0)))
        event = rec.get("event")
        if event == "intent":
            latest.setdefault(key, rec)
        elif event in ("submitted", "forgotten"):
            latest.pop(key, None)
    return list(latest.values())
