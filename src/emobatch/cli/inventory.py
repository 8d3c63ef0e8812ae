"""Every batch job a project knows, from the files the pipeline wrote (no API call).

Sources, all under the project folder:

- sentinels ``results/<mode>/<analysis>/submitted/<chunk>.json`` (one per chunk; the first job)
  and retry sentinels ``results/<mode>/<analysis>/retries/<chunk>-r<n>.submitted.json``;
- completion markers ``results/<mode>/<analysis>/completed/<chunk>.json`` (terminal state and
  counts of the chunk's last job, and the state of every earlier attempt);
- the ledger (``ledger_path``): every confirmed job, its ``final`` state, and interrupted intents;
- ``estimate.json`` of each analysis (a job's estimated cost is its chunk's share of the
  estimate, by requests) and the parsed rows ``parsed/*.parquet`` (a job's actual cost is the
  sum of ``cost_usd`` of the rows whose ``batch_job`` is that job).

:func:`refresh` and :func:`add_remote` then ask the provider for live states.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from emobatch import atomic
from emobatch.cli.common import TERMINAL, age_seconds, one_line
from emobatch.config import MODES, Settings
from emobatch.ledger import Ledger

RESULTS = Path("results")
_ANALYSIS = re.compile(r"^a[0-9a-f]{11}$")
TOKEN_COLUMNS = ("prompt_tokens", "output_tokens", "thoughts_tokens", "cached_tokens")


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
    sources: list[str] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.kind != "unknown"

    @property
    def done(self) -> bool:
        return self.state in TERMINAL

    @property
    def run_dir(self) -> Path | None:
        if not self.mode or not self.analysis_id:
            return None
        return RESULTS / self.mode / self.analysis_id

    def age(self) -> float | None:
        return age_seconds(self.submitted_at)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["known"] = self.known
        out["age_seconds"] = None if (a := self.age()) is None else round(a, 1)
        return out


@dataclass
class Inventory:
    jobs: list[JobView]
    interrupted: list[dict[str, Any]]  # ledger intents without a job (see `ledger show`)

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


def run_dirs(mode: str | None = None) -> list[Path]:
    """``results/<mode>/<analysis>`` folders, sorted."""
    out: list[Path] = []
    for m in MODES if mode is None else (mode,):
        base = RESULTS / m
        if base.is_dir():
            out.extend(sorted(p for p in base.iterdir() if p.is_dir() and _ANALYSIS.match(p.name)))
    return out


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = atomic.read_json(path)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def parsed_by_job(run: Path) -> dict[str, dict[str, Any]]:
    """Rows, ok rows, actual USD and tokens of the parsed rows, grouped by ``batch_job``."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    out: dict[str, dict[str, Any]] = {}
    for path in sorted((run / "parsed").glob("*.parquet")):
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


def _from_sentinel(s: dict[str, Any], path: Path, kind: str) -> JobView:
    chunk = Path(str(s.get("chunk_file") or path.name)).stem
    return JobView(
        job_name=s["job_name"],
        mode=s.get("mode"),
        analysis_id=s.get("analysis_id"),
        chunk=chunk,
        kind=kind,
        attempt=s.get("attempt"),
        chunk_sha256=s.get("chunk_sha256"),
        display_name=s.get("display_name"),
        model=s.get("model"),
        state_source="sentinel",
        requests=s.get("request_count"),
        submitted_at=s.get("submitted_at"),
        sentinel=str(path),
        sources=["sentinel"],
    )


def _apply_marker(job: JobView, marker: dict[str, Any], path: Path) -> None:
    job.state, job.state_source = marker.get("state", job.state), "marker"
    job.requests = marker.get("request_count", job.requests)
    job.succeeded, job.failed = marker.get("succeeded"), marker.get("failed")
    job.pending = 0
    job.output_file = marker.get("output_file")
    job.end_time = marker.get("end_time")
    job.marker = str(path)
    job.sources.append("marker")


def collect(settings: Settings, mode: str | None = None) -> Inventory:
    """Every job known from sentinels, markers and the ledger (offline)."""
    jobs: dict[str, JobView] = {}
    estimates: dict[Path, dict[str, Any]] = {}
    parsed: dict[str, dict[str, Any]] = {}
    earlier_states: dict[str, str] = {}
    for run in run_dirs(mode):
        if est := _read(run / "estimate.json"):
            estimates[run] = est
        for path in sorted((run / "submitted").glob("*.json")):
            if (s := _read(path)) and s.get("job_name"):
                jobs.setdefault(s["job_name"], _from_sentinel(s, path, "chunk"))
        for path in sorted((run / "retries").glob("*.submitted.json")):
            if (s := _read(path)) and s.get("job_name"):
                jobs.setdefault(s["job_name"], _from_sentinel(s, path, "retry"))
        for path in sorted((run / "completed").glob("*.json")):
            marker = _read(path)
            if not marker or not marker.get("job_name"):
                continue
            for attempt in marker.get("attempts") or []:
                earlier_states[attempt.get("job_name", "")] = attempt.get("state", "")
            job = jobs.setdefault(
                marker["job_name"],
                JobView(
                    job_name=marker["job_name"],
                    mode=marker.get("mode"),
                    analysis_id=marker.get("analysis_id"),
                    chunk=path.stem,
                    chunk_sha256=marker.get("chunk_sha256"),
                    display_name=marker.get("display_name"),
                    model=marker.get("model"),
                    submitted_at=marker.get("submitted_at"),
                ),
            )
            _apply_marker(job, marker, path)
        parsed.update(parsed_by_job(run))

    ledger = Ledger(settings.ledger_path)
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
                kind="retry" if "/retries/" in chunk_file else "chunk",
                sources=[],
            ),
        )
        job.attempt = sub.get("attempt", job.attempt)
        job.chunk_sha256 = job.chunk_sha256 or sub.get("chunk_sha256")
        job.display_name = job.display_name or sub.get("display_name")
        job.model = job.model or sub.get("model")
        job.requests = job.requests if job.requests is not None else sub.get("requests")
        job.submitted_at = job.submitted_at or sub.get("submitted_at")
        job.sources.append("ledger")
        if final and job.state_source != "marker":
            job.state, job.state_source = final.get("state", job.state), "ledger"
            for key in ("succeeded", "failed"):
                if final.get(key) is not None:
                    setattr(job, key, final[key])
    for name, state in earlier_states.items():
        if name in jobs and jobs[name].state_source not in ("marker", "ledger"):
            jobs[name].state, jobs[name].state_source = state, "marker"

    for job in jobs.values():
        est = estimates.get(job.run_dir) if job.run_dir else None
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
    return Inventory(ordered, interrupted_intents(ledger))


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


def refresh(jobs: Iterable[JobView], backend: Any, *, everything: bool = False) -> None:
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


def apply_status(job: JobView, status: Any) -> None:
    job.state, job.state_source = status.state, "live"
    job.requests = status.request_count or job.requests
    job.succeeded, job.failed, job.pending = status.succeeded, status.failed, status.pending
    job.output_file = status.output_file or job.output_file
    job.end_time = status.end_time or job.end_time
    job.submitted_at = job.submitted_at or status.create_time
    job.display_name = job.display_name or status.display_name
    job.live_error = None


def add_remote(inventory: Inventory, backend: Any, known: set[str] | None = None) -> int:
    """Add the provider's jobs this project does not know (``kind = unknown``); return how many.

    ``known``: every job name of the project (when ``inventory`` holds one mode only)."""
    known = {j.job_name for j in inventory.jobs} | (known or set())
    added = 0
    for status in backend.iter_jobs():
        if status.name in known:
            continue
        job = JobView(
            job_name=status.name, kind="unknown", state_source="listing", sources=["listing"]
        )
        apply_status(job, status)
        job.state_source = "listing"
        job.requests = job.succeeded = job.failed = job.pending = None
        job.model = status.model
        inventory.jobs.append(job)
        added += 1
    return added
