"""Jobs and per-chunk costs from the ledger and the chunk manifest."""

from __future__ import annotations

import json
from pathlib import Path

from emobatch.ledger import Ledger
from emobatch.paths import RunPaths
from emobatch.report.runfiles import ChunkCost, RunFiles

A = "a0123456789a"


def run_files(tmp_path: Path) -> RunFiles:
    run = RunPaths("sampling", A, tmp_path / "results")
    run.chunks_dir.mkdir(parents=True)
    manifest = {"chunks": [{"file": "chunk-0000.jsonl", "sha256": "s0", "requests": 10}]}
    (run.chunks_dir / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    ledger = Ledger(tmp_path / "ledger.jsonl")
    parsed = str(run.parsed("chunk-0000"))
    chunk = str(run.chunk("chunk-0000"))
    retry = str(run.retries_dir / "chunk-0000-r1.jsonl")
    common = {"analysis_id": A, "mode": "sampling", "display_name": "d", "model": "m"}
    ledger.append(
        "submitted",
        chunk_sha256="s0",
        attempt=0,
        job_name="batches/1",
        chunk_file=chunk,
        requests=10,
        submitted_at="2026-12-01T00:00:00Z",
        **common,
    )
    ledger.append(
        "cost",
        kind="estimate",
        chunk_sha256="s0",
        job_name="batches/1",
        usd_batch=0.5,
        input_tokens=1000,
        analysis_id=A,
    )
    ledger.append(
        "final",
        chunk_sha256="s0",
        attempt=0,
        job_name="batches/1",
        state="SUCCEEDED",
        succeeded=8,
        failed=2,
        analysis_id=A,
    )
    ledger.append(
        "submitted",
        chunk_sha256="s1",
        attempt=0,
        job_name="batches/2",
        chunk_file=retry,
        requests=2,
        submitted_at="2026-12-01T01:00:00Z",
        **common,
    )
    for usd in (0.9, 0.4):  # parsed twice: the newest record of a job counts
        ledger.append(
            "cost",
            kind="actual",
            job_name="batches/1",
            parsed=parsed,
            usd_batch=usd,
            input_tokens=900,
        )
    ledger.append(
        "cost", kind="actual", job_name="batches/2", parsed=parsed, usd_batch=0.05, input_tokens=100
    )
    ledger.append(
        "submitted",
        chunk_sha256="s9",
        attempt=0,
        job_name="batches/other",
        chunk_file="x",
        requests=1,
        **{**common, "analysis_id": "a999999999999"},
    )
    return RunFiles.load(run, tmp_path / "ledger.jsonl")


def test_estimated_against_actual_per_chunk(tmp_path: Path) -> None:
    costs = run_files(tmp_path).chunk_costs()
    assert costs == [ChunkCost("chunk-0000", 10, 0.5, 0.45, 1000, 1000)]


def test_jobs_of_the_run_and_of_the_dataset(tmp_path: Path) -> None:
    jobs = run_files(tmp_path).jobs({"batches/1": 8, "batches/2": 2})
    assert [
        (j["job_name"], j["chunk"], j["round"], j["state"], j["rows_in_dataset"]) for j in jobs
    ] == [
        ("batches/1", "chunk-0000", 0, "SUCCEEDED", 8),
        ("batches/2", "chunk-0000-r1", 1, None, 2),
    ]
