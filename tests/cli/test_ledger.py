"""The `forgotten` ledger record and `emobatch ledger show|forget`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emobatch.errors import SubmissionError
from emobatch.ledger import Ledger
from emobatch.operations.inventory import interrupted_intents
from emobatch.stages.submit import Clock, submit_chunk
from tests.cli.conftest import cli, cli_json
from tests.e2e.conftest import Project
from tests.pipeline.fakes import FakeBackend, record_interrupted_intent

ANALYSIS = "a0123456789a"


def make_clock() -> Clock:
    """A clock that never sleeps (the submit code's waits are not under test here)."""
    return Clock(sleep=lambda seconds: None, monotonic=lambda: 0.0)


@pytest.fixture
def chunk(tmp_path: Path) -> Path:
    path = tmp_path / "chunk-0000.jsonl"
    line = {"key": "p1", "request": {"contents": [{"role": "user", "parts": [{"text": "좋아"}]}]}}
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", "utf-8")
    return path


def test_forgotten_clears_an_interrupted_intent_so_the_chunk_can_be_submitted(
    tmp_path: Path, chunk: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    # an intent recorded under another API key: never resubmitted silently
    sha = record_interrupted_intent(ledger, chunk, ANALYSIS, "sha256:otherkey0001", "x")
    backend = FakeBackend()
    with pytest.raises(SubmissionError, match="emobatch ledger forget"):
        submit_chunk(
            backend,
            ledger,
            chunk,
            model="gemini-2.5-flash",
            analysis=ANALYSIS,
            mode="pilot",
            clock=make_clock(),
        )
    assert backend.created() == []
    assert len(interrupted_intents(ledger)) == 1

    ledger.append("forgotten", chunk_sha256=sha, analysis_id=ANALYSIS, attempt=0)
    assert ledger.attempt(sha, ANALYSIS, 0).intent is None
    assert interrupted_intents(ledger) == []
    sentinel = submit_chunk(
        backend,
        ledger,
        chunk,
        model="gemini-2.5-flash",
        analysis=ANALYSIS,
        mode="pilot",
        clock=make_clock(),
    )
    assert len(backend.created()) == 1 and sentinel.how == "created"
    state = ledger.attempt(sha, ANALYSIS, 0)
    assert state.intent["key_fp"] == backend.api_key_fingerprint and state.submitted
    # a forgotten record for another analysis or attempt changes nothing here
    ledger.append("forgotten", chunk_sha256=sha, analysis_id="a99999999999", attempt=0)
    ledger.append("forgotten", chunk_sha256=sha, analysis_id=ANALYSIS, attempt=1)
    assert ledger.attempt(sha, ANALYSIS, 0).submitted is not None


@pytest.mark.slow
@pytest.mark.xdist_group("cli")  # with every other user of `built`
def test_ledger_show_and_forget_refuses_to_pay_twice(built: Project) -> None:
    data = cli_json(built, "ledger", "show")
    assert [r["event"] for r in data["records"]].count("submitted") == 2
    assert data["interrupted_intents"] == []
    text = cli(built, "ledger", "show")
    assert text.exit_code == 0 and "submitted" in text.stdout and "intent" in text.stdout

    pilot = next(r for r in data["records"] if r["event"] == "submitted" and r["mode"] == "pilot")
    refused = cli(built, "ledger", "forget", pilot["chunk_sha256"][:12], "--yes")
    assert refused.exit_code == 1
    assert "would pay for the same chunk twice" in refused.stderr
    running = next(
        r for r in data["records"] if r["event"] == "submitted" and r["mode"] == "sampling"
    )
    refused = cli(built, "ledger", "forget", running["chunk_sha256"][:12], "--yes")
    assert refused.exit_code == 1 and "not finished" in refused.stderr
    assert "emobatch jobs cancel" in refused.stderr
    short = cli(built, "ledger", "forget", "abc", "--yes")
    assert short.exit_code == 1 and "too short" in short.stderr
    assert not any(r["event"] == "forgotten" for r in built.ledger_events())
