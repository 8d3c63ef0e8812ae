"""Polling: terminal states, job-level recovery, waiting limits, non-blocking mode."""

from __future__ import annotations

import pytest

from emobatch.errors import JobError, JobStillRunning
from emobatch.ledger import Ledger
from emobatch.stages.poll import PollSettings, poll_chunk
from tests.pipeline.fakes import FakeBackend
from tests.pipeline.test_submit_ledger import FakeClock, _submit


def _poll(backend, ledger, sentinel, chunk, clock, **settings):
    return poll_chunk(
        backend,
        ledger,
        sentinel,
        chunk,
        clock=clock,
        settings=PollSettings(**{"interval_seconds": 10, **settings}),
    )


def test_waits_through_pending_and_running(tmp_path, chunk):
    backend = FakeBackend(state_sequence=["PENDING", "RUNNING", "RUNNING", "SUCCEEDED"])
    ledger, clock = Ledger(tmp_path / "l.jsonl"), FakeClock()
    sentinel = _submit(backend, ledger, chunk)
    marker = _poll(backend, ledger, sentinel, chunk, clock)
    assert marker.state == "SUCCEEDED" and marker.succeeded == 2
    assert clock.sleeps == [2, 3, 4.5]  # the first checks come early, growing to the interval
    assert [r["state"] for r in ledger.records() if r["event"] == "final"] == ["SUCCEEDED"]


def test_the_schedule_grows_to_the_interval():
    from itertools import islice

    waits = list(islice(PollSettings(interval_seconds=300).delays(), 16))
    assert waits[:5] == [2, 3, 4.5, 6.75, 10.125]
    assert waits[12] == pytest.approx(259.49, abs=0.01) and waits[13:] == [300, 300, 300]
    assert list(islice(PollSettings(interval_seconds=1).delays(), 3)) == [1, 1, 1]


@pytest.mark.parametrize("bad", ["FAILED", "EXPIRED"])
def test_failed_or_expired_job_is_resubmitted_once(tmp_path, chunk, bad):
    backend = FakeBackend(state_sequence=[bad])
    ledger, clock = Ledger(tmp_path / "l.jsonl"), FakeClock()
    sentinel = _submit(backend, ledger, chunk)
    original_get = backend.get

    def get(name):  # the resubmitted job succeeds
        status = original_get(name)
        if name != sentinel.job_name:
            from dataclasses import replace

            return replace(status, state="SUCCEEDED", succeeded=2, output_file="files/batch-x")
        return status

    backend.get = get  # type: ignore[method-assign]
    marker = _poll(backend, ledger, sentinel, chunk, clock)
    assert marker.state == "SUCCEEDED"
    assert [a["state"] for a in marker.attempts] == [bad, "SUCCEEDED"]
    assert len(backend.created()) == 2
    assert backend.created()[1].endswith("-r1")


def test_resubmits_are_bounded(tmp_path, chunk):
    backend = FakeBackend(state_sequence=["FAILED"])
    ledger, clock = Ledger(tmp_path / "l.jsonl"), FakeClock()
    sentinel = _submit(backend, ledger, chunk)
    with pytest.raises(JobError, match="resubmitted 1 time"):
        _poll(backend, ledger, sentinel, chunk, clock, job_resubmits=1)
    assert len(backend.created()) == 2


def test_cancelled_stops_with_a_message(tmp_path, chunk):
    backend = FakeBackend(state_sequence=["CANCELLED"])
    ledger, clock = Ledger(tmp_path / "l.jsonl"), FakeClock()
    sentinel = _submit(backend, ledger, chunk)
    with pytest.raises(JobError, match="cancelled by the user"):
        _poll(backend, ledger, sentinel, chunk, clock)
    assert len(backend.created()) == 1


def test_nonblocking_checks_once(tmp_path, chunk):
    backend = FakeBackend(state_sequence=["RUNNING"])
    ledger, clock = Ledger(tmp_path / "l.jsonl"), FakeClock()
    sentinel = _submit(backend, ledger, chunk)
    with pytest.raises(JobStillRunning, match="re-run the same snakemake command"):
        _poll(backend, ledger, sentinel, chunk, clock, blocking=False)
    assert clock.sleeps == []


def test_gives_up_waiting_after_max_wait_hours(tmp_path, chunk):
    backend = FakeBackend(state_sequence=["PENDING"])
    ledger, clock = Ledger(tmp_path / "l.jsonl"), FakeClock()
    sentinel = _submit(backend, ledger, chunk)
    with pytest.raises(JobError, match=r"still PENDING after 1\.0 h"):
        _poll(backend, ledger, sentinel, chunk, clock, interval_seconds=600, max_wait_hours=1.0)
    assert sum(clock.sleeps) <= 3600
    assert len(backend.created()) == 1


def test_changed_chunk_is_detected(tmp_path, chunk):
    backend, ledger, clock = FakeBackend(), Ledger(tmp_path / "l.jsonl"), FakeClock()
    sentinel = _submit(backend, ledger, chunk)
    chunk.write_text(chunk.read_text("utf-8") + "\n", "utf-8")
    with pytest.raises(Exception, match="changed after it was submitted"):
        _poll(backend, ledger, sentinel, chunk, clock)
