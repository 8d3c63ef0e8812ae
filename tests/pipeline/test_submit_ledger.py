"""The money rule: a chunk is submitted at most once, whatever happens around the paid call."""

from __future__ import annotations

import json

import pytest

from emobatch.errors import SubmissionError
from emobatch.identity import display_name, file_sha256
from emobatch.ledger import Ledger
from emobatch.stages.submit import Clock, SubmitLimits, submit_chunk
from tests.pipeline.fakes import FakeBackend, api_error, create_error, record_interrupted_intent

ANALYSIS = "a0123456789a"


class FakeClock(Clock):
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        super().__init__(sleep=self._sleep, monotonic=lambda: self.now)

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _submit(backend, ledger, chunk, clock=None, **kw):
    return submit_chunk(
        backend,
        ledger,
        chunk,
        model="gemini-2.5-flash",
        analysis=ANALYSIS,
        mode="pilot",
        clock=clock or FakeClock(),
        **kw,
    )


def test_first_submit_records_intent_before_the_paid_call(tmp_path, chunk):
    backend, ledger = FakeBackend(), Ledger(tmp_path / "ledger.jsonl")
    seen_at_create: list[list[str]] = []
    sentinel = _submit(
        backend,
        ledger,
        chunk,
        before_create=lambda: seen_at_create.append([r["event"] for r in ledger.records()]),
    )
    assert seen_at_create == [["intent", "uploaded"]]
    assert [r["event"] for r in ledger.records()] == ["intent", "uploaded", "submitted"]
    assert len(backend.created()) == 1
    sha = file_sha256(chunk)
    assert sentinel.chunk_sha256 == sha
    assert sentinel.display_name == display_name(sha, ANALYSIS)
    assert sentinel.request_count == 2
    assert sentinel.how == "created"
    assert sentinel.api_key_fingerprint == backend.api_key_fingerprint


def test_confirmed_chunk_is_never_sent_again(tmp_path, chunk):
    backend, ledger = FakeBackend(), Ledger(tmp_path / "ledger.jsonl")
    first = _submit(backend, ledger, chunk)
    calls_before = list(backend.calls)
    again = _submit(backend, ledger, chunk)
    assert backend.calls == calls_before  # no API call at all
    assert again.job_name == first.job_name
    assert again.how == "ledger"


def test_crash_between_create_and_confirmation_adopts_the_job(tmp_path, chunk):
    backend, ledger = FakeBackend(), Ledger(tmp_path / "ledger.jsonl")

    def crash() -> None:  # the process dies right after the provider created the job
        raise KeyboardInterrupt

    backend.lose_create_response = 0
    original_create = backend.create

    def create_then_die(model, file_name, name):
        original_create(model, file_name, name)
        crash()

    backend.create = create_then_die  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        _submit(backend, ledger, chunk)
    assert [r["event"] for r in ledger.records()] == ["intent", "uploaded"]
    backend.create = original_create  # type: ignore[method-assign]
    sentinel = _submit(backend, ledger, chunk)
    assert len(backend.created()) == 1
    assert sentinel.how == "reconciled"
    assert sentinel.job_name == next(iter(backend.jobs))


def test_intent_without_job_is_created_only_after_a_complete_listing(tmp_path, chunk):
    backend, ledger = FakeBackend(), Ledger(tmp_path / "ledger.jsonl")
    record_interrupted_intent(ledger, chunk, ANALYSIS, backend.api_key_fingerprint)
    sentinel = _submit(backend, ledger, chunk)
    assert backend.calls.index("list") < backend.calls.index(f"create:{sentinel.display_name}")
    assert len(backend.created()) == 1


def test_partial_listing_proves_nothing(tmp_path, chunk):
    backend, ledger = FakeBackend(list_fails_on_page=1), Ledger(tmp_path / "ledger.jsonl")
    # another job exists so the listing has a second page that fails
    backend.jobs["batches/other"] = backend.create("m", "files/x", "someone-else")
    backend.calls.clear()
    record_interrupted_intent(ledger, chunk, ANALYSIS, backend.api_key_fingerprint)
    with pytest.raises(SubmissionError, match="partial listing proves nothing"):
        _submit(backend, ledger, chunk)
    assert backend.created() == []


def test_intent_under_another_api_key_is_never_resubmitted_silently(tmp_path, chunk):
    backend, ledger = FakeBackend(), Ledger(tmp_path / "ledger.jsonl")
    record_interrupted_intent(ledger, chunk, ANALYSIS, "sha256:otherkey0000")
    with pytest.raises(SubmissionError, match="sha256:otherkey0000"):
        _submit(backend, ledger, chunk)
    assert backend.created() == []


def test_429_on_create_is_retried_with_backoff(tmp_path, chunk):
    backend = FakeBackend(failures={"create": [api_error(429, "RESOURCE_EXHAUSTED")] * 2})
    ledger, clock = Ledger(tmp_path / "ledger.jsonl"), FakeClock()
    _submit(backend, ledger, chunk, clock=clock, limits=SubmitLimits(backoff_initial=5))
    assert len(backend.created()) == 3  # two refused, one created
    assert len(backend.jobs) == 1
    assert clock.sleeps == [5, 10]
    assert "list" not in backend.calls  # a 429 never created anything: no reconciliation


def test_lost_create_response_is_reconciled_not_retried(tmp_path, chunk):
    backend = FakeBackend(lose_create_response=1)
    ledger = Ledger(tmp_path / "ledger.jsonl")
    sentinel = _submit(backend, ledger, chunk)
    assert len(backend.jobs) == 1
    assert len(backend.created()) == 1
    assert sentinel.job_name == next(iter(backend.jobs))
    assert sentinel.how == "reconciled"


def test_5xx_on_create_without_job_retries_after_reconciling(tmp_path, chunk):
    backend = FakeBackend(failures={"create": [create_error(503, "UNAVAILABLE")]})
    ledger = Ledger(tmp_path / "ledger.jsonl")
    _submit(backend, ledger, chunk)
    assert len(backend.jobs) == 1
    assert backend.calls.count("list") == 1
    assert len(backend.created()) == 2


def test_waits_for_enqueued_token_capacity(tmp_path, chunk):
    backend, ledger, clock = FakeBackend(), Ledger(tmp_path / "ledger.jsonl"), FakeClock()
    # an earlier job of the same model is still running and fills the token quota
    backend.state_sequence = ["RUNNING", "RUNNING", "SUCCEEDED"]
    other = backend.create("gemini-2.5-flash", "files/o", "earlier")
    ledger.append(
        "submitted",
        chunk_sha256="0" * 64,
        attempt=0,
        job_name=other.name,
        model="gemini-2.5-flash",
        estimated_input_tokens=3_000_000,
        key_fp=backend.api_key_fingerprint,
    )
    _submit(backend, ledger, chunk, clock=clock, limits=SubmitLimits(max_enqueued_tokens=3_000_000))
    assert len(clock.sleeps) == 2  # waited twice, then the earlier job finished
    assert any(r["event"] == "final" and r["job_name"] == other.name for r in ledger.records())


def test_same_bytes_under_another_analysis_is_other_work(tmp_path, chunk):
    backend, ledger = FakeBackend(), Ledger(tmp_path / "ledger.jsonl")
    first = _submit(backend, ledger, chunk)
    other = submit_chunk(
        backend,
        ledger,
        chunk,
        model="gemini-2.5-flash-lite",
        analysis="a999999999aa",
        mode="pilot",
        clock=FakeClock(),
    )
    assert len(backend.created()) == 2
    assert other.job_name != first.job_name
    assert other.model == "gemini-2.5-flash-lite"


def test_torn_ledger_line_is_sealed_and_ignored(tmp_path, chunk):
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.path.write_text('{"v": 1, "event": "intent", "chunk_sha', encoding="utf-8")
    backend = FakeBackend()
    _submit(backend, ledger, chunk)
    assert [r["event"] for r in ledger.records()] == ["intent", "uploaded", "submitted"]
    assert len(backend.created()) == 1


def test_sentinel_and_ledger_hold_no_api_key(tmp_path, chunk, monkeypatch):
    from emobatch.backends.gemini import GeminiBackend

    secret = "AIzaSyTEST-not-a-real-key-1234567890"
    backend = GeminiBackend(secret, base_url="http://127.0.0.1:9")
    fake = FakeBackend(api_key_fingerprint=backend.api_key_fingerprint)
    ledger = Ledger(tmp_path / "ledger.jsonl")
    sentinel = _submit(fake, ledger, chunk)
    assert secret not in json.dumps(sentinel.to_dict())
    assert secret not in ledger.path.read_text("utf-8")
    assert sentinel.api_key_fingerprint.startswith("sha256:")
