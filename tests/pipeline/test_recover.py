"""Row-level recovery and the download of a job's output, against the queued fake provider.

The fake (``tests/pipeline/fakes.py``) records every call; here it also answers each job with
one output line per key of the chunk it was created from, taken from a per-key queue (a good
answer once the queue is empty), so a test says exactly which rows fail in which round.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from emobatch.codebook import load_codebook
from emobatch.errors import JobError
from emobatch.ledger import Ledger
from emobatch.records import Marker, Recovered
from emobatch.responses import chunk_keys
from emobatch.stages.download import download_output
from emobatch.stages.poll import PollSettings
from emobatch.stages.recover import MAX_OUTPUT_TOKENS_CAP, recover_chunk
from tests.pipeline.fakes import FakeBackend
from tests.pipeline.outputs import REPO, error_line, ok_line, write_chunk, write_lines
from tests.pipeline.test_submit_ledger import FakeClock

CODEBOOK = load_codebook(REPO / "config" / "codebook" / "emotion.yaml")
ANALYSIS = "a0123456789a"


@dataclass
class AnsweringBackend(FakeBackend):
    """The fake provider; a job's output answers every key of its chunk (see module doc)."""

    queued: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    uploaded: dict[str, bytes] = field(default_factory=dict)  # file name -> the chunk's bytes
    job_file: dict[str, str] = field(default_factory=dict)  # job name -> its input file

    def upload(self, path: Path, display_name: str) -> str:
        name = super().upload(path, display_name)
        self.uploaded[name] = Path(path).read_bytes()
        return name

    def create(self, model: str, file_name: str, display_name: str) -> Any:
        job = super().create(model, file_name, display_name)
        self.job_file[job.name] = file_name
        return job

    def requests_of(self, job_name: str) -> list[dict[str, Any]]:
        data = self.uploaded[self.job_file[job_name]].decode("utf-8")
        return [json.loads(line) for line in data.splitlines() if line.strip()]

    def download(self, file_name: str, dest: Path) -> None:
        self.calls.append(f"download:{file_name}")
        job = "batches/" + file_name.removeprefix("files/batch-")
        lines = []
        for request in self.requests_of(job):
            queue = self.queued.get(request["key"]) or []
            lines.append(queue.pop(0) if queue else ok_line(request["key"]))
        write_lines(dest, lines)


def marker(chunk: Path, job_name: str = "batches/job0", **kw: Any) -> Marker:
    fields: dict[str, Any] = {
        "job_name": job_name,
        "display_name": "first",
        "state": "SUCCEEDED",
        "request_count": len(chunk_keys(chunk)),
        "succeeded": len(chunk_keys(chunk)),
        "failed": 0,
        "output_file": "files/batch-job0",
        "chunk_file": str(chunk),
        "chunk_sha256": "sha",
        "model": "gemini-3.1-flash-lite",
        "mode": "pilot",
        "analysis_id": ANALYSIS,
        "submitted_at": "2026-01-01T00:00:00Z",
    }
    return Marker(**{**fields, **kw})


def _recover(
    backend: FakeBackend, tmp_path: Path, chunk: Path, raw: Path, rounds: int = 2
) -> Recovered:
    return recover_chunk(
        backend,
        Ledger(tmp_path / "ledger.jsonl"),
        chunk=chunk,
        raw=raw,
        marker=marker(chunk),
        retries_dir=tmp_path / "retries",
        out_manifest=tmp_path / "recovered" / "chunk-0000.json",
        read_answer=CODEBOOK.read_answer,
        retry_rounds=rounds,
        poll_settings=PollSettings(interval_seconds=1),
        clock=FakeClock(),
    )


def test_only_retryable_failures_are_resubmitted_until_they_succeed(tmp_path: Path) -> None:
    chunk = write_chunk(tmp_path / "chunks" / "chunk-0000.jsonl", ["p1", "p2", "p3", "p4", "p5"])
    raw = write_lines(
        tmp_path / "raw.jsonl",
        [
            ok_line("p1"),
            error_line("p2", 500),  # transient: retried
            ok_line("p3", finish="MAX_TOKENS"),  # truncated: retried with twice the room
            error_line("p4", 400, "INVALID_ARGUMENT"),  # permanent: never retried
            ok_line("p5", text="{broken"),  # invalid JSON: retried
        ],
    )
    backend = AnsweringBackend(queued={"p5": [ok_line("p5", text="{still broken")]})
    manifest = _recover(backend, tmp_path, chunk, raw)
    # round 1 resubmits p2, p3, p5; p5 fails again; round 2 resubmits p5 alone
    jobs = [c.removeprefix("create:") for c in backend.created()]
    assert len(jobs) == 2
    first, second = (backend.requests_of(j) for j in sorted(backend.jobs))
    assert [r["key"] for r in first] == ["p2", "p3", "p5"]
    assert [r["key"] for r in second] == ["p5"]
    p3 = next(r for r in first if r["key"] == "p3")
    assert p3["request"]["generationConfig"]["maxOutputTokens"] == 1024  # 2 x the default 512
    assert (tmp_path / "retries" / "chunk-0000-r1.jsonl").exists()
    assert (tmp_path / "retries" / "chunk-0000-r2.out.jsonl").exists()
    assert [r["round"] for r in manifest.rounds] == [0, 1, 2]
    assert [r.get("rows") for r in manifest.rounds] == [None, 3, 1]
    assert (manifest.requests, manifest.ok, manifest.failed) == (5, 4, 1)
    assert manifest.failed_reasons == {"api_error": 1}  # p4, 400
    assert Recovered.load(tmp_path / "recovered" / "chunk-0000.json") == manifest
    # every retry went through the ledger like any chunk
    ledger = Ledger(tmp_path / "ledger.jsonl")
    assert [r["event"] for r in ledger.records()].count("submitted") == 2


def test_a_rerun_reuses_the_retry_chunks_and_pays_nothing_again(tmp_path: Path) -> None:
    chunk = write_chunk(tmp_path / "chunks" / "chunk-0000.jsonl", ["p1", "p2"])
    raw = write_lines(tmp_path / "raw.jsonl", [ok_line("p1"), error_line("p2", 503)])
    backend = AnsweringBackend()
    first = _recover(backend, tmp_path, chunk, raw)
    assert len(backend.created()) == 1 and first.failed == 0
    again = _recover(backend, tmp_path, chunk, raw)  # e.g. the rule ran again after a crash
    assert len(backend.created()) == 1  # the ledger answered
    assert again.rounds == first.rounds and again.ok == 2


def test_truncation_doubles_max_output_tokens_up_to_the_cap(tmp_path: Path) -> None:
    chunk = write_chunk(tmp_path / "chunks" / "chunk-0000.jsonl", ["p1"], max_output_tokens=6000)
    raw = write_lines(tmp_path / "raw.jsonl", [ok_line("p1", finish="MAX_TOKENS")])
    backend = AnsweringBackend()
    _recover(backend, tmp_path, chunk, raw, rounds=1)
    (job,) = backend.jobs
    (request,) = backend.requests_of(job)
    assert request["request"]["generationConfig"]["maxOutputTokens"] == MAX_OUTPUT_TOKENS_CAP


def test_without_retry_rounds_failures_are_only_counted(tmp_path: Path) -> None:
    chunk = write_chunk(tmp_path / "chunks" / "chunk-0000.jsonl", ["p1", "p2", "p3"])
    raw = write_lines(tmp_path / "raw.jsonl", [ok_line("p1"), error_line("p2")])
    backend = AnsweringBackend()
    manifest = _recover(backend, tmp_path, chunk, raw, rounds=0)
    assert backend.calls == [] and len(manifest.rounds) == 1
    assert manifest.failed_reasons == {"api_error": 1, "missing_from_output": 1}


def test_nothing_failed_means_no_retry(tmp_path: Path) -> None:
    chunk = write_chunk(tmp_path / "chunks" / "chunk-0000.jsonl", ["p1"])
    raw = write_lines(tmp_path / "raw.jsonl", [ok_line("p1")])
    backend = AnsweringBackend()
    manifest = _recover(backend, tmp_path, chunk, raw)
    assert backend.calls == [] and manifest.ok == 1 and manifest.failed == 0
    assert not (tmp_path / "retries").exists()


# -- download ------------------------------------------------------------------------------
def test_download_writes_the_output_verbatim_and_counts_its_lines(tmp_path: Path) -> None:
    chunk = write_chunk(tmp_path / "chunk-0000.jsonl", ["p1", "p2"])
    backend = AnsweringBackend()
    backend.uploaded["files/in"] = chunk.read_bytes()
    backend.job_file["batches/job0"] = "files/in"
    dest = tmp_path / "raw" / "chunk-0000.jsonl"
    dest.parent.mkdir()
    assert download_output(backend, marker(chunk), dest) == 2
    assert backend.calls == ["download:files/batch-job0"]
    assert [json.loads(x)["key"] for x in dest.read_text("utf-8").splitlines()] == ["p1", "p2"]
    assert not list(dest.parent.glob("*.tmp*"))  # written atomically


def test_download_warns_when_lines_are_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    chunk = write_chunk(tmp_path / "chunk-0000.jsonl", ["p1"])
    backend = AnsweringBackend()
    backend.uploaded["files/in"] = chunk.read_bytes()
    backend.job_file["batches/job0"] = "files/in"
    dest = tmp_path / "raw.jsonl"
    with caplog.at_level(logging.INFO):
        lines = download_output(backend, marker(chunk, request_count=3), dest)
    assert lines == 1
    assert "has 1 lines but the job reported 3 requests; missing keys are retried" in caplog.text
    assert any(r.getMessage().startswith("BATCH download files/batch-job0") for r in caplog.records)


def test_a_finished_job_without_an_output_file_is_a_job_error(tmp_path: Path) -> None:
    chunk = write_chunk(tmp_path / "chunk-0000.jsonl", ["p1"])
    backend = AnsweringBackend()
    with pytest.raises(JobError) as info:
        download_output(backend, marker(chunk, state="FAILED", output_file=None), tmp_path / "r")
    assert "job batches/job0 finished FAILED without an output file" in str(info.value)
    assert "emobatch jobs show" in str(info.value)
    assert backend.calls == [] and not (tmp_path / "r").exists()
