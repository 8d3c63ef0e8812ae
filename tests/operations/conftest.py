"""A small project folder for the domain operations, written by the tests themselves.

No Snakemake: the tests write sentinels and markers with the records' ``dump()``, a ledger
through :class:`emobatch.ledger.Ledger`, tiny Parquet files with pyarrow, and talk to the
queued fake provider of ``tests/pipeline/fakes.py``. Each test runs inside its own project
folder (the operations use the same relative paths as the rules).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from emobatch.backends.base import JobStatus
from emobatch.config import Settings, load_config
from emobatch.identity import file_sha256
from emobatch.ledger import Ledger
from emobatch.paths import RunPaths
from emobatch.records import Marker, Sentinel
from tests.e2e.conftest import REPO, write_posts
from tests.pipeline.fakes import FakeBackend

ANALYSIS = "a0123456789a"
MODEL = "gemini-3.1-flash-lite"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(REPO / "config", root / "config")
    write_posts(root / "data" / "raw" / "posts.csv", 12)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def settings(project: Path) -> Settings:
    return load_config("config/config.yaml")


@pytest.fixture
def ledger(settings: Settings) -> Ledger:
    return Ledger(settings.ledger_path)


def write_chunk(
    run: RunPaths, chunk: str = "chunk-0000", keys: Sequence[str] = ("p1", "p2")
) -> Path:
    path = run.chunk(chunk)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        {"key": k, "request": {"contents": [{"role": "user", "parts": [{"text": f"좋아 {k}"}]}]}}
        for k in keys
    ]
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    return path


def submitted(
    ledger: Ledger,
    run: RunPaths,
    chunk: Path,
    job_name: str,
    *,
    attempt: int = 0,
    sentinel: bool = True,
) -> Sentinel:
    """The state ``batch_submit`` leaves: ledger intent + submitted, and (optionally) a sentinel."""
    s = Sentinel(
        job_name=job_name,
        display_name=f"emobatch-{run.analysis}-{chunk.stem}-{attempt}",
        model=MODEL,
        chunk_file=str(chunk),
        chunk_sha256=file_sha256(chunk),
        request_count=2,
        attempt=attempt,
        submitted_at=f"2026-01-01T00:0{attempt}:00Z",
        api_key_fingerprint="sha256:fake0001",
        backend="fake",
        how="created",
        mode=run.mode,
        analysis_id=run.analysis,
    )
    work = {"chunk_sha256": s.chunk_sha256, "analysis_id": s.analysis_id, "attempt": attempt}
    ledger.append("intent", **work, display_name=s.display_name, key_fp="sha256:fake0001")
    ledger.append(
        "submitted",
        **work,
        job_name=job_name,
        display_name=s.display_name,
        model=MODEL,
        mode=run.mode,
        chunk_file=str(chunk),
        requests=2,
        submitted_at=s.submitted_at,
        how="created",
    )
    if sentinel:
        s.dump(run.sentinel(chunk.stem))
    return s


def marker_of(s: Sentinel, state: str = "SUCCEEDED", succeeded: int = 2) -> Marker:
    return Marker(
        job_name=s.job_name,
        display_name=s.display_name,
        state=state,
        request_count=2,
        succeeded=succeeded,
        failed=2 - succeeded,
        output_file="files/out-1",
        chunk_file=s.chunk_file,
        chunk_sha256=s.chunk_sha256,
        model=s.model,
        mode=s.mode,
        analysis_id=s.analysis_id,
        submitted_at=s.submitted_at,
        attempts=[{"job_name": s.job_name, "state": state, "all_rows_failed": False}],
        end_time="2026-01-01T01:00:00Z",
    )


def answer_line(key: str, emotions: Sequence[str]) -> dict[str, object]:
    answer = {
        "primary_emotion": emotions[0],
        "intensities": dict.fromkeys(emotions, 0.0) | {emotions[0]: 0.8},
        "sentiment": "positive",
        "sentiment_score": 0.7,
        "rationale": "좋아",
    }
    body = {
        "candidates": [
            {
                "content": {"parts": [{"text": json.dumps(answer)}], "role": "model"},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 40},
        "modelVersion": "emobatch-lexicon-1.0.0",
    }
    return {"key": key, "response": body}


@dataclass
class OutputBackend(FakeBackend):
    """The fake provider, whose output files hold a good answer for every key of ``keys``."""

    keys: tuple[str, ...] = ("p1", "p2")
    emotions: tuple[str, ...] = ()

    def download(self, file_name: str, dest: Path) -> None:
        self.calls.append(f"download:{file_name}")
        lines = [answer_line(k, self.emotions) for k in self.keys]
        dest.write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")

    def add_job(self, s: Sentinel) -> None:
        self.jobs[s.job_name] = JobStatus(
            name=s.job_name, display_name=s.display_name, state="PENDING", model=s.model
        )
