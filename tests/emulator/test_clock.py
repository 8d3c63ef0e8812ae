"""An injectable clock drives job progression, times and expiry: no real sleeps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from google.genai import errors, types

from emobatch.emulator import EmulatorServer, ManualClock

from .helpers import TEXTS, make_client, raw, submit, write_requests

Start = Callable[..., EmulatorServer]


def test_manual_clock() -> None:
    clock = ManualClock(dt.datetime(2026, 12, 2))
    start = clock.now_ns()
    clock.sleep(2.5)
    clock.advance(0.5)
    clock.sleep(0)
    assert clock.now_ns() - start == 3_000_000_000 and clock.slept == [2.5]
    with pytest.raises(ValueError):
        clock.advance(-1)
    clock.set(dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    assert clock.now_ns() == int(dt.datetime(2027, 1, 1, tzinfo=dt.UTC).timestamp() * 1e9)


def test_jobs_progress_with_the_clock(
    start_emulator: Start, clock: ManualClock, tmp_path: Path
) -> None:
    server = start_emulator(clock=clock, latency_seconds=600)
    client = make_client(server)
    job = submit(client, write_requests(tmp_path / "in.jsonl", TEXTS[:2]), "clocked")
    created = job.create_time
    assert created == dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
    for seconds, state in [
        (199, types.JobState.JOB_STATE_PENDING),
        (2, types.JobState.JOB_STATE_RUNNING),  # after L/3
        (398, types.JobState.JOB_STATE_RUNNING),
        (1, types.JobState.JOB_STATE_SUCCEEDED),  # at L
    ]:
        clock.advance(seconds)
        assert client.batches.get(name=job.name).state == state, seconds
    done = client.batches.get(name=job.name)
    assert done.end_time == created + dt.timedelta(seconds=600)
    assert server.stats()["jobs_by_state"] == {"BATCH_STATE_SUCCEEDED": 1}
    assert clock.slept == []  # nothing waited in real time


def test_files_expire_after_48_hours_of_clock(
    start_emulator: Start, clock: ManualClock, tmp_path: Path
) -> None:
    server = start_emulator(clock=clock)
    client = make_client(server)
    uploaded = client.files.upload(
        file=str(write_requests(tmp_path / "in.jsonl", TEXTS[:1])), config={"mime_type": "jsonl"}
    )
    assert uploaded.expiration_time == uploaded.create_time + dt.timedelta(hours=48)
    clock.advance(48 * 3600 - 1)
    assert client.files.get(name=uploaded.name).name == uploaded.name
    clock.advance(2)
    with pytest.raises(errors.ClientError) as err:
        client.files.get(name=uploaded.name)
    assert err.value.code == 403
    assert raw(server, "GET", "/v1beta/files") == (200, {})
