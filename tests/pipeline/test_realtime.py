"""Synchronous delivery without Snakemake: the rate limiter's waits, shed and refused calls,
the fallback rule, resuming a partial output, and the round manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emobatch.errors import RefusedByBackend, TransientBackendError
from emobatch.ledger import Ledger
from emobatch.ratelimit import RateLimiter
from emobatch.records import Recovered
from emobatch.stages.realtime import RealtimeSettings, code_chunk
from tests.pipeline.fakes import FakeBackend


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(round(s, 6))
        self.now += s


def test_rate_limiter_waits_exactly_for_requests_and_tokens() -> None:
    clock = ManualClock()
    limiter = RateLimiter(60, 600, monotonic=clock.monotonic, sleep=clock.sleep)  # 1 req/s
    for _ in range(60):  # a full minute's burst goes at once
        assert limiter.acquire(1) == 0
    assert limiter.acquire(1) == pytest.approx(1.0)  # then one per second
    tokens = RateLimiter(6000, 60, monotonic=clock.monotonic, sleep=clock.sleep)  # 1 token/s
    assert tokens.acquire(60) == 0
    assert tokens.acquire(30) == pytest.approx(30.0)


def _chunk(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "chunk-0000.jsonl"
    lines = [
        {"key": f"p{i}", "request": {"contents": [{"role": "user", "parts": [{"text": f"t{i}"}]}]}}
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def _run(tmp_path: Path, backend: FakeBackend, **kw: object) -> tuple[Recovered, Ledger]:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    clock = ManualClock()
    settings = RealtimeSettings(
        concurrency=1,
        shed_retry_seconds=30,
        retry_initial_delay_seconds=1,
        **kw,  # type: ignore[arg-type]
    )
    manifest = code_chunk(
        backend,
        ledger,
        chunk=tmp_path / "chunk-0000.jsonl",
        model="gemini-3.1-flash-lite",
        analysis="a000000000001",
        mode="pilot",
        raw=tmp_path / "raw" / "chunk-0000.jsonl",
        retries_dir=tmp_path / "retries",
        out_manifest=tmp_path / "recovered.json",
        read_answer=lambda a: (a, []),
        settings=settings,
        clock=clock,  # type: ignore[arg-type]
    )
    return manifest, ledger


def test_shed_calls_are_retried_later_on_flex_never_at_another_price(tmp_path: Path) -> None:
    _chunk(tmp_path, 3)
    shed = TransientBackendError("shed", code=503)
    backend = FakeBackend(failures={"generate_content": [shed, shed, None]})
    manifest, ledger = _run(tmp_path, backend)
    assert manifest.ok == 3 and manifest.failed == 0
    tiers = [c.split(":")[1] for c in backend.calls if c.startswith("generate:")]
    assert tiers == ["flex"] * 5  # 2 shed + 3 answered, all on flex
    (rec,) = [r for r in ledger.records() if r["event"] == "realtime"]
    assert rec["shed"] == 2 and rec["paid"] == 3 and rec["fallback"] == 0
    lines = (tmp_path / "raw" / "chunk-0000.jsonl").read_text("utf-8").splitlines()
    assert {json.loads(x)["serviceTier"] for x in lines} == {"flex"}


def test_fallback_to_the_standard_price_only_when_asked(tmp_path: Path) -> None:
    _chunk(tmp_path, 1)
    shed = TransientBackendError("shed", code=503)
    backend = FakeBackend(failures={"generate_content": [shed] * 3})
    manifest, ledger = _run(tmp_path, backend, max_attempts=3, flex_fallback="interactive")
    assert manifest.ok == 1
    assert [c for c in backend.calls if c.startswith("generate:")][-1] == "generate:standard:t0"
    (rec,) = [r for r in ledger.records() if r["event"] == "realtime"]
    assert rec["fallback"] == 1 and rec["shed"] == 3
    line = json.loads((tmp_path / "raw" / "chunk-0000.jsonl").read_text("utf-8"))
    assert line["serviceTier"] == "standard"  # priced as interactive by parse


def test_given_up_keys_are_sent_again_in_the_retry_round(tmp_path: Path) -> None:
    _chunk(tmp_path, 2)
    busy = TransientBackendError("busy", code=500)
    backend = FakeBackend(failures={"generate_content": [None, busy, busy]})
    manifest, ledger = _run(tmp_path, backend, max_attempts=2, retry_rounds=1)
    assert manifest.ok == 2 and [r["round"] for r in manifest.rounds] == [0, 1]
    rounds = [r for r in ledger.records() if r["event"] == "realtime"]
    assert [(r["round"], r["given_up"], r["paid"]) for r in rounds] == [(0, 1, 1), (1, 0, 1)]


def test_refused_calls_become_failed_rows_without_retry(tmp_path: Path) -> None:
    _chunk(tmp_path, 1)
    refused = RefusedByBackend("bad request", code=400)
    backend = FakeBackend(failures={"generate_content": [refused]})
    manifest, _ = _run(tmp_path, backend)
    assert manifest.failed == 1 and manifest.failed_reasons == {"api_error": 1}
    assert len([c for c in backend.calls if c.startswith("generate:")]) == 1


def test_a_partial_output_is_resumed_with_only_the_unanswered_keys(tmp_path: Path) -> None:
    _chunk(tmp_path, 3)
    raw = tmp_path / "raw" / "chunk-0000.jsonl"
    raw.parent.mkdir()
    done = FakeBackend().generate_content("m", {"contents": [{"parts": [{"text": "t0"}]}]})
    torn = b'{"key":"p1","respo'  # a kill in the middle of a write
    (raw.parent / "chunk-0000.jsonl.partial").write_bytes(
        (json.dumps({"key": "p0", "response": done}) + "\n").encode() + torn
    )
    backend = FakeBackend()
    manifest, ledger = _run(tmp_path, backend)
    assert manifest.ok == 3
    assert sorted(c for c in backend.calls if c.startswith("generate:")) == [
        "generate:flex:t1",
        "generate:flex:t2",
    ]
    (rec,) = [r for r in ledger.records() if r["event"] == "realtime"]
    assert rec["resumed"] == 1 and rec["to_send"] == 2
