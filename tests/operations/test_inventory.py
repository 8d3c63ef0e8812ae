"""The job inventory, from sentinels, markers, the ledger, estimates and parsed rows."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from emobatch import atomic
from emobatch.backends.base import JobStatus
from emobatch.config import Settings
from emobatch.errors import EmobatchError
from emobatch.ledger import Ledger
from emobatch.operations.inventory import add_remote, collect, interrupted_intents, refresh
from emobatch.operations.job_view import cancel, lookup
from emobatch.paths import RunPaths
from tests.operations.conftest import ANALYSIS, marker_of, submitted, write_chunk
from tests.pipeline.fakes import FakeBackend, record_interrupted_intent


def write_parsed(run: RunPaths, chunk: str, job: str, statuses: list[str]) -> None:
    n = len(statuses)
    table = pa.table(
        {
            "post_id": [f"p{i}" for i in range(n)],
            "batch_job": [job] * n,
            "status": statuses,
            "cost_usd": [0.001] * n,
            "prompt_tokens": [100] * n,
            "output_tokens": [40] * n,
            "thoughts_tokens": [0] * n,
            "cached_tokens": [0] * n,
        }
    )
    run.parsed(chunk).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, run.parsed(chunk))


@pytest.fixture
def run(settings: Settings, ledger: Ledger) -> RunPaths:
    """pilot: chunk-0000 finished and parsed; chunk-0001 FAILED, resubmitted as attempt 1."""
    run = RunPaths("pilot", ANALYSIS)
    first = submitted(ledger, run, write_chunk(run, "chunk-0000"), "batches/done")
    marker_of(first).dump(run.marker("chunk-0000"))
    write_parsed(run, "chunk-0000", "batches/done", ["ok", "failed"])
    second = write_chunk(run, "chunk-0001", ("p3", "p4"))
    failed = submitted(ledger, run, second, "batches/failed")
    ledger.append(
        "final",
        chunk_sha256=failed.chunk_sha256,
        analysis_id=ANALYSIS,
        attempt=0,
        job_name="batches/failed",
        state="FAILED",
        request_count=2,
        succeeded=0,
        failed=2,
    )
    submitted(ledger, run, second, "batches/again", attempt=1, sentinel=False)
    atomic.write_json(run.estimate, {"usd_batch": 0.01, "requests": 4})
    return run


def test_collect_joins_sentinels_markers_ledger_estimate_and_parsed_rows(
    settings: Settings, run: RunPaths
) -> None:
    inv = collect(settings)
    jobs = {j.job_name: j for j in inv.jobs}
    assert list(jobs) == ["batches/done", "batches/failed", "batches/again"]

    done = jobs["batches/done"]
    assert (done.state, done.state_source) == ("SUCCEEDED", "marker")
    assert (done.requests, done.succeeded, done.failed, done.pending) == (2, 2, 0, 0)
    assert done.sources == ["sentinel", "marker", "ledger"]
    assert done.sentinel == str(run.sentinel("chunk-0000"))
    assert done.marker == str(run.marker("chunk-0000"))
    assert done.estimated_usd == pytest.approx(0.005)  # its share of the estimate by requests
    assert (done.parsed_rows, done.parsed_ok, done.actual_usd) == (2, 1, pytest.approx(0.002))
    assert done.tokens == {
        "prompt_tokens": 200,
        "output_tokens": 80,
        "thoughts_tokens": 0,
        "cached_tokens": 0,
    }

    failed = jobs["batches/failed"]  # the sentinel's job; its terminal state is in the ledger
    assert (failed.state, failed.state_source, failed.chunk) == ("FAILED", "ledger", "chunk-0001")
    again = jobs["batches/again"]  # the resubmission: in the ledger only
    assert (again.state, again.attempt, again.sources) == ("SUBMITTED", 1, ["ledger"])
    assert again.kind == "chunk" and again.mode == "pilot" and not again.done
    assert inv.find("pilot/chunk-0001") is again  # a chunk's latest job
    assert inv.find("done") is done and inv.find("batches/nope") is None
    assert inv.interrupted == [] and inv.unreadable == []
    assert collect(settings, "sampling").jobs == []


def test_retry_rounds_unreadable_records_and_interrupted_intents(
    settings: Settings, ledger: Ledger, run: RunPaths
) -> None:
    retry_chunk = run.retries_dir / "chunk-0000-r1.jsonl"
    write_chunk(run, "chunk-0000")
    retry_chunk.parent.mkdir(parents=True, exist_ok=True)
    retry_chunk.write_bytes(run.chunk("chunk-0000").read_bytes()[:10] + b"\n")
    submitted(ledger, run, retry_chunk, "batches/retry", sentinel=False)
    run.marker("chunk-0009").write_text('{"format": "emobatch.completion/99"}', "utf-8")
    sha = record_interrupted_intent(ledger, run.chunk("chunk-0001"), "a99999999999", "sha256:x")

    inv = collect(settings)
    retry = next(j for j in inv.jobs if j.job_name == "batches/retry")
    assert retry.kind == "retry" and retry.chunk == "chunk-0000-r1"
    (problem,) = inv.unreadable  # listed, not fatal
    assert problem.startswith(str(run.marker("chunk-0009"))) and "completion/99" in problem
    assert [r["chunk_sha256"] for r in inv.interrupted] == [sha]
    ledger.append("forgotten", chunk_sha256=sha, analysis_id="a99999999999", attempt=0)
    assert interrupted_intents(ledger) == []


def test_refresh_asks_only_for_unfinished_jobs_and_remote_adds_strangers(
    settings: Settings, run: RunPaths
) -> None:
    backend = FakeBackend(state_sequence=["RUNNING"])
    for name in ("batches/done", "batches/failed", "batches/again", "batches/stranger"):
        backend.jobs[name] = JobStatus(name=name, display_name=name[8:], state="RUNNING")
    inv = collect(settings)
    refresh(inv.jobs, backend)
    assert backend.calls == ["get:batches/again"]
    again = inv.find("again")
    assert again is not None and (again.state, again.state_source) == ("RUNNING", "live")
    assert (again.succeeded, again.pending) == (0, 2)

    assert add_remote(inv, backend) == 1
    stranger = inv.jobs[-1]
    assert (stranger.job_name, stranger.known, stranger.state_source) == (
        "batches/stranger",
        False,
        "listing",
    )
    assert stranger.requests is None  # counts of a listing are not the project's


def test_a_job_that_fails_to_refresh_keeps_its_local_view(
    settings: Settings, run: RunPaths
) -> None:
    from tests.pipeline.fakes import api_error

    backend = FakeBackend(failures={"get": [api_error(503)]})
    inv = collect(settings)
    refresh(inv.jobs, backend)
    again = inv.find("again")
    assert again is not None and again.state == "SUBMITTED"
    assert again.live_error and "503" in again.live_error


def test_lookup_asks_the_provider_for_a_full_name_and_cancel_logs_the_request(
    settings: Settings, run: RunPaths, caplog: pytest.LogCaptureFixture
) -> None:
    backend = FakeBackend(state_sequence=["CANCELLED"])  # after the cancel
    for name in ("batches/again", "batches/stranger"):
        backend.jobs[name] = JobStatus(name=name, display_name=name[8:], state="RUNNING")
    inv = collect(settings)
    assert lookup(inv, "pilot/chunk-0001", backend).job_name == "batches/again"
    assert backend.calls == []  # known to the project: no call
    stranger = lookup(inv, "batches/stranger", backend)
    assert (stranger.kind, stranger.state_source, stranger.sources) == ("unknown", "live", ["live"])
    with pytest.raises(EmobatchError, match="no job 'nosuchjob' in this project"):
        lookup(inv, "nosuchjob", backend)

    again = inv.find("again")
    assert again is not None
    with caplog.at_level("INFO"):
        after = cancel(again, backend, via="a test")
    assert after.state == "CANCELLED" and again.state == "CANCELLED"
    assert "cancel:batches/again" in backend.calls
    assert "BATCH cancel batches/again (pilot chunk-0001) cancel requested by the operator " in (
        caplog.text
    )
