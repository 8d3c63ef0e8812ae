"""State lives in the directory: restarts, concurrent servers, the clock-driven lifecycle."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from google.genai import types

from emobatch.emulator import EmulatorServer, read_stats
from emobatch.emulator.store import Store

from .helpers import TEXTS, make_client, output_lines, submit, wait_done, write_requests

ROOT = Path(__file__).resolve().parents[2]


class _Remote:
    """Duck-typed like EmulatorServer for make_client()."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url


@contextmanager
def emulator_process(
    state_dir: Path, *extra: str
) -> Iterator[tuple[_Remote, subprocess.Popen[str]]]:
    """``python -m emobatch.cli.main emulator serve`` in a subprocess; ended by its PID."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emobatch.cli.main",
            "emulator",
            "serve",
            "--port",
            "0",
            "--state-dir",
            str(state_dir),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), (url, proc.stderr.read() if proc.poll() else "")
        yield _Remote(url), proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_job_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with emulator_process(state, "--latency", "3600") as (first, proc):
        client = make_client(first)  # type: ignore[arg-type]
        job = submit(client, write_requests(tmp_path / "in.jsonl", TEXTS[:3]), "restart-me")
        assert client.batches.get(name=job.name).state == types.JobState.JOB_STATE_PENDING
    assert proc.returncode == 0  # SIGTERM is a clean exit
    # the job keeps "running" while no server is up: its hour passes meanwhile, without a
    # real wait (a job's state is the clock minus its creation time, see emulator/jobs.py)
    (record,) = Store(state).list_batches()
    record["createNs"] -= 3600 * 1_000_000_000
    Store(state).put_batch(record)
    with emulator_process(state) as (second, _):
        client = make_client(second)  # type: ignore[arg-type]
        done = client.batches.get(name=job.name)
        assert done.state == types.JobState.JOB_STATE_SUCCEEDED
        assert sorted(line["key"] for line in output_lines(client, done)) == ["k0", "k1", "k2"]
        assert [j.display_name for j in client.batches.list()] == ["restart-me"]
    stats = read_stats(state)
    assert stats["creates_by_display_name"] == {"restart-me": 1}
    assert stats["jobs_by_state"] == {"BATCH_STATE_SUCCEEDED": 1}


def test_two_servers_share_one_state_dir(
    start_emulator: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    a, b = start_emulator(), start_emulator()
    assert a.base_url != b.base_url
    ca, cb = make_client(a), make_client(b)
    path = write_requests(tmp_path / "in.jsonl", TEXTS[:2])
    job_a = submit(ca, path, "from-a")
    job_b = submit(cb, path, "from-b")
    assert {j.name for j in ca.batches.list()} == {job_a.name, job_b.name}
    assert {j.name for j in cb.batches.list()} == {job_a.name, job_b.name}
    done_b = wait_done(ca, job_b.name)  # created through b, completed and read through a
    assert len(output_lines(cb, done_b)) == 2
    assert len(output_lines(ca, wait_done(cb, job_a.name))) == 2
    stats = a.stats()
    assert stats["creates_total"] == 2 and stats["uploads"] == 2
    assert stats["jobs_by_state"] == {"BATCH_STATE_SUCCEEDED": 2}


def test_concurrent_creates_from_two_processes(
    start_emulator: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    """Interleaved creates through two servers get distinct ids and exact counters."""
    import threading

    a, b = start_emulator(), start_emulator()
    path = write_requests(tmp_path / "in.jsonl", TEXTS[:1])
    names: list[str] = []
    lock = threading.Lock()

    def worker(server: EmulatorServer, tag: str) -> None:
        client = make_client(server)
        for i in range(4):
            job = submit(client, path, f"{tag}-{i}")
            with lock:
                names.append(job.name)

    threads = [threading.Thread(target=worker, args=(s, t)) for s, t in ((a, "a"), (b, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(names)) == 8
    stats = read_stats(a.state_dir)
    assert stats["creates_total"] == 8 and stats["uploads"] == 8
    assert stats["calls"]["batches_create"] == 8


def test_output_is_generated_once(
    start_emulator: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = start_emulator()
    client = make_client(server)
    job = wait_done(client, submit(client, write_requests(tmp_path / "in.jsonl", TEXTS[:2])).name)
    blob = server.state_dir / "blobs" / job.dest.file_name.removeprefix("files/")
    before = blob.stat().st_mtime_ns
    other = make_client(start_emulator())
    assert other.batches.get(name=job.name).dest.file_name == job.dest.file_name
    list(other.batches.list())
    assert blob.stat().st_mtime_ns == before


def test_state_dir_of_another_format_is_refused(tmp_path: Path) -> None:
    from emobatch.emulator import serve_in_background

    state = tmp_path / "state"
    state.mkdir()
    (state / "emulator.json").write_text('{"format": 99}')
    with pytest.raises(ValueError, match="format 99"):
        serve_in_background(state)
