"""Fetching a finished job into the pipeline's files: the rules' functions, under a chunk lock."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from emobatch.backends.base import JobStatus
from emobatch.codebook import load_codebook
from emobatch.config import Settings
from emobatch.errors import EmobatchError, JobError, JobStillRunning
from emobatch.ledger import Ledger
from emobatch.operations.fetch import check_fetchable, chunk_lock, fetch_job
from emobatch.operations.inventory import JobView, collect
from emobatch.paths import RunPaths
from emobatch.records import Marker, Recovered
from tests.operations.conftest import ANALYSIS, OutputBackend, submitted, write_chunk

RUN = RunPaths("pilot", ANALYSIS)


@dataclass
class SlowBackend(OutputBackend):
    """Downloads take a while, so that two fetchers overlap."""

    seconds: float = 0.3

    def download(self, file_name: str, dest: Path) -> None:
        time.sleep(self.seconds)
        super().download(file_name, dest)


@pytest.fixture
def backend(settings: Settings, ledger: Ledger) -> OutputBackend:
    emotions = tuple(load_codebook(settings.codebook).emotions)
    out = SlowBackend(emotions=emotions, seconds=0.0)
    out.add_job(submitted(ledger, RUN, write_chunk(RUN), "batches/job1"))
    return out


def the_job(settings: Settings) -> JobView:
    job = collect(settings).find("pilot/chunk-0000")
    assert job is not None
    return job


def downloads(backend: OutputBackend) -> list[str]:
    return [c for c in backend.calls if c.startswith("download:")]


def test_fetch_writes_the_rules_files_and_a_second_fetch_downloads_nothing(
    settings: Settings, ledger: Ledger, backend: OutputBackend
) -> None:
    job = the_job(settings)
    result = fetch_job(settings, backend, job, backend.get(job.job_name))
    assert [(s["step"], s["action"].split()[0], s["path"]) for s in result.steps] == [
        ("marker", "written", str(RUN.marker("chunk-0000"))),
        ("download", "downloaded", str(RUN.raw("chunk-0000"))),
        ("recover", "written", str(RUN.recovered("chunk-0000"))),
        ("parse", "written", str(RUN.parsed("chunk-0000"))),
    ]
    assert (result.rows, result.ok, result.failed) == (2, 2, 0)
    assert result.next_step().startswith("snakemake --cores 2 results/pilot.parquet merges")
    assert Marker.load(RUN.marker("chunk-0000")).state == "SUCCEEDED"
    assert Recovered.load(RUN.recovered("chunk-0000")).ok == 2
    assert pq.read_table(RUN.parsed("chunk-0000")).column("status").to_pylist() == ["ok", "ok"]
    events = [r["event"] for r in ledger.records()]
    assert events.count("final") == 1 and events.count("cost") == 1  # as results_parse does

    again = fetch_job(settings, backend, the_job(settings), backend.get(job.job_name))
    assert [s["action"] for s in again.steps] == ["kept"] * 4
    assert (again.rows, again.ok) == (2, 2)
    assert len(downloads(backend)) == 1  # the second fetch found the files under the lock
    assert [r["event"] for r in ledger.records()].count("final") == 1


def test_fetch_waits_for_the_chunk_lock_and_gives_up_without_downloading(
    settings: Settings, backend: OutputBackend
) -> None:
    job = the_job(settings)
    status = backend.get(job.job_name)
    held = chunk_lock(RUN, "chunk-0000")
    assert held.lock_file == str(RUN.marker("chunk-0000")) + ".lock"
    with held, pytest.raises(EmobatchError, match="is locked: another process"):
        fetch_job(settings, backend, job, status, lock_timeout=0.2)
    assert downloads(backend) == [] and not RUN.raw("chunk-0000").exists()
    assert not RUN.marker("chunk-0000").exists()
    fetch_job(settings, backend, job, status)  # released: it goes ahead
    assert len(downloads(backend)) == 1


def test_two_fetches_at_once_download_once(settings: Settings, backend: OutputBackend) -> None:
    assert isinstance(backend, SlowBackend)
    backend.seconds = 0.3
    status = backend.get("batches/job1")
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def fetch() -> None:
        try:
            result = fetch_job(settings, backend, the_job(settings), status)
            results.append([s["action"].split()[0] for s in result.steps])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sorted(results) == [["kept"] * 4, ["written", "downloaded", "written", "written"]]
    assert len(downloads(backend)) == 1


def test_fetch_refuses_what_it_cannot_place_or_has_nothing_to_download() -> None:
    job = JobView(job_name="batches/j", mode="pilot", analysis_id=ANALYSIS, chunk="chunk-0000")

    def status(state: str, **counts: int) -> JobStatus:
        return JobStatus(name="batches/j", display_name=None, state=state, **counts)

    with pytest.raises(JobStillRunning, match="nothing to download yet"):
        check_fetchable(job, status("RUNNING", request_count=2, pending=2))
    with pytest.raises(JobError, match="cancelled"):
        check_fetchable(job, status("CANCELLED"))
    with pytest.raises(JobError, match="ended FAILED") as failed:
        check_fetchable(job, status("FAILED"))
    assert "snakemake --cores 2 results/pilot.parquet resubmits it" in str(failed.value)
    with pytest.raises(JobError, match="every row"):
        check_fetchable(job, status("SUCCEEDED", request_count=2, failed=2))
    with pytest.raises(EmobatchError, match="not one of this project's jobs"):
        check_fetchable(JobView(job_name="batches/x", kind="unknown"), status("SUCCEEDED"))
    with pytest.raises(EmobatchError, match="retry round"):
        check_fetchable(
            JobView(job_name="batches/r", kind="retry", mode="pilot"), status("SUCCEEDED")
        )
    check_fetchable(job, status("SUCCEEDED", request_count=2, succeeded=2))


def test_a_marker_of_another_job_is_not_overwritten(
    settings: Settings, ledger: Ledger, backend: OutputBackend
) -> None:
    job = the_job(settings)
    status = backend.get(job.job_name)
    fetch_job(settings, backend, job, status)
    marker = Marker.load(RUN.marker("chunk-0000"))
    marker.job_name = "batches/other"
    marker.dump(RUN.marker("chunk-0000"))
    with pytest.raises(EmobatchError, match="belongs to job batches/other"):
        fetch_job(settings, backend, the_job(settings), status)
