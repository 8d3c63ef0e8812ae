"""The records one run left behind, read once for the figures and the provenance.

Jobs come from the ledger (every submission, including retry rounds and resubmissions, with its
``final`` state), completed with the create and end times of the completion markers; a job
counts for a dataset when its rows are in it (``batch_job``) or it was submitted for this mode
and analysis. Costs per chunk: the ``estimate`` ledger record of the chunk (written at submit)
against the ``actual`` records of its parsed file (written at parse, one per job; the newest
per job counts when a chunk was parsed twice).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emobatch import atomic
from emobatch.ledger import Ledger
from emobatch.paths import RunPaths
from emobatch.records import Marker, Sentinel


@dataclass(frozen=True)
class ChunkCost:
    chunk: str
    requests: int
    estimated_usd: float | None
    actual_usd: float | None
    estimated_input_tokens: int | None
    actual_input_tokens: int | None


@dataclass
class RunFiles:
    """The filter report, estimate, chunk manifest, sentinels, markers and ledger of a run."""

    run: RunPaths
    filter_report: dict[str, Any]
    estimate: dict[str, Any]
    manifest: dict[str, Any]
    sentinels: list[Sentinel]
    markers: list[Marker]
    ledger: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, run: RunPaths, ledger_path: Path) -> RunFiles:
        manifest_path = run.chunks_dir / "manifest.json"
        mine = {run.analysis}
        return cls(
            run=run,
            filter_report=_json(run.filter_report),
            estimate=_json(run.estimate),
            manifest=_json(manifest_path),
            sentinels=[Sentinel.load(p) for p in run.sentinels()],
            markers=[Marker.load(p) for p in run.markers()],
            ledger=[
                r
                for r in Ledger(ledger_path).records()
                if r.get("analysis_id") in mine or r.get("kind") == "actual"
            ],
        )

    def jobs(self, dataset_jobs: dict[str, int]) -> list[dict[str, Any]]:
        """Every job behind the dataset or this run, oldest first, with its rows in it."""
        finals = {r["job_name"]: r for r in self.ledger if r.get("event") == "final"}
        markers = {m.job_name: m for m in self.markers}
        out: list[dict[str, Any]] = []
        for rec in self.ledger:
            if rec.get("event") != "submitted":
                continue
            name = rec["job_name"]
            ours = rec.get("mode") == self.run.mode and rec.get("analysis_id") == self.run.analysis
            if not ours and name not in dataset_jobs:
                continue
            chunk = Path(str(rec.get("chunk_file") or "")).stem
            final, marker = finals.get(name, {}), markers.get(name)
            out.append(
                {
                    "job_name": name,
                    "display_name": rec.get("display_name"),
                    "chunk": chunk,
                    "round": _round(chunk),
                    "attempt": int(rec.get("attempt", 0)),
                    "how": rec.get("how"),
                    "model": rec.get("model"),
                    "request_count": rec.get("requests"),
                    "state": final.get("state"),
                    "succeeded": final.get("succeeded"),
                    "failed": final.get("failed"),
                    "submitted_at": rec.get("submitted_at") or rec.get("at"),
                    "create_time": marker.create_time if marker else None,
                    "end_time": marker.end_time if marker else None,
                    "finished_at": final.get("at"),
                    "rows_in_dataset": dataset_jobs.get(name, 0),
                }
            )
        return out

    def chunk_costs(self) -> list[ChunkCost]:
        """Estimated against actual batch-price USD per chunk of the run."""
        estimates: dict[str, dict[str, Any]] = {}
        for rec in self.ledger:
            if rec.get("event") == "cost" and rec.get("kind") == "estimate":
                estimates.setdefault(rec["chunk_sha256"], rec)
        actual: dict[tuple[str, str], dict[str, Any]] = {}
        for rec in self.ledger:
            if rec.get("event") == "cost" and rec.get("kind") == "actual":
                actual[(Path(str(rec.get("parsed"))).stem, str(rec.get("job_name")))] = rec
        parsed_dir = str(self.run.parsed("x").parent)
        out = []
        for chunk in self.manifest.get("chunks", []):
            name = Path(chunk["file"]).stem
            est = estimates.get(chunk["sha256"], {})
            act = [
                r
                for (stem, _), r in actual.items()
                if stem == name and str(Path(str(r.get("parsed"))).parent) == parsed_dir
            ]
            out.append(
                ChunkCost(
                    chunk=name,
                    requests=int(chunk.get("requests", 0)),
                    estimated_usd=_num(est.get("usd_batch")),
                    actual_usd=_total(r.get("usd_batch") for r in act) if act else None,
                    estimated_input_tokens=est.get("input_tokens"),
                    actual_input_tokens=sum(int(r.get("input_tokens") or 0) for r in act)
                    if act
                    else None,
                )
            )
        return out


def _json(path: Path) -> dict[str, Any]:
    data = atomic.read_json(path) if path.exists() else {}
    return data if isinstance(data, dict) else {}


def _round(chunk: str) -> int:
    """``chunk-0000`` -> 0; a retry round ``chunk-0000-r2`` -> 2."""
    head, _, tail = chunk.rpartition("-r")
    return int(tail) if head and tail.isdigit() else 0


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _total(values: Iterable[Any]) -> float | None:
    nums = [_num(v) for v in values]
    return None if any(v is None for v in nums) else round(sum(v or 0.0 for v in nums), 6)
